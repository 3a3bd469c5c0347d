"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import type { Schema } from "@/api/client";
import { BarChart, SERIES_COLORS } from "@/components/scores/bar-chart";
import { LaneTitle, RunBackLink } from "@/components/run/lane-title";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { EmptyState, ErrorState, Loading } from "@/components/ui/states";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { fetchCaseScores, fetchRun, fetchScorecard, fetchScoringEvents, keys } from "@/lib/queries";
import {
  caseVerdicts,
  isNotScored,
  percent,
  type CaseSummary,
  type FailureDiagnosis,
  type Scorecard,
  type Verdict,
} from "@/lib/scores";

/** How often a lane that is not scored yet is asked again. */
const PENDING_POLL_MS = 3_000;

/** "View in replay": opens the replay at the step holding the event. */
function ReplayLink({ href, what }: { href: string; what: string }) {
  return (
    <Link href={href} className="whitespace-nowrap text-primary underline underline-offset-2" aria-label={`View ${what} in replay`}>
      View in replay
    </Link>
  );
}

function Evidence({ verdict }: { verdict: Verdict }) {
  if (!verdict.evidence?.length) return <span className="text-muted-foreground">—</span>;
  return (
    <ul className="flex flex-col gap-1">
      {verdict.evidence.map((e, i) => (
        <li key={i} className="text-xs">
          <span className="font-medium">{e.role}</span> <code className="text-muted-foreground">{e.reference}</code>
          <pre className="mt-0.5 max-h-32 overflow-auto rounded bg-muted p-1 whitespace-pre-wrap break-words">
            {e.value}
            {e.truncated ? "…" : ""}
          </pre>
        </li>
      ))}
    </ul>
  );
}

function CaseCard({
  summary,
  score,
  scored,
  failure,
  replay,
}: {
  summary: CaseSummary;
  score: unknown;
  scored: Schema<"RunEvent"> | undefined;
  failure: FailureDiagnosis | undefined;
  replay: string;
}) {
  const verdicts = caseVerdicts(summary, score, scored?.payload);
  const eventLink = (eventId: string | null | undefined) =>
    eventId ? `${replay}?event=${encodeURIComponent(eventId)}` : null;
  return (
    <Card data-testid="scorecard-case" data-case={summary.case_key}>
      <CardHeader className="flex-row flex-wrap items-center gap-2">
        <CardTitle as="h3">{summary.case_key}</CardTitle>
        <Badge tone={summary.passed === null ? "neutral" : summary.passed ? "success" : "danger"} data-testid="case-result">
          {summary.passed === null ? "not scored" : summary.passed ? "passed" : "failed"}
        </Badge>
        <span className="text-sm text-muted-foreground">overall {percent(summary.overall_score)}</span>
        {summary.infrastructure && <Badge tone="warning">infrastructure failure</Badge>}
      </CardHeader>
      <CardContent className="flex flex-col gap-3">
        {failure && (
          <p className="text-sm">
            <Badge tone="danger">{failure.class}</Badge> {failure.reason}{" "}
            {!failure.agent_fault && <span className="text-muted-foreground">(not the agent&apos;s fault)</span>}{" "}
            {eventLink(failure.event_id) && <ReplayLink href={eventLink(failure.event_id) ?? ""} what={`the failure of ${summary.case_key}`} />}
          </p>
        )}
        {verdicts.length === 0 ? (
          <p className="text-sm text-muted-foreground">No validator or judge ran for this case.</p>
        ) : (
          <Table aria-label={`Verdicts of ${summary.case_key}`}>
            <TableHeader>
              <TableRow>
                <TableHead>Validator or judge</TableHead>
                <TableHead>State</TableHead>
                <TableHead>Score</TableHead>
                <TableHead>Reason</TableHead>
                <TableHead>Evidence</TableHead>
                <TableHead>
                  <span className="sr-only">Replay</span>
                </TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {verdicts.map((v) => {
                const href = eventLink(v.event_id ?? v.evidence?.find((e) => e.event_id)?.event_id ?? scored?.event_id);
                return (
                  <TableRow key={v.key} data-testid="verdict" data-validator={v.key} data-state={v.state}>
                    <TableCell>
                      <span className="font-medium">{v.key}</span>
                      {v.type && <span className="block text-xs text-muted-foreground">{v.type.replaceAll("_", " ")}</span>}
                    </TableCell>
                    <TableCell>
                      <Badge tone={v.state === "pass" ? "success" : v.state === "fail" || v.state === "error" ? "danger" : "warning"}>
                        {v.state}
                      </Badge>
                    </TableCell>
                    <TableCell>{percent(v.score)}</TableCell>
                    <TableCell className="max-w-xs text-sm">{v.reason || <span className="text-muted-foreground">—</span>}</TableCell>
                    <TableCell className="max-w-sm">
                      <Evidence verdict={v} />
                    </TableCell>
                    <TableCell>{href && <ReplayLink href={href} what={`${v.key} of ${summary.case_key}`} />}</TableCell>
                  </TableRow>
                );
              })}
            </TableBody>
          </Table>
        )}
      </CardContent>
    </Card>
  );
}

