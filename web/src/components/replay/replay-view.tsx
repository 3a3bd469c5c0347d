"use client";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useVirtualizer } from "@tanstack/react-virtual";
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { Schema } from "@/api/client";
import { StepDetail } from "@/components/replay/step-detail";
import { LaneTitle, RunBackLink } from "@/components/run/lane-title";
import { StatusBadge } from "@/components/status-badge";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Label, Select } from "@/components/ui/input";
import { PageHeader } from "@/components/ui/page-header";
import { EmptyState, ErrorState, Loading } from "@/components/ui/states";
import { formatCount, formatDuration, isLaneTerminal } from "@/lib/format";
import { elapsedMs } from "@/lib/lane-activity";
import { fetchEventStep, fetchReplayPage, fetchRun, keys } from "@/lib/queries";
import { caseKeys, filterSteps, requestedStep } from "@/lib/replay-steps";

/** Steps per request; the first page is what the first screen needs. */
const PAGE_SIZE = 200;
/** How often a running lane's steps (and status) are re-read. */
const LIVE_POLL_MS = 3_000;
/** Estimated height of a closed row, before it is measured. */
const ROW_ESTIMATE_PX = 44;

const STEP_KINDS: { kind: Schema<"StepKind">; label: string }[] = [
  { kind: "model_call", label: "Model calls" },
  { kind: "tool_call", label: "Tool calls" },
  { kind: "sandbox_command", label: "Sandbox commands" },
  { kind: "file", label: "Files" },
  { kind: "case", label: "Cases" },
  { kind: "sandbox", label: "Sandbox" },
  { kind: "other", label: "Other (scoring, …)" },
];

type Step = Schema<"ReplayStep">;

function StepRow({
  ws,
  step,
  laneDone,
  open,
  onToggle,
}: {
  ws: string;
  step: Step;
  /** The lane has finished: a step still open never will complete. */
  laneDone: boolean;
  open: boolean;
  onToggle: () => void;
}) {
  const panelId = `step-${step.index}-detail`;
  const status = laneDone && step.status === "running" ? "unfinished" : step.status;
  const duration = step.ended_at
    ? formatDuration(elapsedMs(step.started_at, step.ended_at))
    : status === "running"
      ? "running"
      : "—";
  return (
    <div id={`step-${step.index}`} data-testid="replay-step" data-kind={step.kind} data-step={step.index} className="rounded-md border border-border bg-background">
      <button
        type="button"
        aria-expanded={open}
        aria-controls={open ? panelId : undefined}
        onClick={onToggle}
        className="flex w-full flex-wrap items-center gap-2 px-3 py-2 text-left text-sm hover:bg-muted focus-visible:outline-2 focus-visible:outline-ring"
      >
        <span className="w-12 text-right font-mono text-xs text-muted-foreground">#{step.index}</span>
        <Badge>{step.kind.replace("_", " ")}</Badge>
        {step.case_key && <span className="text-muted-foreground">{step.case_key}</span>}
        {step.agent_step !== null && step.agent_step !== undefined && (
          <span className="text-muted-foreground">step {step.agent_step}</span>
        )}
        <span className="min-w-0 flex-1 truncate">{step.summary ?? step.event_type}</span>
        <StatusBadge status={status} />
        <span className="text-xs text-muted-foreground">{duration}</span>
      </button>
      {open && <StepDetail id={panelId} ws={ws} step={step} />}
    </div>
  );
}

/** The step the URL asks for (`?step=N`, or `#step-N` on a first load) and `?event=`. */
function useRequested(): { step: number | null; event: string | null } {
  const search = useSearchParams();
  const [hash] = useState(() => (typeof window === "undefined" ? "" : window.location.hash));
  return useMemo(
    () => ({ step: requestedStep(`?${search.toString()}`, hash), event: search.get("event") }),
    [search, hash],
  );
}

