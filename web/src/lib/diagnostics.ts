// A pack's validation diagnostics (from validate, or from a refused
// publish's error details) and where they sit in the YAML source.

/** One problem the validator found, at a YAML path and 1-based line/column. */
export interface Diagnostic {
  severity: "error" | "warning";
  path: string;
  line: number | null;
  column: number | null;
  message: string;
  suggestion?: string | null;
}

function asDiagnostic(value: unknown): Diagnostic | null {
  if (typeof value !== "object" || value === null) return null;
  const v = value as Record<string, unknown>;
  if (typeof v.message !== "string") return null;
  const num = (x: unknown) => (typeof x === "number" && Number.isInteger(x) && x > 0 ? x : null);
  return {
    severity: v.severity === "warning" ? "warning" : "error",
    path: typeof v.path === "string" ? v.path : "",
    line: num(v.line),
    column: num(v.column),
    message: v.message,
    suggestion: typeof v.suggestion === "string" ? v.suggestion : null,
  };
}

/** Diagnostics from a list (validate's `diagnostics`, or an error's `details.diagnostics`). */
export function parseDiagnostics(list: unknown): Diagnostic[] {
  if (!Array.isArray(list)) return [];
  return list.map(asDiagnostic).filter((d): d is Diagnostic => d !== null);
}

/** The diagnostics in an API error's details (`{diagnostics: [...]}`), if any. */
export function diagnosticsOfDetails(details: unknown): Diagnostic[] {
  if (typeof details !== "object" || details === null) return [];
  return parseDiagnostics((details as { diagnostics?: unknown }).diagnostics);
}

/** Diagnostics by line, for marking the source; those without a line are left out. */
export function diagnosticsByLine(diagnostics: readonly Diagnostic[]): Map<number, Diagnostic[]> {
  const byLine = new Map<number, Diagnostic[]>();
  for (const d of diagnostics) {
    if (d.line === null) continue;
    byLine.set(d.line, [...(byLine.get(d.line) ?? []), d]);
  }
  return byLine;
}

/** "line 4, column 3: version.number: must be ≥ 1 (did you mean `x`?)" */
export function describeDiagnostic(d: Diagnostic): string {
  const where = d.line === null ? "" : `line ${d.line}${d.column === null ? "" : `, column ${d.column}`}: `;
  const path = d.path ? `${d.path}: ` : "";
  const hint = d.suggestion ? ` (did you mean \`${d.suggestion}\`?)` : "";
  return `${where}${path}${d.message}${hint}`;
}