function Summary({ card }: { card: Scorecard }) {
  const ci = card.overall.ci95;
  return (
    <dl className="grid grid-cols-2 gap-4 sm:grid-cols-4" data-testid="scorecard-summary">
      <div>
        <dt className="text-sm text-muted-foreground">Overall</dt>
        <dd className="text-2xl font-semibold" data-testid="overall">
          {percent(card.overall.mean)}
        </dd>
        {ci && (
          <dd className="text-xs text-muted-foreground">
            95% CI {percent(ci[0])}–{percent(ci[1])}
          </dd>
        )}
      </div>
      <div>
        <dt className="text-sm text-muted-foreground">Pass rate</dt>
        <dd className="text-2xl font-semibold">{percent(card.pass_rate)}</dd>
        <dd className="text-xs text-muted-foreground">
          {card.passed_cases} of {card.counted_cases} counted cases
        </dd>
      </div>
      <div>
        <dt className="text-sm text-muted-foreground">Cases</dt>
        <dd className="text-2xl font-semibold">{card.cases}</dd>
      </div>
      <div>
        <dt className="text-sm text-muted-foreground">Degraded</dt>
        <dd className="text-2xl font-semibold">{card.degraded ? "yes" : "no"}</dd>
        {card.degraded_reasons.map((r) => (
          <dd key={r} className="text-xs text-amber-900">
            {r}
          </dd>
        ))}
      </div>
    </dl>
  );
}

