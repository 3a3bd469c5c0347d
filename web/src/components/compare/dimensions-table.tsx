import { Delta } from "@/components/compare/delta";
import { Badge } from "@/components/ui/badge";
import { Table, TableBody, TableCaption, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { dimensionLabel, formatCi, formatP, formatScore, pairedReading, type DimensionComparison } from "@/lib/compare";

const READING_TONE = { better: "success", worse: "danger", unclear: "neutral", "no evidence": "neutral" } as const;

/**
 * Overall, pass rate and every dimension in both lanes: the lane means and
 * their delta, then the paired statistics over the cases both lanes scored.
 */
export function DimensionsTable({ dimensions }: { dimensions: DimensionComparison[] }) {
  return (
    <Table aria-label="Per-dimension deltas" data-testid="dimensions-table">
      <TableCaption>
        Delta is candidate − baseline in percentage points (pp). Paired statistics use the cases scored in both lanes: the mean
        per-case delta with its bootstrap 95% interval, how many cases went up, down or stayed, and the two-sided sign-test p-value.
        A change is called only when the interval leaves out zero.
      </TableCaption>
      <TableHeader>
        <TableRow>
          <TableHead>Dimension</TableHead>
          <TableHead>Baseline</TableHead>
          <TableHead>Candidate</TableHead>
          <TableHead>Delta</TableHead>
          <TableHead>Paired cases</TableHead>
          <TableHead>Mean paired delta</TableHead>
          <TableHead>95% CI</TableHead>
          <TableHead>Up / down / same</TableHead>
          <TableHead>Sign test p</TableHead>
          <TableHead>Reading</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {dimensions.map((d) => {
          const reading = pairedReading(d.paired);
          return (
            <TableRow key={d.key} data-testid="dimension-row" data-dimension={d.key}>
              <TableCell className="font-medium">{dimensionLabel(d.key)}</TableCell>
              <TableCell className="tabular-nums">{formatScore(d.baseline)}</TableCell>
              <TableCell className="tabular-nums">{formatScore(d.candidate)}</TableCell>
              <TableCell data-testid="dimension-delta">
                <Delta value={d.delta} />
              </TableCell>
              <TableCell className="tabular-nums">{d.paired.n}</TableCell>
              <TableCell>
                <Delta value={d.paired.mean_delta} />
              </TableCell>
              <TableCell className="tabular-nums whitespace-nowrap" data-testid="dimension-ci">
                {formatCi(d.paired.ci95)}
              </TableCell>
              <TableCell className="tabular-nums whitespace-nowrap">
                {d.paired.improved} / {d.paired.regressed} / {d.paired.ties}
              </TableCell>
              <TableCell className="tabular-nums" data-testid="dimension-p">
                {d.paired.n === 0 ? "—" : formatP(d.paired.sign_test_p)}
              </TableCell>
              <TableCell>
                <Badge tone={READING_TONE[reading]}>{reading}</Badge>
              </TableCell>
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
}
