"use client";
import type { Schema } from "@/api/client";
import { StatusBadge } from "@/components/status-badge";
import { EmptyState, ErrorState, Loading } from "@/components/ui/states";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { formatCount, formatDuration } from "@/lib/format";

/** Every lane × case outcome, grouped by case so lanes compare side by side. */
export function CasesTable({
  cases,
  lanes,
  error,
  retry,
}: {
  cases: Schema<"RunCase">[] | undefined;
  lanes: Schema<"RunAgent">[];
  error: unknown;
  retry: () => void;
}) {
  if (error) return <ErrorState title="Could not load the cases" error={error} retry={retry} />;
  if (!cases) return <Loading label="Loading cases…" />;
  if (cases.length === 0) return <EmptyState title="This run has no cases" />;
  const laneById = new Map(lanes.map((l) => [l.id, l]));
  const rows = [...cases].sort(
    (a, b) =>
      a.position - b.position ||
      (laneById.get(a.run_agent_id)?.lane_index ?? 0) - (laneById.get(b.run_agent_id)?.lane_index ?? 0),
  );
  return (
    <Table aria-label="Cases" data-testid="cases-table">
      <TableHeader>
        <TableRow>
          <TableHead>Case</TableHead>
          <TableHead>Lane</TableHead>
          <TableHead>Status</TableHead>
          <TableHead>Stop reason</TableHead>
          <TableHead>Final output</TableHead>
          <TableHead className="text-right">Steps</TableHead>
          <TableHead className="text-right">Tool calls</TableHead>
          <TableHead className="text-right">Tokens in / out</TableHead>
          <TableHead className="text-right">Duration</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {rows.map((c) => {
          const lane = laneById.get(c.run_agent_id);
          return (
            <TableRow key={`${c.run_agent_id}/${c.case_key}`} data-case={c.case_key} data-lane={lane?.label ?? c.run_agent_id}>
              <TableCell className="font-medium">{c.case_key}</TableCell>
              <TableCell>{lane?.label ?? "—"}</TableCell>
              <TableCell>
                <StatusBadge status={c.status} />
              </TableCell>
              <TableCell>{c.stop_reason ?? "—"}</TableCell>
              <TableCell data-testid="final-output">
                {c.final_output !== null && c.final_output !== undefined ? (
                  <code className="inline-block max-w-md whitespace-pre-wrap break-words rounded bg-muted px-1">{c.final_output}</code>
                ) : c.error ? (
                  <span className="text-red-800">{c.error}</span>
                ) : (
                  "—"
                )}
              </TableCell>
              <TableCell className="text-right">{c.steps}</TableCell>
              <TableCell className="text-right">{c.tool_calls}</TableCell>
              <TableCell className="text-right whitespace-nowrap">
                {formatCount(c.input_tokens)} / {formatCount(c.output_tokens)}
              </TableCell>
              <TableCell className="text-right whitespace-nowrap">{formatDuration(c.duration_ms)}</TableCell>
            </TableRow>
          );
        })}
      </TableBody>
    </Table>
  );
}
