"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { CompareCasesTable } from "@/components/compare/cases-table";
import { compareKeys, fetchComparison } from "@/components/compare/compare-queries";
import { Delta } from "@/components/compare/delta";
import { DimensionsTable } from "@/components/compare/dimensions-table";
import { GatePanel } from "@/components/compare/gate-panel";
import { Trajectories } from "@/components/compare/trajectories";
import { StatusBadge } from "@/components/status-badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { ErrorState, Loading } from "@/components/ui/states";
import {
  allDimensions,
  compareHref,
  formatCi,
  formatP,
  formatScore,
  type Comparison,
  type CompareLane,
  type DimensionComparison,
} from "@/lib/compare";
import { isLaneTerminal } from "@/lib/format";
import { labelLanes } from "@/lib/scores";

/** How often the comparison is asked again while a lane runs or waits for its scorecard. */
const PENDING_POLL_MS = 3_000;
/** Polls before giving up on a lane that never gets scored (an hour at 3 s); reloading asks again. */
const MAX_POLLS = 1_200;

/** Whether the comparison may still change: a lane runs, or a finished lane is not scored yet. */
function unsettled(c: Comparison): boolean {
  const running = !isLaneTerminal(c.baseline_lane.status) || !isLaneTerminal(c.candidate_lane.status);
  const scoring = c.reasons.some(
    (r) =>
      (r.code === "baseline_not_scored" && c.baseline_lane.status === "completed") ||
      (r.code === "candidate_not_scored" && c.candidate_lane.status === "completed"),
  );
  return running || scoring;
}

function pickerHref(ws: string, c: Comparison): string {
  const query = new URLSearchParams({ baseline_run: c.baseline_lane.run_id, candidate_run: c.candidate_lane.run_id });
  return `/w/${ws}/compare?${query.toString()}`;
}

/** One side's lane: label, status and links to its run, scorecard and replay. */
function LaneCard({ ws, side, lane }: { ws: string; side: "Baseline" | "Candidate"; lane: CompareLane }) {
  const base = `/w/${ws}/runs/${lane.run_id}`;
  const link = "text-primary underline underline-offset-2";
  return (
    <Card data-testid={`${side.toLowerCase()}-lane`}>
      <CardHeader className="flex-row flex-wrap items-center gap-2">
        <CardTitle as="h2" className="text-sm font-medium text-muted-foreground">
          {side}
        </CardTitle>
        <span className="text-base font-semibold" data-testid="lane-label">
          {lane.label}
        </span>
        <StatusBadge status={lane.status} label={`${side.toLowerCase()} lane status`} />
      </CardHeader>
      <CardContent className="flex flex-wrap gap-x-4 gap-y-1 text-sm">
        <Link href={base} className={link} aria-label={`Run of the ${side.toLowerCase()} lane`}>
          Run
        </Link>
        <Link href={`${base}/lanes/${lane.run_agent_id}/scorecard`} className={link} aria-label={`Scorecard of ${lane.label} (${side.toLowerCase()})`}>
          Scorecard
        </Link>
        <Link href={`${base}/lanes/${lane.run_agent_id}`} className={link} aria-label={`Replay of ${lane.label} (${side.toLowerCase()})`}>
          Replay
        </Link>
      </CardContent>
    </Card>
  );
}

/** A headline number: baseline → candidate, the delta, and its paired interval. */
function Headline({ title, d, testId }: { title: string; d: DimensionComparison; testId: string }) {
  return (
    <Card data-testid={testId}>
      <CardHeader>
        <CardTitle as="h3" className="text-sm font-medium text-muted-foreground">
          {title}
        </CardTitle>
      </CardHeader>
      <CardContent className="flex flex-col gap-1">
        <p className="flex flex-wrap items-baseline gap-2">
          <span className="tabular-nums">{formatScore(d.baseline)}</span>
          <span aria-hidden>→</span>
          <span className="sr-only">to</span>
          <span className="tabular-nums font-semibold">{formatScore(d.candidate)}</span>
          <Delta value={d.delta} className="text-lg" />
        </p>
        <p className="text-xs text-muted-foreground">
          {d.paired.n === 0
            ? "no paired case"
            : `${d.paired.n} paired cases · 95% CI ${formatCi(d.paired.ci95)} · sign test p ${formatP(d.paired.sign_test_p)}`}
        </p>
      </CardContent>
    </Card>
  );
}

