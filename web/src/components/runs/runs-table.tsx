"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useId, useState } from "react";
import type { Schema } from "@/api/client";
import { StatusBadge } from "@/components/status-badge";
import { Button } from "@/components/ui/button";
import { Input, Label, Select } from "@/components/ui/input";
import { EmptyState, ErrorState, Loading } from "@/components/ui/states";
import { Table, TableBody, TableCaption, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { formatDateTime, isRunTerminal } from "@/lib/format";
import { fetchPackVersionIndex, fetchRanking, fetchRun, fetchRuns, keys } from "@/lib/queries";
import { isNotScored } from "@/lib/scores";

const STATUSES = ["queued", "provisioning", "running", "scoring", "completed", "failed", "cancelled"];

/** The winning lane's label (or "tie"), once the run is scored. */
function Winner({ ws, run }: { ws: string; run: Schema<"Run"> }) {
  const done = run.status === "completed";
  const ranking = useQuery({
    queryKey: keys.ranking(ws, run.id),
    queryFn: () => fetchRanking(ws, run.id),
    enabled: done,
    staleTime: Infinity,
  });
  const detail = useQuery({ queryKey: keys.run(ws, run.id), queryFn: () => fetchRun(ws, run.id), enabled: done });
  if (!done) return <span className="text-muted-foreground">—</span>;
  if (ranking.isPending) return <span className="text-muted-foreground">…</span>;
  if (ranking.isError || isNotScored(ranking.data)) return <span className="text-muted-foreground">not scored</span>;
  const outcome = ranking.data.outcome;
  if (outcome.kind === "tie") return <span>tie</span>;
  if (outcome.kind !== "winner") return <span className="text-muted-foreground">—</span>;
  return <span data-testid="winner">{detail.data?.agents.find((a) => a.id === outcome.lane_id)?.label ?? "…"}</span>;
}

/** How often a page with an active run is refreshed. */
const ACTIVE_POLL_MS = 2_000;
/** How often an idle first page looks for runs started elsewhere. */
const IDLE_POLL_MS = 10_000;

/** The lanes of one run (labels and their statuses), polled while the run is active. */
function LaneList({ ws, run }: { ws: string; run: Schema<"Run"> }) {
  const active = !isRunTerminal(run.status);
  const detail = useQuery({
    queryKey: keys.run(ws, run.id),
    queryFn: () => fetchRun(ws, run.id),
    refetchInterval: active ? ACTIVE_POLL_MS : false,
    staleTime: active ? 0 : Infinity,
  });
  if (detail.isPending) return <span className="text-muted-foreground">…</span>;
  if (detail.isError) return <span className="text-red-700">lanes unavailable</span>;
  return (
    <ul className="flex flex-wrap gap-x-3 gap-y-1" aria-label="Lanes">
      {detail.data.agents.map((lane) => (
        <li key={lane.id} className="flex items-center gap-1">
          <span>{lane.label}</span>
          <StatusBadge status={lane.status} label={`lane ${lane.label}`} />
        </li>
      ))}
    </ul>
  );
}

/** The workspace's runs, newest first, paged by cursor, live while any is active. */
export function RunsTable({ ws, pageSize }: { ws: string; pageSize: number }) {
  // Cursors of the pages walked through; the last one is shown.
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1] ?? null;
  const [status, setStatus] = useState("");
  const runs = useQuery({
    queryKey: [...keys.runs(ws, cursor), pageSize, status],
    queryFn: () => fetchRuns(ws, cursor, pageSize, status),
    refetchInterval: (query) => {
      const items = query.state.data?.items ?? [];
      if (items.some((r) => !isRunTerminal(r.status))) return ACTIVE_POLL_MS;
      return cursor === null ? IDLE_POLL_MS : false;
    },
  });

  const id = useId();
  const [search, setSearch] = useState("");
  // Runs ticked for comparison, in the order they were ticked (first: baseline).
  const [picked, setPicked] = useState<string[]>([]);
  const togglePicked = (runId: string) =>
    setPicked((p) => (p.includes(runId) ? p.filter((r) => r !== runId) : [...p, runId].slice(-2)));
  const packs = useQuery({ queryKey: keys.packVersionIndex(ws), queryFn: () => fetchPackVersionIndex(ws), staleTime: 60_000 });

  if (runs.isPending) return <Loading label="Loading runs…" />;
  if (runs.isError) return <ErrorState title="Could not load runs" error={runs.error} retry={() => void runs.refetch()} />;
  const { items, next_cursor } = runs.data;
  if (items.length === 0 && cursor === null && !status) {
    return (
      <EmptyState title="No runs yet">
        Start one with <Link className="underline" href={`/w/${ws}/runs/new`}>New run</Link> or{" "}
        <code>agentclash run create</code>.
      </EmptyState>
    );
  }
  const needle = search.trim().toLowerCase();
  const shown = items.filter((r) => !needle || r.name.toLowerCase().includes(needle));
  const compareHref =
    picked.length === 2
      ? `/w/${ws}/compare?${new URLSearchParams({ baseline_run: picked[0] ?? "", candidate_run: picked[1] ?? "" })}`
      : null;
  return (
    <div className="flex flex-col gap-3">
      <div className="flex flex-wrap items-end gap-3" role="search" aria-label="Filter runs">
        <div className="flex flex-col gap-1.5">
          <Label htmlFor={`${id}-status`}>Status</Label>
          <Select
            id={`${id}-status`}
            value={status}
            onChange={(e) => {
              setStatus(e.target.value);
              setCursors([null]);
            }}
          >
            <option value="">Any status</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </Select>
        </div>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor={`${id}-search`}>Name contains</Label>
          <Input id={`${id}-search`} type="search" value={search} onChange={(e) => setSearch(e.target.value)} className="w-56" />
        </div>
        <div className="ml-auto flex items-center gap-2">
          <span className="text-sm text-muted-foreground" aria-live="polite">
            {picked.length === 2 ? "2 runs selected" : `Tick two runs to compare (${picked.length} selected)`}
          </span>
          {compareHref ? (
            <Button asChild size="sm">
              <Link href={compareHref}>Compare selected runs</Link>
            </Button>
          ) : (
            <Button size="sm" disabled>
              Compare selected runs
            </Button>
          )}
        </div>
      </div>
      {shown.length === 0 && <EmptyState title="No run on this page matches the filters" />}
      <Table aria-label="Runs" data-testid="runs-table">
        <TableCaption>
          Newest first; the status filter covers every run, the name filter this page. Active runs refresh every few
          seconds.
        </TableCaption>
        <TableHeader>
          <TableRow>
            <TableHead>
              <span className="sr-only">Compare</span>
            </TableHead>
            <TableHead>Run</TableHead>
            <TableHead>Status</TableHead>
            <TableHead>Pack</TableHead>
            <TableHead>Lanes</TableHead>
            <TableHead>Winner</TableHead>
            <TableHead>Cases</TableHead>
            <TableHead>Created</TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {shown.map((run) => (
            <TableRow key={run.id} data-run-id={run.id}>
              <TableCell>
                <input
                  type="checkbox"
                  className="size-4 accent-primary"
                  aria-label={`Select run ${run.name} to compare`}
                  checked={picked.includes(run.id)}
                  onChange={() => togglePicked(run.id)}
                />
              </TableCell>
              <TableCell>
                <Link href={`/w/${ws}/runs/${run.id}`} className="font-medium text-primary underline-offset-2 hover:underline">
                  {run.name}
                </Link>
              </TableCell>
              <TableCell>
                <StatusBadge status={run.status} label="run status" data-testid="run-status" />
              </TableCell>
              <TableCell>{run.pack_version_id ? (packs.data?.[run.pack_version_id] ?? "…") : "—"}</TableCell>
              <TableCell>
                <LaneList ws={ws} run={run} />
              </TableCell>
              <TableCell>
                <Winner ws={ws} run={run} />
              </TableCell>
              <TableCell>{run.case_keys.length}</TableCell>
              <TableCell>
                <time dateTime={run.created_at}>{formatDateTime(run.created_at)}</time>
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      <nav aria-label="Pages of runs" className="flex gap-2">
        <Button variant="outline" size="sm" disabled={cursors.length === 1} onClick={() => setCursors((c) => c.slice(0, -1))}>
          Newer
        </Button>
        <Button
          variant="outline"
          size="sm"
          disabled={!next_cursor}
          onClick={() => next_cursor && setCursors((c) => [...c, next_cursor])}
        >
          Older
        </Button>
      </nav>
    </div>
  );
}
