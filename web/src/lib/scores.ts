// The score documents of the API (scorecard, ranking, failures), typed here
// because the API serves them as free-form JSON, and the pure helpers the run
// page and the scorecard need: ranking rows sorted by any column, lane labels
// in the "why" text, failures grouped by taxonomy class, verdicts of a case.

/** Mean, spread and 95% interval of a score over cases. */
export interface Stat {
  n: number;
  mean: number | null;
  std_dev?: number | null;
  ci95?: [number, number] | null;
}

/** One dimension of a lane's scorecard. */
export interface DimensionStat extends Stat {
  key: string;
  source?: unknown;
  weight: number;
  gate: boolean;
  missing: number;
}

/** Why a case failed: its taxonomy class and the event to open. */
export interface FailureDiagnosis {
  class: string;
  agent_fault: boolean;
  reason: string;
  validators: string[];
  event_id?: string | null;
}

/** One case of a lane's scorecard, with each validator's state. */
export interface CaseSummary {
  case_key: string;
  passed: boolean | null;
  overall_score: number | null;
  infrastructure: boolean;
  failure?: string | null;
  validators: Record<string, string>;
  dimensions: Record<string, number | null>;
}

/** A lane's scorecard (`GET …/run-agents/{id}/scorecard`, 200). */
export interface Scorecard {
  lane_id: string;
  cases: number;
  counted_cases: number;
  passed_cases: number;
  pass_rate: number | null;
  overall: Stat;
  dimensions: DimensionStat[];
  degraded: boolean;
  degraded_reasons: string[];
  failure_counts: Record<string, number>;
  failures: [string, FailureDiagnosis][];
  case_summaries: CaseSummary[];
}

/** One lane's row of a run's ranking. */
export interface RankEntry {
  rank: number;
  lane_id: string;
  overall: number | null;
  correctness: number | null;
  reliability: number | null;
  pass_rate: number | null;
  degraded: boolean;
}

/** Why the top lane is on top. */
export interface WhySummary {
  winner: string;
  runner_up?: string | null;
  decided_by: string;
  overall_delta?: number | null;
  dimension_deltas: { key: string; weight: number; winner: number | null; runner_up: number | null; delta: number | null }[];
  flips_to_winner: { case_key: string; deciding_validators: string[] }[];
  flips_to_runner_up: { case_key: string; deciding_validators: string[] }[];
  text: string;
}

/** A run's ranking (`GET …/runs/{id}/ranking`, 200). */
export interface Ranking {
  entries: RankEntry[];
  outcome: { kind: "winner"; lane_id: string } | { kind: "tie"; lane_ids: string[] } | { kind: "no_lanes" };
  why?: WhySummary | null;
}

/** A 202 answer: not scored yet, with the run's or lane's status. */
export interface NotScored {
  status: string;
  message: string;
}

/** Whether a score answer is the 202 "not scored yet" body. */
export function isNotScored(body: unknown): body is NotScored {
  return (
    typeof body === "object" &&
    body !== null &&
    typeof (body as { status?: unknown }).status === "string" &&
    typeof (body as { message?: unknown }).message === "string" &&
    !("entries" in body) &&
    !("overall" in body)
  );
}

/** A score in [0,1] as a percentage ("—" when absent). */
export function percent(value: number | null | undefined, digits = 1): string {
  return value === null || value === undefined || !Number.isFinite(value) ? "—" : `${(value * 100).toFixed(digits)}%`;
}

/** A column the ranking table sorts by: a fixed one or a dimension's key. */
export type RankingColumn = "rank" | "overall" | "correctness" | "reliability" | "pass_rate" | `dim:${string}`;

/** A ranking row with the lane's label and its per-dimension means. */
export interface RankingRow extends RankEntry {
  label: string;
  dimensions: Record<string, number | null>;
}

function columnValue(row: RankingRow, column: RankingColumn): number | null {
  if (column.startsWith("dim:")) return row.dimensions[column.slice(4)] ?? null;
  return row[column as Exclude<RankingColumn, `dim:${string}`>];
}

