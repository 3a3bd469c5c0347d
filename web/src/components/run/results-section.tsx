"use client";
import { useQueries, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useMemo, useState } from "react";
import type { Schema } from "@/api/client";
import { BarChart, SERIES_COLORS } from "@/components/scores/bar-chart";
import { Badge } from "@/components/ui/badge";
import { EmptyState, ErrorState, Loading } from "@/components/ui/states";
import { Table, TableBody, TableCaption, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { fetchFailures, fetchRanking, fetchScorecard, keys } from "@/lib/queries";
import {
  groupFailures,
  isNotScored,
  labelLanes,
  percent,
  sortRanking,
  type Ranking,
  type RankingColumn,
  type RankingRow,
  type Scorecard,
} from "@/lib/scores";

const FIXED_COLUMNS: { column: RankingColumn; label: string }[] = [
  { column: "rank", label: "Rank" },
  { column: "overall", label: "Overall" },
  { column: "correctness", label: "Correctness" },
  { column: "reliability", label: "Reliability" },
  { column: "pass_rate", label: "Pass rate" },
];

/** A column header that sorts the table; `aria-sort` tells screen readers the order. */
function SortHeader({
  label,
  column,
  sort,
  onSort,
}: {
  label: string;
  column: RankingColumn;
  sort: { column: RankingColumn; direction: "asc" | "desc" };
  onSort: (column: RankingColumn) => void;
}) {
  const active = sort.column === column;
  return (
    <TableHead aria-sort={active ? (sort.direction === "asc" ? "ascending" : "descending") : "none"}>
      <button
        type="button"
        onClick={() => onSort(column)}
        className="inline-flex items-center gap-1 rounded hover:underline focus-visible:outline-2 focus-visible:outline-ring"
      >
        {label}
        <span aria-hidden>{active ? (sort.direction === "asc" ? "▲" : "▼") : "↕"}</span>
      </button>
    </TableHead>
  );
}

function RankingTable({ ws, runId, rows, dimensionKeys, winner }: { ws: string; runId: string; rows: RankingRow[]; dimensionKeys: string[]; winner: string | null }) {
  const [sort, setSort] = useState<{ column: RankingColumn; direction: "asc" | "desc" }>({ column: "rank", direction: "asc" });
  const sorted = sortRanking(rows, sort.column, sort.direction);
  const onSort = (column: RankingColumn) =>
    setSort((s) =>
      s.column === column
        ? { column, direction: s.direction === "asc" ? "desc" : "asc" }
        : { column, direction: column === "rank" ? "asc" : "desc" },
    );
  return (
    <Table aria-label="Ranking" data-testid="ranking-table">
      <TableCaption>Lanes by overall score; ties are broken by correctness, then reliability. Select a column to sort.</TableCaption>
      <TableHeader>
        <TableRow>
          <TableHead>Lane</TableHead>
          {FIXED_COLUMNS.map((c) => (
            <SortHeader key={c.column} label={c.label} column={c.column} sort={sort} onSort={onSort} />
          ))}
          {dimensionKeys.map((key) => (
            <SortHeader key={key} label={key} column={`dim:${key}`} sort={sort} onSort={onSort} />
          ))}
          <TableHead>
            <span className="sr-only">Links</span>
          </TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {sorted.map((row) => (
          <TableRow key={row.lane_id} data-lane={row.label}>
            <TableCell className="font-medium">
              {row.label} {row.lane_id === winner && <Badge tone="success">winner</Badge>}{" "}
              {row.degraded && <Badge tone="warning">degraded</Badge>}
            </TableCell>
            <TableCell>{row.rank}</TableCell>
            <TableCell>{percent(row.overall)}</TableCell>
            <TableCell>{percent(row.correctness)}</TableCell>
            <TableCell>{percent(row.reliability)}</TableCell>
            <TableCell>{percent(row.pass_rate)}</TableCell>
            {dimensionKeys.map((key) => (
              <TableCell key={key}>{percent(row.dimensions[key])}</TableCell>
            ))}
            <TableCell>
              <Link className="text-primary underline" href={`/w/${ws}/runs/${runId}/lanes/${row.lane_id}/scorecard`}>
                Scorecard<span className="sr-only"> of {row.label}</span>
              </Link>
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

function FailuresByClass({ ws, runId }: { ws: string; runId: string }) {
  const failures = useQuery({ queryKey: keys.failures(ws, runId), queryFn: () => fetchFailures(ws, runId) });
  if (failures.isPending) return <Loading label="Loading failures…" />;
  if (failures.isError) return <ErrorState title="Could not load failures" error={failures.error} retry={() => void failures.refetch()} />;
  const groups = groupFailures(failures.data as (Schema<"FailedCase"> & { failure: { class?: unknown } })[]);
  if (groups.length === 0) return <p className="text-sm text-muted-foreground">No case failed.</p>;
  return (
    <ul className="flex flex-col gap-3" data-testid="failures">
      {groups.map((g) => (
        <li key={g.cls}>
          <h3 className="text-sm font-semibold">
            {g.cls} <span className="font-normal text-muted-foreground">({g.items.length})</span>
          </h3>
          <ul className="ml-4 list-disc text-sm">
            {g.items.map((f) => {
              const failure = f.failure as { reason?: unknown; agent_fault?: unknown; event_id?: unknown };
              return (
                <li key={`${f.run_agent_id}/${f.case_key}`}>
                  {f.label} · {f.case_key}: {typeof failure.reason === "string" ? failure.reason : ""}
                  {failure.agent_fault === false && <span className="text-muted-foreground"> (not the agent&apos;s fault)</span>}{" "}
                  {typeof failure.event_id === "string" && (
                    <Link
                      className="text-primary underline"
                      href={`/w/${ws}/runs/${runId}/lanes/${f.run_agent_id}?event=${encodeURIComponent(failure.event_id)}`}
                    >
                      View in replay<span className="sr-only"> ({f.label}, {f.case_key})</span>
                    </Link>
                  )}
                </li>
              );
            })}
          </ul>
        </li>
      ))}
    </ul>
  );
}

/** Per-case wall time of each lane, for the latency chart. */
function latencyRows(cases: Schema<"RunCase">[], lanes: Schema<"RunAgent">[]): Record<string, string | number | null>[] {
  const byCase = new Map<string, Record<string, string | number | null>>();
  for (const c of cases) {
    const row = byCase.get(c.case_key) ?? { case: c.case_key };
    row[c.run_agent_id] = c.duration_ms ?? null;
    byCase.set(c.case_key, row);
  }
  for (const row of byCase.values()) for (const l of lanes) row[l.id] ??= null;
  return [...byCase.values()];
}

/**
 * The run's results once scored: the ranking table (sortable by any
 * dimension), "why the winner won", score and latency charts, and the
 * failed cases grouped by failure class.
 */
export function ResultsSection({
  ws,
  runId,
  lanes,
  cases,
  terminal,
}: {
  ws: string;
  runId: string;
  lanes: Schema<"RunAgent">[];
  cases: Schema<"RunCase">[] | undefined;
  terminal: boolean;
}) {
  const ranking = useQuery({
    queryKey: keys.ranking(ws, runId),
    queryFn: () => fetchRanking(ws, runId),
    enabled: terminal,
    refetchInterval: (query) => (query.state.data && isNotScored(query.state.data) ? 3_000 : false),
  });
  const scored = ranking.data !== undefined && !isNotScored(ranking.data);
  const scorecards = useQueries({
    queries: lanes.map((lane) => ({
      queryKey: keys.scorecard(ws, lane.id),
      queryFn: () => fetchScorecard(ws, lane.id),
      enabled: scored,
    })),
  });
  const cards = useMemo(() => {
    const map = new Map<string, Scorecard>();
    for (const q of scorecards) if (q.data && !isNotScored(q.data)) map.set(q.data.lane_id, q.data);
    return map;
  }, [scorecards]);
  const labels = useMemo(() => new Map(lanes.map((l) => [l.id, l.label])), [lanes]);

  if (!terminal) {
    return <p className="text-sm text-muted-foreground">The ranking appears when the run has finished.</p>;
  }
  if (ranking.isPending) return <Loading label="Loading the ranking…" />;
  if (ranking.isError) return <ErrorState title="Could not load the ranking" error={ranking.error} retry={() => void ranking.refetch()} />;
  if (isNotScored(ranking.data)) return <EmptyState title="Not scored yet">The run is {ranking.data.status}; this refreshes.</EmptyState>;
  const data: Ranking = ranking.data;
  // Dimensions named like a fixed column (correctness, reliability) are shown there once.
  const fixed = new Set<string>(FIXED_COLUMNS.map((c) => c.column));
  const dimensionKeys = [...new Set([...cards.values()].flatMap((c) => c.dimensions.map((d) => d.key)))].filter((k) => !fixed.has(k));
  const rows: RankingRow[] = data.entries.map((e) => ({
    ...e,
    label: labels.get(e.lane_id) ?? e.lane_id,
    dimensions: Object.fromEntries((cards.get(e.lane_id)?.dimensions ?? []).map((d) => [d.key, d.mean])),
  }));
  const winner = data.outcome.kind === "winner" ? data.outcome.lane_id : null;
  const series = data.entries.map((e, i) => ({
    key: e.lane_id,
    label: labels.get(e.lane_id) ?? e.lane_id,
    color: SERIES_COLORS[i % SERIES_COLORS.length] ?? "#1d4ed8",
  }));
  const measures: { key: string; value: (r: RankingRow) => number | null }[] = [
    ...(["overall", "correctness", "reliability"] as const).map((key) => ({ key, value: (r: RankingRow) => r[key] })),
    ...dimensionKeys.map((key) => ({ key, value: (r: RankingRow) => r.dimensions[key] ?? null })),
  ];
  const scoreRows = measures
    .filter(({ value }) => rows.some((r) => value(r) !== null))
    .map(({ key, value }) => {
      const row: Record<string, string | number | null> = { dimension: key };
      for (const r of rows) row[r.lane_id] = value(r);
      return row;
    });

  return (
    <div className="flex flex-col gap-6">
      <RankingTable ws={ws} runId={runId} rows={rows} dimensionKeys={dimensionKeys} winner={winner} />
      <section aria-labelledby="why-heading" className="flex flex-col gap-2">
        <h3 id="why-heading" className="text-base font-semibold">
          {data.outcome.kind === "tie" ? "A tie" : "Why the winner won"}
        </h3>
        {data.why?.text ? (
          <p className="max-w-3xl text-sm" data-testid="why">
            {labelLanes(data.why.text, labels)}
          </p>
        ) : (
          <p className="text-sm text-muted-foreground">No explanation: the run has a single lane or none.</p>
        )}
      </section>
      <div className="grid gap-6 lg:grid-cols-2">
        <BarChart label="Scores by lane: overall and per dimension" rows={scoreRows} categoryKey="dimension" series={series} unit="percent" />
        {cases && cases.length > 0 && (
          <BarChart label="Latency by case and lane (wall time)" rows={latencyRows(cases, lanes)} categoryKey="case" series={series} unit="ms" />
        )}
      </div>
      <section aria-labelledby="failures-heading" className="flex flex-col gap-2">
        <h3 id="failures-heading" className="text-base font-semibold">
          Failures by class
        </h3>
        <FailuresByClass ws={ws} runId={runId} />
      </section>
    </div>
  );
}
