"use client";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useEffect, useState } from "react";
import type { Schema } from "@/api/client";
import { StatusBadge } from "@/components/status-badge";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { EmptyState, ErrorState, Loading } from "@/components/ui/states";
import { formatDuration, isLaneTerminal } from "@/lib/format";
import { elapsedMs } from "@/lib/lane-activity";
import { fetchReplayPage, fetchRun, keys } from "@/lib/queries";

const PAGE_SIZE = 50;
/** How often a running lane's steps (and status) are re-read. */
const LIVE_POLL_MS = 3_000;

/** `#step-12` → 12. */
function stepFromHash(hash: string): number | null {
  const match = /^#step-(\d+)$/.exec(hash);
  return match?.[1] ? Number(match[1]) : null;
}

function Json({ label, value }: { label: string; value: unknown }) {
  const empty = value === null || value === undefined || (typeof value === "object" && Object.keys(value).length === 0);
  if (empty) return null;
  return (
    <div className="flex flex-col gap-1">
      <h4 className="text-xs font-semibold uppercase text-muted-foreground">{label}</h4>
      <pre className="max-h-80 overflow-auto rounded bg-muted p-2 text-xs whitespace-pre-wrap break-words">
        {JSON.stringify(value, null, 2)}
      </pre>
    </div>
  );
}

function StepItem({ step, open, onToggle }: { step: Schema<"ReplayStep">; open: boolean; onToggle: () => void }) {
  const panelId = `step-${step.index}-detail`;
  const duration = step.ended_at ? formatDuration(elapsedMs(step.started_at, step.ended_at)) : "running";
  return (
    <li id={`step-${step.index}`} data-testid="replay-step" data-kind={step.kind} className="rounded-md border border-border">
      <button
        type="button"
        aria-expanded={open}
        aria-controls={panelId}
        onClick={onToggle}
        className="flex w-full flex-wrap items-center gap-2 px-3 py-2 text-left text-sm hover:bg-muted focus-visible:outline-2 focus-visible:outline-ring"
      >
        <span className="w-10 text-right font-mono text-xs text-muted-foreground">#{step.index}</span>
        <Badge>{step.kind.replace("_", " ")}</Badge>
        {step.case_key && <span className="text-muted-foreground">{step.case_key}</span>}
        {step.agent_step !== null && step.agent_step !== undefined && (
          <span className="text-muted-foreground">step {step.agent_step}</span>
        )}
        <span className="min-w-0 flex-1 truncate">{step.summary ?? step.event_type}</span>
        <StatusBadge status={step.status} />
        <span className="text-xs text-muted-foreground">{duration}</span>
      </button>
      {open && (
        <div id={panelId} className="flex flex-col gap-3 border-t border-border p-3">
          <p className="text-xs text-muted-foreground">
            {step.event_type} · sequence {step.first_sequence}–{step.last_sequence}
            {step.attempt ? ` · attempt ${step.attempt}` : ""} ·{" "}
            <a className="underline" href={`#step-${step.index}`}>
              link to this step
            </a>
          </p>
          {step.streamed_text && (
            <div className="flex flex-col gap-1">
              <h4 className="text-xs font-semibold uppercase text-muted-foreground">Streamed text</h4>
              <p className="whitespace-pre-wrap text-sm">{step.streamed_text}</p>
            </div>
          )}
          <Json label="Input" value={step.input} />
          <Json label="Output" value={step.output} />
        </div>
      )}
    </li>
  );
}

/** A lane's replay: its steps in order, paged, each expandable, deep-linkable by `#step-N`. */
export function ReplayView({ ws, runId, laneId }: { ws: string; runId: string; laneId: string }) {
  const run = useQuery({
    queryKey: keys.run(ws, runId),
    queryFn: () => fetchRun(ws, runId),
    // Re-read while the lane runs, so the page notices when it ends.
    refetchInterval: (query) => {
      const status = query.state.data?.agents.find((a) => a.id === laneId)?.status;
      return status && !isLaneTerminal(status) ? LIVE_POLL_MS : false;
    },
  });
  const lane = run.data?.agents.find((a) => a.id === laneId);
  const live = lane ? !isLaneTerminal(lane.status) : false;
  const steps = useInfiniteQuery({
    queryKey: keys.replay(ws, laneId),
    queryFn: ({ pageParam }) => fetchReplayPage(ws, laneId, pageParam, PAGE_SIZE),
    initialPageParam: 0,
    getNextPageParam: (page) => page.next_cursor ?? undefined,
    refetchInterval: live ? LIVE_POLL_MS : false,
  });
  const [open, setOpen] = useState<ReadonlySet<number>>(new Set());

  useEffect(() => {
    const fromHash = () => {
      const index = stepFromHash(window.location.hash);
      if (index !== null) setOpen((s) => new Set(s).add(index));
    };
    fromHash();
    window.addEventListener("hashchange", fromHash);
    return () => window.removeEventListener("hashchange", fromHash);
  }, []);

  const all = steps.data?.pages.flatMap((p) => p.steps) ?? [];
  const toggle = (index: number) =>
    setOpen((s) => {
      const next = new Set(s);
      if (!next.delete(index)) next.add(index);
      return next;
    });

  return (
    <div className="flex flex-col gap-4">
      <div className="flex flex-col gap-1">
        <Link href={`/w/${ws}/runs/${runId}`} className="text-sm text-muted-foreground hover:underline">
          ← {run.data?.name ?? "Run"}
        </Link>
        <h1 className="flex flex-wrap items-center gap-2 text-2xl font-semibold">
          Replay: {lane?.label ?? "lane"}
          {lane && <StatusBadge status={lane.status} label="lane status" />}
        </h1>
      </div>
      {run.isError && <ErrorState title="Could not load the run" error={run.error} retry={() => void run.refetch()} />}
      {steps.isPending ? (
        <Loading label="Loading steps…" />
      ) : steps.isError ? (
        <ErrorState title="Could not load the replay" error={steps.error} retry={() => void steps.refetch()} />
      ) : all.length === 0 ? (
        <EmptyState title="No steps yet">{live ? "The lane has not started; this page refreshes." : "This lane recorded nothing."}</EmptyState>
      ) : (
        <>
          <ol aria-label="Steps" className="flex flex-col gap-1">
            {all.map((step) => (
              <StepItem key={step.index} step={step} open={open.has(step.index)} onToggle={() => toggle(step.index)} />
            ))}
          </ol>
          <div className="flex items-center gap-3 text-sm text-muted-foreground">
            <span>{all.length} steps shown</span>
            {steps.hasNextPage && (
              <Button variant="outline" size="sm" disabled={steps.isFetchingNextPage} onClick={() => void steps.fetchNextPage()}>
                {steps.isFetchingNextPage ? "Loading…" : "Load more steps"}
              </Button>
            )}
          </div>
        </>
      )}
    </div>
  );
}
