"use client";
import { useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import type { Schema } from "@/api/client";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { Select } from "@/components/ui/input";
import { EmptyState, ErrorState, Loading } from "@/components/ui/states";
import { compareKeys } from "@/components/compare/compare-queries";
import { compareHref } from "@/lib/compare";
import { formatDateTime } from "@/lib/format";
import { fetchRun, fetchRuns, keys } from "@/lib/queries";

/** How many recent runs the picker offers. */
const RUN_CHOICES = 100;

/** Runs and lanes the picker starts with (from the address). */
export interface PickerStart {
  baselineRun: string | null;
  candidateRun: string | null;
}

/** A side's lane: the one chosen if it is in the run, else the `preferred`-th lane (or the first). */
function laneOf(agents: readonly Schema<"RunAgent">[], chosen: string, preferred: number): string {
  if (agents.some((a) => a.id === chosen)) return chosen;
  const sorted = [...agents].sort((a, b) => a.lane_index - b.lane_index);
  return (sorted[preferred] ?? sorted[0])?.id ?? "";
}

/** One side of the comparison: a run, then one of its lanes. */
function SidePicker({
  ws,
  side,
  runs,
  run,
  lane,
  onRun,
  onLane,
}: {
  ws: string;
  side: "Baseline" | "Candidate";
  runs: Schema<"Run">[];
  run: string;
  /** The lane shown: the one chosen, or the side's default once the run's lanes are known. */
  lane: string;
  onRun: (run: string) => void;
  onLane: (lane: string) => void;
}) {
  const id = useId();
  const detail = useQuery({ queryKey: keys.run(ws, run), queryFn: () => fetchRun(ws, run), enabled: run !== "" });
  const agents = detail.data?.agents ?? [];
  const known = run === "" || runs.some((r) => r.id === run);
  return (
    <Card>
      <CardHeader>
        <CardTitle as="h2">{side}</CardTitle>
      </CardHeader>
      <CardContent className="flex flex-col gap-3">
        <Field id={`${id}-run`} label={`${side} run`}>
          <Select id={`${id}-run`} value={run} onChange={(e) => onRun(e.target.value)}>
            <option value="">Choose a run…</option>
            {!known && <option value={run}>{detail.data?.name ?? run}</option>}
            {runs.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name} · {r.status} · {formatDateTime(r.created_at)}
              </option>
            ))}
          </Select>
        </Field>
        <Field id={`${id}-lane`} label={`${side} lane`}>
          <Select
            id={`${id}-lane`}
            value={lane}
            disabled={agents.length === 0}
            onChange={(e) => onLane(e.target.value)}
            aria-describedby={detail.isError ? `${id}-error` : undefined}
          >
            {agents.length === 0 && <option value="">{run === "" ? "Choose a run first" : detail.isPending ? "Loading lanes…" : "No lanes"}</option>}
            {[...agents]
              .sort((a, b) => a.lane_index - b.lane_index)
              .map((a) => (
                <option key={a.id} value={a.id}>
                  {a.label} ({a.status})
                </option>
              ))}
          </Select>
        </Field>
        {detail.isError && (
          <p id={`${id}-error`} role="alert" className="text-sm text-red-800">
            Could not load the run&apos;s lanes: {detail.error.message}
          </p>
        )}
      </CardContent>
    </Card>
  );
}

/**
 * Chooses the two lanes to compare: a run and one of its lanes for the
 * baseline and for the candidate (the same run or two runs). Both sides of
 * one run start on its first and second lane.
 */
export function LanePicker({ ws, start, problem }: { ws: string; start: PickerStart; problem?: string }) {
  const router = useRouter();
  const runs = useQuery({ queryKey: compareKeys.runChoices(ws), queryFn: () => fetchRuns(ws, null, RUN_CHOICES) });
  const [baseline, setBaseline] = useState({ run: start.baselineRun ?? "", lane: "" });
  const [candidate, setCandidate] = useState({ run: start.candidateRun ?? start.baselineRun ?? "", lane: "" });
  const baselineRun = useQuery({ queryKey: keys.run(ws, baseline.run), queryFn: () => fetchRun(ws, baseline.run), enabled: baseline.run !== "" });
  const candidateRun = useQuery({
    queryKey: keys.run(ws, candidate.run),
    queryFn: () => fetchRun(ws, candidate.run),
    enabled: candidate.run !== "",
  });
  const sameRun = baseline.run !== "" && baseline.run === candidate.run;
  const baselineLane = laneOf(baselineRun.data?.agents ?? [], baseline.lane, 0);
  const candidateLane = laneOf(candidateRun.data?.agents ?? [], candidate.lane, sameRun ? 1 : 0);
  const sameLane = baselineLane !== "" && baselineLane === candidateLane;
  const ready = baselineLane !== "" && candidateLane !== "" && !sameLane;

  if (runs.isPending) return <Loading label="Loading runs…" />;
  if (runs.isError) return <ErrorState title="Could not load runs" error={runs.error} retry={() => void runs.refetch()} />;
  if (runs.data.items.length === 0 && !start.baselineRun) {
    return <EmptyState title="No runs to compare yet">Start a run with two deployments, then compare its lanes here.</EmptyState>;
  }
  return (
    <form
      className="flex flex-col gap-4"
      aria-label="Choose the lanes to compare"
      onSubmit={(e) => {
        e.preventDefault();
        if (ready) router.push(compareHref(ws, baselineLane, candidateLane));
      }}
    >
      {problem && (
        <p role="alert" className="rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900">
          {problem}
        </p>
      )}
      <p className="text-sm text-muted-foreground">
        The candidate is measured against the baseline: deltas are candidate − baseline, so a negative delta is a regression.
      </p>
      <div className="grid gap-4 md:grid-cols-2">
        <SidePicker
          ws={ws}
          side="Baseline"
          runs={runs.data.items}
          run={baseline.run}
          lane={baselineLane}
          onRun={(run) => setBaseline({ run, lane: "" })}
          onLane={(lane) => setBaseline((s) => ({ ...s, lane }))}
        />
        <SidePicker
          ws={ws}
          side="Candidate"
          runs={runs.data.items}
          run={candidate.run}
          lane={candidateLane}
          onRun={(run) => setCandidate({ run, lane: "" })}
          onLane={(lane) => setCandidate((s) => ({ ...s, lane }))}
        />
      </div>
      {sameLane && (
        <p role="alert" className="text-sm text-red-800">
          Choose two different lanes.
        </p>
      )}
      <div>
        <Button type="submit" disabled={!ready}>
          Compare
        </Button>
      </div>
    </form>
  );
}
