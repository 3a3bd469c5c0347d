// Pure helpers of the replay viewer: which steps a filter keeps, which step a
// URL asks for, the artifacts a step refers to, and which step holds an event.

/** The fields of a replay step these helpers read. */
export interface StepLike {
  index: number;
  kind: string;
  case_key?: string | null;
  event_type: string;
  first_sequence: number;
  last_sequence: number;
  input?: unknown;
  output?: unknown;
}

/** What the timeline shows: some step kinds (all when empty) of one case (all when null). */
export interface StepFilter {
  kinds: ReadonlySet<string>;
  caseKey: string | null;
}

/** The steps a filter keeps, in order. */
export function filterSteps<T extends StepLike>(steps: readonly T[], filter: StepFilter): T[] {
  if (filter.kinds.size === 0 && filter.caseKey === null) return steps as T[];
  return steps.filter(
    (s) => (filter.kinds.size === 0 || filter.kinds.has(s.kind)) && (filter.caseKey === null || s.case_key === filter.caseKey),
  );
}

/** The cases the steps belong to, in order of first appearance. */
export function caseKeys(steps: readonly StepLike[]): string[] {
  const seen = new Set<string>();
  for (const s of steps) if (s.case_key) seen.add(s.case_key);
  return [...seen];
}

/** The step a URL asks for: `?step=N`, or the older `#step-N`. */
export function requestedStep(search: string, hash: string): number | null {
  const fromQuery = new URLSearchParams(search).get("step");
  const raw = fromQuery ?? /^#step-(\d+)$/.exec(hash)?.[1] ?? null;
  if (raw === null || !/^\d+$/.test(raw)) return null;
  return Number(raw);
}

/** An artifact a payload points to (large payloads are stored as one). */
export interface ArtifactRef {
  sha256: string;
  size: number | null;
  mediaType: string | null;
  /** Where in the payload it sits, e.g. `output.stdout`. */
  path: string;
}

const SHA256 = /^[0-9a-f]{64}$/;

/** Every `{artifact: {sha256, size, media_type}}` (or `artifact_sha256`) inside a step's payloads. */
export function artifactRefs(step: Pick<StepLike, "input" | "output">): ArtifactRef[] {
  const found: ArtifactRef[] = [];
  const seen = new Set<string>();
  const visit = (value: unknown, path: string, depth: number) => {
    if (depth > 8 || typeof value !== "object" || value === null) return;
    if (Array.isArray(value)) {
      value.forEach((v, i) => visit(v, `${path}[${i}]`, depth + 1));
      return;
    }
    const obj = value as Record<string, unknown>;
    const artifact = obj.artifact as Record<string, unknown> | undefined;
    const sha =
      typeof artifact === "object" && artifact !== null && typeof artifact.sha256 === "string"
        ? artifact.sha256
        : typeof obj.artifact_sha256 === "string"
          ? obj.artifact_sha256
          : null;
    if (sha && SHA256.test(sha) && !seen.has(`${path}:${sha}`)) {
      seen.add(`${path}:${sha}`);
      found.push({
        sha256: sha,
        size: typeof artifact?.size === "number" ? artifact.size : null,
        mediaType: typeof artifact?.media_type === "string" ? artifact.media_type : null,
        path,
      });
    }
    for (const [key, v] of Object.entries(obj)) if (key !== "artifact") visit(v, path ? `${path}.${key}` : key, depth + 1);
  };
  visit(step.input, "input", 0);
  visit(step.output, "output", 0);
  return found;
}

/** Text worth reading as a block rather than inside JSON: a titled string. */
export interface TextBlock {
  label: string;
  text: string;
}

const TEXT_KEYS = ["stdout", "stderr", "content", "result", "text"];

/**
 * The strings of a payload worth showing as text blocks: its own stdout,
 * stderr, content, result and text, and the multi-line or long strings of
 * its `arguments` (a tool call's input) and `result` (its output).
 */
export function textBlocks(payload: unknown): TextBlock[] {
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) return [];
  const obj = payload as Record<string, unknown>;
  const out: TextBlock[] = [];
  for (const key of TEXT_KEYS) {
    const v = obj[key];
    if (typeof v === "string" && v.length > 0) out.push({ label: key, text: v });
  }
  for (const parent of ["arguments", "result"]) {
    const nested = obj[parent];
    if (typeof nested !== "object" || nested === null || Array.isArray(nested)) continue;
    for (const [key, v] of Object.entries(nested)) {
      if (typeof v === "string" && (v.includes("\n") || v.length > 120)) out.push({ label: `${parent}.${key}`, text: v });
    }
  }
  return out;
}
