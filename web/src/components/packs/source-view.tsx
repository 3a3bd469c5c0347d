"use client";
import { describeDiagnostic, diagnosticsByLine, type Diagnostic } from "@/lib/diagnostics";
import { cn } from "@/lib/utils";

/**
 * YAML source with line numbers; a line with diagnostics is marked and its
 * messages are shown right under it, so an error is read where it is.
 */
export function SourceView({ source, diagnostics = [], label }: { source: string; diagnostics?: readonly Diagnostic[]; label: string }) {
  const byLine = diagnosticsByLine(diagnostics);
  const lines = source.split("\n");
  return (
    <div
      role="region"
      aria-label={label}
      tabIndex={0}
      className="max-h-[70vh] overflow-auto rounded-md border border-border bg-muted/40 font-mono text-xs focus-visible:outline-2 focus-visible:outline-ring"
      data-testid="source-view"
    >
      <ol className="min-w-max py-1">
        {lines.map((text, i) => {
          const line = i + 1;
          const marks = byLine.get(line) ?? [];
          const error = marks.some((d) => d.severity === "error");
          return (
            <li
              key={line}
              data-line={line}
              data-marked={marks.length > 0 ? (error ? "error" : "warning") : undefined}
              className={cn(marks.length > 0 && (error ? "bg-red-50" : "bg-amber-50"))}
            >
              <div className="flex">
                <span className="w-12 shrink-0 select-none pr-3 text-right text-muted-foreground" aria-hidden>
                  {line}
                </span>
                <span className="whitespace-pre">{text || " "}</span>
              </div>
              {marks.map((d, j) => (
                <p
                  key={j}
                  data-testid="line-diagnostic"
                  className={cn(
                    "ml-12 border-l-2 px-2 py-0.5 font-sans whitespace-normal",
                    d.severity === "error" ? "border-red-600 text-red-900" : "border-amber-600 text-amber-900",
                  )}
                >
                  <span className="font-semibold">{d.severity}</span>: {describeDiagnostic(d)}
                </p>
              ))}
            </li>
          );
        })}
      </ol>
    </div>
  );
}
