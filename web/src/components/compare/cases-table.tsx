"use client";
import { useId, useState } from "react";
import { CaseResult, Delta } from "@/components/compare/delta";
import { Badge } from "@/components/ui/badge";
import { EmptyState } from "@/components/ui/states";
import { Table, TableBody, TableCaption, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { caseChanged, dimensionLabel, formatScore, type CaseComparison, type CaseFlip } from "@/lib/compare";

/** A case's flip and the validators that decided it. */
function FlipCell({ kase, decidedBy }: { kase: CaseComparison; decidedBy: string[] }) {
  if (kase.excluded) return <Badge tone="warning">excluded (infrastructure)</Badge>;
  if (!kase.flip) return <span className="text-muted-foreground">—</span>;
  return (
    <span className="flex flex-col items-start gap-1">
      <Badge tone={kase.flip === "regression" ? "danger" : "success"} data-testid="case-flip">
        {kase.flip}
      </Badge>
      {decidedBy.length > 0 && <span className="text-xs text-muted-foreground">decided by {decidedBy.join(", ")}</span>}
    </span>
  );
}

/**
 * Every case of either lane: each lane's verdict and score, the score
 * delta, the pass/fail flip (with its deciding validators) and the
 * per-dimension deltas; optionally only the cases that changed.
 */
export function CompareCasesTable({
  cases,
  regressions,
  improvements,
}: {
  cases: CaseComparison[];
  regressions: CaseFlip[];
  improvements: CaseFlip[];
}) {
  const id = useId();
  const [changedOnly, setChangedOnly] = useState(false);
  const deciding = new Map([...regressions, ...improvements].map((f) => [f.case_key, f.deciding_validators]));
  const shown = changedOnly ? cases.filter(caseChanged) : cases;
  if (cases.length === 0) return <EmptyState title="No case to compare">Neither lane has a scored case yet.</EmptyState>;
  return (
    <div className="flex flex-col gap-2">
      <label htmlFor={id} className="flex items-center gap-2 text-sm">
        <input id={id} type="checkbox" className="size-4" checked={changedOnly} onChange={(e) => setChangedOnly(e.target.checked)} />
        Only cases that changed ({cases.filter(caseChanged).length} of {cases.length})
      </label>
      {shown.length === 0 ? (
        <EmptyState title="No case changed">Both lanes scored every case the same.</EmptyState>
      ) : (
        <Table aria-label="Per-case flips" data-testid="compare-cases">
          <TableCaption>Delta is the candidate&apos;s overall case score − the baseline&apos;s, in percentage points.</TableCaption>
          <TableHeader>
            <TableRow>
              <TableHead>Case</TableHead>
              <TableHead>Baseline</TableHead>
              <TableHead>Candidate</TableHead>
              <TableHead>Delta</TableHead>
              <TableHead>Flip</TableHead>
              <TableHead>Dimension deltas</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {shown.map((c) => (
              <TableRow key={c.case_key} data-testid="compare-case" data-case={c.case_key} data-flip={c.flip ?? "none"}>
                <TableCell className="font-medium">{c.case_key}</TableCell>
                <TableCell>
                  <span className="flex flex-wrap items-center gap-2">
                    <CaseResult passed={c.baseline_passed} />
                    <span className="tabular-nums">{formatScore(c.baseline_score)}</span>
                  </span>
                </TableCell>
                <TableCell>
                  <span className="flex flex-wrap items-center gap-2">
                    <CaseResult passed={c.candidate_passed} />
                    <span className="tabular-nums">{formatScore(c.candidate_score)}</span>
                  </span>
                </TableCell>
                <TableCell data-testid="case-delta">
                  <Delta value={c.delta} />
                </TableCell>
                <TableCell>
                  <FlipCell kase={c} decidedBy={deciding.get(c.case_key) ?? []} />
                </TableCell>
                <TableCell>
                  {Object.keys(c.dimension_deltas).length === 0 ? (
                    <span className="text-muted-foreground">—</span>
                  ) : (
                    <ul className="flex flex-col gap-0.5 text-xs">
                      {Object.entries(c.dimension_deltas).map(([key, delta]) => (
                        <li key={key}>
                          {dimensionLabel(key)} <Delta value={delta} />
                        </li>
                      ))}
                    </ul>
                  )}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </div>
  );
}