function Dimensions({ card }: { card: Scorecard }) {
  if (card.dimensions.length === 0) return <EmptyState title="The scorecard has no dimensions" />;
  return (
    <div className="grid gap-4 lg:grid-cols-2">
      <BarChart
        label="Mean score per dimension"
        rows={card.dimensions.map((d) => ({ dimension: d.key, mean: d.mean }))}
        categoryKey="dimension"
        series={[{ key: "mean", label: "Mean", color: SERIES_COLORS[0] ?? "#1d4ed8" }]}
        unit="percent"
      />
      <Table aria-label="Dimensions" data-testid="dimensions-table">
        <TableHeader>
          <TableRow>
            <TableHead>Dimension</TableHead>
            <TableHead>Weight</TableHead>
            <TableHead>Mean</TableHead>
            <TableHead>95% CI</TableHead>
            <TableHead>Missing</TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {card.dimensions.map((d) => (
            <TableRow key={d.key} data-dimension={d.key}>
              <TableCell className="font-medium">
                {d.key} {d.gate && <Badge tone="warning">gate</Badge>}
              </TableCell>
              <TableCell>{d.weight}</TableCell>
              <TableCell>{percent(d.mean)}</TableCell>
              <TableCell>{d.ci95 ? `${percent(d.ci95[0])}–${percent(d.ci95[1])}` : "—"}</TableCell>
              <TableCell>{d.missing}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </div>
  );
}

/**
 * A lane's scorecard: overall and per-dimension scores, failures by class,
 * and every case's validators and judges with state, score, reason and
 * evidence, each with "view in replay" to the step that produced it.
 */
export function ScorecardView({ ws, runId, laneId }: { ws: string; runId: string; laneId: string }) {
  const run = useQuery({ queryKey: keys.run(ws, runId), queryFn: () => fetchRun(ws, runId) });
  const card = useQuery({
    queryKey: keys.scorecard(ws, laneId),
    queryFn: () => fetchScorecard(ws, laneId),
    refetchInterval: (query) => (query.state.data && isNotScored(query.state.data) ? PENDING_POLL_MS : false),
  });
  const scored = card.data !== undefined && !isNotScored(card.data);
  const scoring = useQuery({
    queryKey: keys.scoringEvents(ws, laneId),
    queryFn: () => fetchScoringEvents(ws, runId, laneId),
    enabled: scored,
  });
  const caseScores = useQuery({
    queryKey: keys.caseScores(ws, laneId),
    queryFn: () => fetchCaseScores(ws, laneId),
    enabled: scored,
  });
  const lane = run.data?.agents.find((a) => a.id === laneId);
  const replay = `/w/${ws}/runs/${runId}/lanes/${laneId}`;

  let body: React.ReactNode;
  if (card.isPending) body = <Loading label="Loading the scorecard…" />;
  else if (card.isError) body = <ErrorState title="Could not load the scorecard" error={card.error} retry={() => void card.refetch()} />;
  else if (isNotScored(card.data)) {
    body = (
      <EmptyState title="Not scored yet">
        The lane is {card.data.status}; the scorecard appears when scoring is done. This page refreshes.
      </EmptyState>
    );
  } else {
    const data = card.data;
    const failures = new Map(data.failures);
    const scoreByCase = new Map((caseScores.data ?? []).map((c) => [c.case_key, c.score]));
    const scoredByCase = new Map((scoring.data ?? []).filter((e) => e.case_key).map((e) => [e.case_key ?? "", e]));
    const classes = Object.entries(data.failure_counts);
    body = (
      <>
        <Summary card={data} />
        <section aria-labelledby="dims-heading" className="flex flex-col gap-3">
          <h2 id="dims-heading" className="text-lg font-semibold">
            Dimensions
          </h2>
          <Dimensions card={data} />
        </section>
        <section aria-labelledby="fail-heading" className="flex flex-col gap-2">
          <h2 id="fail-heading" className="text-lg font-semibold">
            Failures by class
          </h2>
          {classes.length === 0 ? (
            <p className="text-sm text-muted-foreground">No case failed.</p>
          ) : (
            <ul className="flex flex-wrap gap-2" aria-label="Failure classes">
              {classes.map(([cls, n]) => (
                <li key={cls}>
                  <Badge tone="danger">
                    {cls}: {n}
                  </Badge>
                </li>
              ))}
            </ul>
          )}
        </section>
        <section aria-labelledby="cases-heading" className="flex flex-col gap-3">
          <h2 id="cases-heading" className="text-lg font-semibold">
            Cases, validators and judges
          </h2>
          {scoring.isError && (
            <ErrorState title="Could not load the verdicts' events" error={scoring.error} retry={() => void scoring.refetch()} />
          )}
          {caseScores.isError && (
            <ErrorState title="Could not load the case scores" error={caseScores.error} retry={() => void caseScores.refetch()} />
          )}
          {(scoring.isPending || caseScores.isPending) && <Loading label="Loading verdicts…" />}
          {data.case_summaries.map((c) => (
            <CaseCard
              key={c.case_key}
              summary={c}
              score={scoreByCase.get(c.case_key)}
              scored={scoredByCase.get(c.case_key)}
              failure={failures.get(c.case_key)}
              replay={replay}
            />
          ))}
        </section>
      </>
    );
  }

  return (
    <div className="flex flex-col gap-6">
      <PageHeader
        back={<RunBackLink ws={ws} runId={runId} name={run.data?.name} />}
        title={<LaneTitle what="Scorecard" lane={lane} />}
      >
        <Button asChild variant="outline" size="sm">
          <Link href={replay}>Replay</Link>
        </Button>
      </PageHeader>
      {run.isError && <ErrorState title="Could not load the run" error={run.error} retry={() => void run.refetch()} />}
      {body}
    </div>
  );
}
