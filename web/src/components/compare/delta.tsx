import { Badge } from "@/components/ui/badge";
import { caseResult, deltaTone, formatDelta, type Tone } from "@/lib/compare";
import { cn } from "@/lib/utils";

const TEXT: Record<Tone, string> = {
  neutral: "text-foreground",
  success: "text-green-800",
  danger: "text-red-800",
  warning: "text-amber-900",
};

/** A signed delta in percentage points, green when up and red when down (the sign says it too). */
export function Delta({ value, className }: { value: number | null | undefined; className?: string }) {
  return <span className={cn("tabular-nums font-medium whitespace-nowrap", TEXT[deltaTone(value)], className)}>{formatDelta(value)}</span>;
}

/** A case's verdict in one lane as a coloured word. */
export function CaseResult({ passed }: { passed: boolean | null | undefined }) {
  const result = caseResult(passed);
  return <Badge tone={result === "passed" ? "success" : result === "failed" ? "danger" : "neutral"}>{result}</Badge>;
}
