"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useCallback, useEffect } from "react";
import { api, unwrap, type Schema } from "@/api/client";
import { CasesTable } from "@/components/run/cases-table";
import { LaneCard } from "@/components/run/lane-card";
import { ResultsSection } from "@/components/run/results-section";
import { StatusBadge } from "@/components/status-badge";
import { Button } from "@/components/ui/button";
import { ErrorState, Loading } from "@/components/ui/states";
import { formatDateTime, isRunTerminal } from "@/lib/format";
import { fetchCases, fetchRun, keys } from "@/lib/queries";
import { useRunStream, type StreamStatus } from "@/lib/use-run-stream";

/** Lane statuses are not events, so the run is re-read this often while active. */
const ACTIVE_POLL_MS = 2_000;

const STREAM_LABEL: Record<StreamStatus, string> = {
  connecting: "connecting to the live stream…",
  live: "live",
  reconnecting: "reconnecting…",
  ended: "complete",
  unavailable: "live stream unavailable; retrying",
};

function CancelButton({ ws, run }: { ws: string; run: Schema<"Run"> }) {
  const client = useQueryClient();
  const cancel = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/v1/workspaces/{workspace_id}/runs/{run_id}/cancel", {
          params: { path: { workspace_id: ws, run_id: run.id } },
        }),
      ),
    onSuccess: () => void client.invalidateQueries({ queryKey: keys.run(ws, run.id) }),
  });
  if (isRunTerminal(run.status)) return null;
  return (
    <div className="flex flex-col items-end gap-1">
      <Button variant="destructive" disabled={cancel.isPending || cancel.isSuccess} onClick={() => cancel.mutate()}>
        {cancel.isSuccess ? "Cancelling…" : "Cancel run"}
      </Button>
      {cancel.isError && (
        <p role="alert" className="text-sm text-red-700">
          Could not cancel: {cancel.error.message}
        </p>
      )}
    </div>
  );
}

function RunHeader({ ws, run, stream }: { ws: string; run: Schema<"RunDetail">; stream: StreamStatus }) {
  return (
    <div className="flex flex-wrap items-start justify-between gap-4">
      <div className="flex flex-col gap-1">
        <Link href={`/w/${ws}/runs`} className="text-sm text-muted-foreground hover:underline">
          ← Runs
        </Link>
        <h1 className="text-2xl font-semibold">{run.name}</h1>
        <p className="flex flex-wrap items-center gap-2 text-sm text-muted-foreground">
          <StatusBadge status={run.status} label="run status" data-testid="run-status" />
          <span>
            created <time dateTime={run.created_at}>{formatDateTime(run.created_at)}</time>
          </span>
          {run.finished_at && (
            <span>
              · finished <time dateTime={run.finished_at}>{formatDateTime(run.finished_at)}</time>
            </span>
          )}
          <span>· {run.case_keys.length} cases</span>
          <span aria-live="polite" data-testid="stream-status" data-stream={stream}>
            · updates: {STREAM_LABEL[stream]}
          </span>
        </p>
        {run.failure_reason && <p className="text-sm text-red-800">Failed: {run.failure_reason}</p>}
      </div>
      <div className="flex flex-wrap items-start gap-2">
        {run.agents.length >= 2 && (
          <Button asChild variant="outline">
            <Link href={`/w/${ws}/compare?run=${run.id}`}>Compare lanes</Link>
          </Button>
        )}
        <CancelButton ws={ws} run={run} />
      </div>
    </div>
  );
}

/**
 * The run page: header, one live card per lane, the results (ranking,
 * "why the winner won", charts, failures by class), then the cases.
 */
export function RunView({ ws, runId }: { ws: string; runId: string }) {
  const client = useQueryClient();
  const run = useQuery({
    queryKey: keys.run(ws, runId),
    queryFn: () => fetchRun(ws, runId),
    refetchInterval: (query) => (query.state.data && isRunTerminal(query.state.data.status) ? false : ACTIVE_POLL_MS),
  });
  const terminal = run.data ? isRunTerminal(run.data.status) : false;
  const cases = useQuery({
    queryKey: keys.cases(ws, runId),
    queryFn: () => fetchCases(ws, runId),
    enabled: run.isSuccess,
    refetchInterval: terminal ? false : ACTIVE_POLL_MS,
  });
  // The last poll before the run ended may predate the last cases' outcomes.
  useEffect(() => {
    if (terminal) void client.invalidateQueries({ queryKey: keys.cases(ws, runId) });
  }, [terminal, client, ws, runId]);
  const onEnd = useCallback(() => {
    void client.invalidateQueries({ queryKey: keys.run(ws, runId) });
  }, [client, ws, runId]);
  const { activity, status } = useRunStream(ws, runId, onEnd);
  // Lane and case statuses are not events: re-read them as soon as the stream
  // shows a lane starting or a case finishing, not only at the next poll.
  const progress = Object.entries(activity)
    .map(([lane, a]) => `${lane}:${a.casesStarted}:${a.casesFinished}`)
    .sort()
    .join(",");
  useEffect(() => {
    if (progress) void client.invalidateQueries({ queryKey: keys.run(ws, runId) });
  }, [progress, client, ws, runId]);

  if (run.isPending) return <Loading label="Loading the run…" />;
  if (run.isError) return <ErrorState title="Could not load the run" error={run.error} retry={() => void run.refetch()} />;
  const detail = run.data;
  const lanes = [...detail.agents].sort((a, b) => a.lane_index - b.lane_index);

  return (
    <div className="flex flex-col gap-8">
      <RunHeader ws={ws} run={detail} stream={status} />
      <section aria-labelledby="lanes-heading" className="flex flex-col gap-3">
        <h2 id="lanes-heading" className="text-lg font-semibold">
          Lanes
        </h2>
        <div className="grid gap-4 sm:grid-cols-2 xl:grid-cols-3">
          {lanes.map((lane) => (
            <LaneCard
              key={lane.id}
              ws={ws}
              runId={runId}
              lane={lane}
              caseCount={detail.case_keys.length}
              activity={activity[lane.id]}
            />
          ))}
        </div>
      </section>
      <section aria-labelledby="results-heading" className="flex flex-col gap-3">
        <h2 id="results-heading" className="text-lg font-semibold">
          Ranking
        </h2>
        <ResultsSection ws={ws} runId={runId} lanes={lanes} cases={cases.data} terminal={terminal} />
      </section>
      <section aria-labelledby="cases-heading" className="flex flex-col gap-3">
        <h2 id="cases-heading" className="text-lg font-semibold">
          Cases
        </h2>
        <CasesTable cases={cases.data} lanes={lanes} error={cases.error} retry={() => void cases.refetch()} />
      </section>
    </div>
  );
}
