"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import type { Schema } from "@/api/client";
import { compareKeys, fetchLaneSteps, MAX_LANE_STEPS } from "@/components/compare/compare-queries";
import { CaseResult } from "@/components/compare/delta";
import { Badge } from "@/components/ui/badge";
import { ErrorState, Loading } from "@/components/ui/states";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { alignByCase, NO_CASE, replayStepHref, type AlignedCase, type CaseComparison, type CompareLane } from "@/lib/compare";
import { statusTone } from "@/lib/format";

type Step = Schema<"ReplayStep">;

/** How often a running lane's steps are re-read. */
const LIVE_POLL_MS = 3_000;

/** Rows of one case shown before "more in the replay". */
const ROWS_PER_CASE = 200;

const KIND_LABEL: Record<string, string> = {
  model_call: "model",
  tool_call: "tool",
  sandbox_command: "command",
  file: "file",
  sandbox: "sandbox",
  other: "event",
};

/** One step as a link into the lane's replay. */
function StepCell({ ws, lane, step }: { ws: string; lane: CompareLane; step: Step | null }) {
  if (!step) return <span className="text-muted-foreground">—</span>;
  return (
    <span className="flex min-w-0 items-center gap-2">
      <Badge tone="neutral" className="shrink-0">
        {KIND_LABEL[step.kind] ?? step.kind}
      </Badge>
      <Link
        href={replayStepHref(ws, lane, step.index)}
        className="min-w-0 truncate text-primary underline-offset-2 hover:underline"
        title={step.summary ?? step.event_type}
        aria-label={`Step ${step.index} of ${lane.label}: ${step.summary ?? step.event_type}`}
        data-testid="trajectory-step"
      >
        {step.summary ?? step.event_type}
      </Link>
      {step.status !== "ok" && (
        <Badge tone={statusTone(step.status)} className="shrink-0">
          {step.status}
        </Badge>
      )}
    </span>
  );
}

/** One case, collapsible: both lanes' steps side by side, the i-th step of each on row i. */
function CaseTrajectory({
  ws,
  aligned,
  kase,
  baseline,
  candidate,
  initiallyOpen,
}: {
  ws: string;
  aligned: AlignedCase<Step>;
  kase: CaseComparison | undefined;
  baseline: CompareLane;
  candidate: CompareLane;
  initiallyOpen: boolean;
}) {
  const [open, setOpen] = useState(initiallyOpen);
  const title = aligned.caseKey === NO_CASE ? "Outside any case" : aligned.caseKey;
  return (
    <details
      open={open}
      onToggle={(e) => setOpen(e.currentTarget.open)}
      className="rounded-lg border border-border"
      data-testid="trajectory-case"
      data-case={aligned.caseKey}
    >
      <summary className="flex cursor-pointer flex-wrap items-center gap-2 px-3 py-2 text-sm focus-visible:outline-2 focus-visible:outline-ring">
        <span className="font-medium">{title}</span>
        {kase?.flip && <Badge tone={kase.flip === "regression" ? "danger" : "success"}>{kase.flip}</Badge>}
        {kase && (
          <span className="flex items-center gap-1 text-muted-foreground">
            <CaseResult passed={kase.baseline_passed} /> vs <CaseResult passed={kase.candidate_passed} />
          </span>
        )}
        <span className="text-muted-foreground">
          {aligned.baseline.length} vs {aligned.candidate.length} steps
        </span>
      </summary>
      {open && (
        <div className="px-3 pb-3">
          {aligned.rows.length === 0 ? (
            <p className="text-sm text-muted-foreground">Neither lane recorded a step for this case.</p>
          ) : (
            <Table aria-label={`Steps of ${title} in both lanes`} className="table-fixed">
              <TableHeader>
                <TableRow>
                  <TableHead className="w-12">#</TableHead>
                  <TableHead>Baseline: {baseline.label}</TableHead>
                  <TableHead>Candidate: {candidate.label}</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {aligned.rows.slice(0, ROWS_PER_CASE).map((row, i) => (
                  <TableRow key={i}>
                    <TableCell className="tabular-nums text-muted-foreground">{i + 1}</TableCell>
                    <TableCell>
                      <StepCell ws={ws} lane={baseline} step={row.baseline} />
                    </TableCell>
                    <TableCell>
                      <StepCell ws={ws} lane={candidate} step={row.candidate} />
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
          {aligned.rows.length > ROWS_PER_CASE && (
            <p className="mt-2 text-sm text-muted-foreground">
              {aligned.rows.length - ROWS_PER_CASE} more rows: open a lane&apos;s replay for every step.
            </p>
          )}
        </div>
      )}
    </details>
  );
}

/**
 * Both lanes' trajectories aligned by case: per case, each lane's steps
 * (model calls, tool calls, commands) side by side, each a link to the step
 * in its lane's replay. Flipped cases start open.
 */
export function Trajectories({
  ws,
  baseline,
  candidate,
  cases,
  live,
}: {
  ws: string;
  baseline: CompareLane;
  candidate: CompareLane;
  cases: CaseComparison[];
  /** A lane is still running: its steps are re-read every few seconds. */
  live: boolean;
}) {
  const lane = (id: string) => ({
    queryKey: compareKeys.laneSteps(ws, id),
    queryFn: () => fetchLaneSteps(ws, id),
    refetchInterval: live ? LIVE_POLL_MS : (false as const),
  });
  const b = useQuery(lane(baseline.run_agent_id));
  const c = useQuery(lane(candidate.run_agent_id));
  if (b.isPending || c.isPending) return <Loading label="Loading both lanes' steps…" />;
  if (b.isError || c.isError) {
    return (
      <ErrorState
        title="Could not load the lanes' steps"
        error={b.error ?? c.error}
        retry={() => {
          void b.refetch();
          void c.refetch();
        }}
      />
    );
  }
  const byKey = new Map(cases.map((k) => [k.case_key, k]));
  const aligned = alignByCase(b.data.steps, c.data.steps, cases.map((k) => k.case_key));
  const firstFlip = cases.find((k) => k.flip)?.case_key ?? aligned[0]?.caseKey;
  return (
    <div className="flex flex-col gap-2">
      {(b.data.truncated || c.data.truncated) && (
        <p className="text-sm text-muted-foreground">
          A lane has more than {MAX_LANE_STEPS.toLocaleString("en-US")} steps: only its first ones are aligned here.
        </p>
      )}
      {aligned.length === 0 ? (
        <p className="text-sm text-muted-foreground">Neither lane recorded a step yet.</p>
      ) : (
        aligned.map((a) => (
          <CaseTrajectory
            key={a.caseKey}
            ws={ws}
            aligned={a}
            kase={byKey.get(a.caseKey)}
            baseline={baseline}
            candidate={candidate}
            initiallyOpen={a.caseKey === firstFlip || byKey.get(a.caseKey)?.flip != null}
          />
        ))
      )}
    </div>
  );
}