/** Puts `?step=N` in the address bar without a navigation (shareable deep link). */
function showStepInUrl(index: number | null): void {
  const url = new URL(window.location.href);
  url.hash = "";
  url.searchParams.delete("event");
  if (index === null) url.searchParams.delete("step");
  else url.searchParams.set("step", String(index));
  window.history.replaceState(window.history.state, "", url.toString());
}

/**
 * A lane's replay: a virtualised timeline of its steps (only the rows in
 * view are in the page, so a lane of any length scrolls smoothly), filters
 * by step kind and case, each step expandable, deep-linkable by `?step=N`
 * (or `?event=<event id>`, which opens the step holding that event).
 */
export function ReplayView({ ws, runId, laneId }: { ws: string; runId: string; laneId: string }) {
  const run = useQuery({
    queryKey: keys.run(ws, runId),
    queryFn: () => fetchRun(ws, runId),
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
  const requested = useRequested();
  const eventStep = useQuery({
    queryKey: keys.eventStep(ws, laneId, requested.event),
    queryFn: () => fetchEventStep(ws, laneId, requested.event ?? ""),
    enabled: requested.event !== null,
    staleTime: Infinity,
  });

  // The rest of the lane loads behind the first screen, page after page.
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = steps;
  useEffect(() => {
    if (hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);

  const all = useMemo(() => steps.data?.pages.flatMap((p) => p.steps) ?? [], [steps.data]);
  const [kinds, setKinds] = useState<ReadonlySet<string>>(new Set());
  const [caseKey, setCaseKey] = useState<string | null>(null);
  const visible = useMemo(() => filterSteps(all, { kinds, caseKey }), [all, kinds, caseKey]);
  const cases = useMemo(() => caseKeys(all), [all]);
  const [open, setOpen] = useState<ReadonlySet<number>>(() => new Set(requested.step === null ? [] : [requested.step]));

  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: visible.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_ESTIMATE_PX,
    overscan: 8,
    getItemKey: (i) => visible[i]?.index ?? i,
  });

  // Performance marks the browser tests read: first screen, whole lane loaded.
  const firstScreen = all.length > 0;
  useEffect(() => {
    if (firstScreen && performance.getEntriesByName("replay:first-screen").length === 0) {
      performance.mark("replay:first-screen", { detail: { steps: all.length } });
    }
  }, [firstScreen, all.length]);
  useEffect(() => {
    if (steps.isSuccess && !hasNextPage && performance.getEntriesByName("replay:all-loaded").length === 0) {
      performance.mark("replay:all-loaded", { detail: { steps: all.length } });
    }
  }, [steps.isSuccess, hasNextPage, all.length]);

  // The step the URL asked for: scroll to it once it is loaded.
  const target = useMemo(() => {
    if (requested.step !== null) return requested.step;
    return eventStep.data ?? null;
  }, [requested.step, eventStep.data]);
  const scrolledTo = useRef<number | null>(null);
  useEffect(() => {
    if (target === null || scrolledTo.current === target) return;
    const position = visible.findIndex((s) => s.index === target);
    if (position < 0) return;
    scrolledTo.current = target;
    setOpen((s) => new Set(s).add(target));
    if (requested.event !== null) showStepInUrl(target);
    virtualizer.scrollToIndex(position, { align: "start" });
    // Bring the page itself to the timeline too.
    scrollRef.current?.scrollIntoView({ block: "nearest" });
  }, [target, visible, virtualizer, requested.event]);

  const toggle = useCallback(
    (index: number) => {
      const opening = !open.has(index);
      // The user is looking at it already: the URL change must not scroll.
      if (opening) scrolledTo.current = index;
      setOpen((s) => {
        const next = new Set(s);
        if (!next.delete(index)) next.add(index);
        return next;
      });
      showStepInUrl(opening ? index : null);
    },
    [open],
  );

  const toggleKind = (kind: string) =>
    setKinds((s) => {
      const next = new Set(s);
      if (!next.delete(kind)) next.add(kind);
      return next;
    });

  const base = `/w/${ws}/runs/${runId}/lanes/${laneId}`;
  const missingTarget =
    (requested.step !== null && steps.isSuccess && !hasNextPage && !all.some((s) => s.index === requested.step)) ||
    (requested.event !== null && eventStep.data === null);

  return (
    <div className="flex flex-col gap-4">
      <PageHeader
        back={<RunBackLink ws={ws} runId={runId} name={run.data?.name} />}
        title={<LaneTitle what="Replay" lane={lane} />}
      >
        <Button asChild variant="outline" size="sm">
          <Link href={`${base}/scorecard`}>Scorecard</Link>
        </Button>
        <Button asChild variant="outline" size="sm">
          <a href={`/v1/workspaces/${ws}/run-agents/${laneId}/replay/export`} download={`replay-${laneId}.ndjson`}>
            Export NDJSON
          </a>
        </Button>
      </PageHeader>
      {run.isError && <ErrorState title="Could not load the run" error={run.error} retry={() => void run.refetch()} />}
      {missingTarget && (
        <p role="alert" className="text-sm text-red-800">
          {requested.event !== null ? "The linked event is not in this lane." : `This lane has no step ${requested.step}.`}
        </p>
      )}
      <fieldset className="flex flex-wrap items-center gap-x-4 gap-y-2 rounded-md border border-border p-3">
        <legend className="px-1 text-sm font-medium">Filter steps</legend>
        {STEP_KINDS.map(({ kind, label }) => (
          <label key={kind} className="flex items-center gap-1.5 text-sm">
            <input type="checkbox" checked={kinds.has(kind)} onChange={() => toggleKind(kind)} className="size-4" />
            {label}
          </label>
        ))}
        <div className="flex items-center gap-2">
          <Label htmlFor="replay-case">Case</Label>
          <Select id="replay-case" value={caseKey ?? ""} onChange={(e) => setCaseKey(e.target.value || null)}>
            <option value="">All cases</option>
            {cases.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </Select>
        </div>
      </fieldset>
      {steps.isPending ? (
        <Loading label="Loading steps…" />
      ) : steps.isError ? (
        <ErrorState title="Could not load the replay" error={steps.error} retry={() => void steps.refetch()} />
      ) : all.length === 0 ? (
        <EmptyState title="No steps yet">{live ? "The lane has not started; this page refreshes." : "This lane recorded nothing."}</EmptyState>
      ) : (
        <>
          <p className="text-sm text-muted-foreground" aria-live="polite" data-testid="replay-count">
            {formatCount(visible.length)} of {formatCount(all.length)} steps
            {hasNextPage ? " (loading the rest…)" : ""}
          </p>
          {visible.length === 0 ? (
            <EmptyState title="No step matches the filters" />
          ) : (
            <div
              ref={scrollRef}
              role="region"
              aria-label="Timeline"
              tabIndex={0}
              data-testid="replay-timeline"
              className="h-[70vh] overflow-auto rounded-md border border-border p-1 focus-visible:outline-2 focus-visible:outline-ring"
            >
              <ol aria-label="Steps" className="relative w-full" style={{ height: virtualizer.getTotalSize() }}>
                {virtualizer.getVirtualItems().map((item) => {
                  const step = visible[item.index];
                  if (!step) return null;
                  return (
                    <li
                      key={item.key}
                      data-index={item.index}
                      ref={virtualizer.measureElement}
                      aria-setsize={visible.length}
                      aria-posinset={item.index + 1}
                      className="absolute left-0 top-0 w-full pb-1"
                      style={{ transform: `translateY(${item.start}px)` }}
                    >
                      <StepRow
                        ws={ws}
                        step={step}
                        laneDone={lane !== undefined && !live}
                        open={open.has(step.index)}
                        onToggle={() => toggle(step.index)}
                      />
                    </li>
                  );
                })}
              </ol>
            </div>
          )}
        </>
      )}
    </div>
  );
}