/**
 * Rows sorted by `column`; missing values always go last, ties keep rank
 * order, so the order is stable whichever way the user sorts.
 */
export function sortRanking(rows: readonly RankingRow[], column: RankingColumn, direction: "asc" | "desc"): RankingRow[] {
  const sign = direction === "asc" ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = columnValue(a, column);
    const y = columnValue(b, column);
    if (x === null && y === null) return a.rank - b.rank;
    if (x === null) return 1;
    if (y === null) return -1;
    return x === y ? a.rank - b.rank : (x - y) * sign;
  });
}

/** The "why" text names lanes by id; people know them by label. */
export function labelLanes(text: string, labels: ReadonlyMap<string, string>): string {
  let out = text;
  for (const [id, label] of labels) out = out.split(id).join(label);
  return out;
}

/** Failed cases grouped by taxonomy class, most frequent class first. */
export function groupFailures<T extends { failure: { class?: unknown } }>(items: readonly T[]): { cls: string; items: T[] }[] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const cls = typeof item.failure.class === "string" ? item.failure.class : "unclassified";
    groups.set(cls, [...(groups.get(cls) ?? []), item]);
  }
  return [...groups.entries()]
    .map(([cls, list]) => ({ cls, items: list }))
    .sort((a, b) => b.items.length - a.items.length || a.cls.localeCompare(b.cls));
}

/** A verdict as the scorecard shows it: a validator's or a judge's. */
export interface Verdict {
  key: string;
  /** Validator type (`exact_match`, `code_execution`, …) or `llm_judge`. */
  type?: string | null;
  state: string;
  score: number | null;
  reason?: string | null;
  evidence?: { role: string; reference: string; value: string; truncated?: boolean; event_id?: string | null }[];
  /** The event that produced the evidence (or the judge's first call). */
  event_id?: string | null;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === "string" ? v : null);

function toVerdict(v: Json): Verdict {
  return {
    key: String(v.key),
    type: str(v.type),
    state: str(v.state) ?? "unknown",
    score: typeof v.score === "number" ? v.score : null,
    reason: str(v.reason),
    evidence: Array.isArray(v.evidence) ? (v.evidence.filter(isObject) as unknown as Verdict["evidence"]) : undefined,
    event_id: str(v.event_id),
  };
}

/** A judge's result (`judges` of a case score) as a verdict; its event is its first recorded call. */
function judgeVerdict(key: string, judge: Json): Verdict {
  const samples = Array.isArray(judge.samples) ? judge.samples.filter(isObject) : [];
  return {
    key,
    type: "llm_judge",
    state: str(judge.state) ?? "unknown",
    score: typeof judge.score === "number" ? judge.score : null,
    reason: str(judge.reason),
    event_id: samples.map((s) => str(s.event_id)).find((id) => id !== null) ?? null,
  };
}

/**
 * The verdicts of one case, best source first: its full score (from
 * `…/case-scores`: validators with reason and evidence, and judges), else the
 * verdicts recorded in its `scoring.case.completed` event, else the states
 * of the scorecard's case summary.
 */
export function caseVerdicts(summary: CaseSummary, caseScore: unknown, scoredPayload: unknown): Verdict[] {
  if (isObject(caseScore) && Array.isArray(caseScore.verdicts)) {
    const validators = caseScore.verdicts.filter((v): v is Json => isObject(v) && typeof v.key === "string").map(toVerdict);
    const judges = isObject(caseScore.judges)
      ? Object.entries(caseScore.judges).flatMap(([key, j]) => (isObject(j) ? [judgeVerdict(key, j)] : []))
      : [];
    return [...validators, ...judges];
  }
  const recorded = isObject(scoredPayload) ? scoredPayload.verdicts : undefined;
  if (Array.isArray(recorded)) {
    return recorded.filter((v): v is Json => isObject(v) && typeof v.key === "string").map(toVerdict);
  }
  return Object.entries(summary.validators).map(([key, state]) => ({ key, state, score: null }));
}