/** Flip counts: regressions and improvements, with their case keys. */
function Flips({ c }: { c: Comparison }) {
  const list = (flips: Comparison["regressions"]) => (flips.length === 0 ? "none" : flips.map((f) => f.case_key).join(", "));
  return (
    <Card data-testid="flips">
      <CardHeader>
        <CardTitle as="h3" className="text-sm font-medium text-muted-foreground">
          Pass/fail flips
        </CardTitle>
      </CardHeader>
      <CardContent className="flex flex-col gap-1 text-sm">
        <p>
          <span className="font-semibold text-red-800" data-testid="regression-count">
            {c.regressions.length} regressed
          </span>
          : {list(c.regressions)}
        </p>
        <p>
          <span className="font-semibold text-green-800" data-testid="improvement-count">
            {c.improvements.length} improved
          </span>
          : {list(c.improvements)}
        </p>
      </CardContent>
    </Card>
  );
}

function Section({ id, title, children }: { id: string; title: string; children: React.ReactNode }) {
  return (
    <section aria-labelledby={id} className="flex flex-col gap-3">
      <h2 id={id} className="text-lg font-semibold">
        {title}
      </h2>
      {children}
    </section>
  );
}

/**
 * Two lanes side by side: comparability, headline deltas and flips, the
 * per-dimension table with paired statistics, the per-case flips, the
 * release gate and both trajectories aligned by case.
 */
export function CompareView({ ws, baseline, candidate }: { ws: string; baseline: string; candidate: string }) {
  const query = useQuery({
    queryKey: compareKeys.comparison(ws, baseline, candidate),
    queryFn: () => fetchComparison(ws, baseline, candidate),
    refetchInterval: (q) =>
      q.state.data && unsettled(q.state.data) && q.state.dataUpdateCount < MAX_POLLS ? PENDING_POLL_MS : false,
  });
  const back = (
    <Link href={`/w/${ws}/compare`} className="text-sm text-muted-foreground hover:underline">
      ← Choose lanes
    </Link>
  );
  if (query.isPending) return <Loading label="Loading the comparison…" />;
  if (query.isError) {
    return (
      <div className="flex flex-col gap-4">
        <PageHeader title="Compare" back={back} />
        <ErrorState title="Could not compare these lanes" error={query.error} retry={() => void query.refetch()} />
      </div>
    );
  }
  const c = query.data;
  const dimensions = allDimensions(c);
  const labels = new Map([
    [c.baseline, `${c.baseline_lane.label} (baseline)`],
    [c.candidate, `${c.candidate_lane.label} (candidate)`],
  ]);
  const live = !isLaneTerminal(c.baseline_lane.status) || !isLaneTerminal(c.candidate_lane.status);
  return (
    <div className="flex flex-col gap-8">
      <div className="flex flex-col gap-4">
        <PageHeader title={`Compare: ${c.baseline_lane.label} → ${c.candidate_lane.label}`} back={back}>
          <Button asChild variant="outline">
            <Link href={compareHref(ws, candidate, baseline)}>Swap baseline and candidate</Link>
          </Button>
          <Button asChild variant="outline">
            <Link href={pickerHref(ws, c)}>Change lanes</Link>
          </Button>
        </PageHeader>
        <div className="grid gap-4 md:grid-cols-2">
          <LaneCard ws={ws} side="Baseline" lane={c.baseline_lane} />
          <LaneCard ws={ws} side="Candidate" lane={c.candidate_lane} />
        </div>
        {!c.comparable && (
          <div role="status" className="rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm text-amber-900" data-testid="not-comparable">
            <p className="font-semibold">
              {live ? "Not comparable yet: a lane is still running." : "These lanes are not comparable; what can be computed is shown."}
            </p>
            <ul className="mt-1 list-disc pl-5">
              {c.reasons.map((r) => (
                <li key={r.code}>{labelLanes(r.message, labels)}</li>
              ))}
            </ul>
          </div>
        )}
      </div>
      <Section id="summary-heading" title="Summary">
        <div className="grid gap-4 md:grid-cols-3">
          <Headline title="Overall score" d={c.overall} testId="overall-delta" />
          <Headline title="Pass rate" d={c.pass_rate} testId="pass-rate-delta" />
          <Flips c={c} />
        </div>
      </Section>
      <Section id="dimensions-heading" title="Dimensions">
        <DimensionsTable dimensions={dimensions} />
      </Section>
      <Section id="cases-heading" title="Cases">
        <CompareCasesTable cases={c.cases} regressions={c.regressions} improvements={c.improvements} />
      </Section>
      <Section id="gate-heading" title="Release gate">
        <GatePanel
          key={`${baseline}/${candidate}/${dimensions.map((d) => d.key).join(",")}`}
          ws={ws}
          baseline={baseline}
          candidate={candidate}
          dimensionKeys={dimensions.map((d) => d.key)}
        />
      </Section>
      <Section id="trajectories-heading" title="Trajectories by case">
        <Trajectories ws={ws} baseline={c.baseline_lane} candidate={c.candidate_lane} cases={c.cases} live={live} />
      </Section>
    </div>
  );
}
