// The comparison documents of the API (`GET …/compare`, the gate result of
// `POST …/comparisons`), typed here because the API serves them as free-form
// JSON, and the pure helpers of the compare page: formatting deltas,
// intervals and p-values, verdict colours, the gate policy the form builds,
// and both lanes' replay steps aligned by case.

/** Paired statistics of candidate − baseline over the cases both lanes scored. */
export interface PairedStats {
  n: number;
  mean_delta: number | null;
  ci95: [number, number] | null;
  improved: number;
  regressed: number;
  ties: number;
  sign_test_p: number;
}

/** One dimension (or `overall`, or `pass_rate`) in both lanes. */
export interface DimensionComparison {
  key: string;
  baseline: number | null;
  candidate: number | null;
  delta: number | null;
  paired: PairedStats;
}

/** Which way a case flipped. */
export type Flip = "regression" | "improvement";

/** One case in both lanes. */
export interface CaseComparison {
  case_key: string;
  baseline_passed: boolean | null;
  candidate_passed: boolean | null;
  baseline_score: number | null;
  candidate_score: number | null;
  delta: number | null;
  flip: Flip | null;
  /** Failed for an infrastructure reason in a lane: left out of the statistics. */
  excluded: boolean;
  dimension_deltas: Record<string, number>;
}

/** A flipped case and the validators that decided it. */
export interface CaseFlip {
  case_key: string;
  deciding_validators: string[];
}

/** A lane as the comparison describes it. */
export interface CompareLane {
  run_agent_id: string;
  run_id: string;
  label: string;
  status: string;
  pack_version_id: string | null;
}

/** Why two lanes cannot be compared fairly. */
export interface ComparabilityReason {
  code: string;
  message: string;
}

/** `GET /v1/workspaces/{ws}/compare?baseline=&candidate=`. */
export interface Comparison {
  baseline: string;
  candidate: string;
  comparable: boolean;
  reasons: ComparabilityReason[];
  overall: DimensionComparison;
  pass_rate: DimensionComparison;
  dimensions: DimensionComparison[];
  cases: CaseComparison[];
  regressions: CaseFlip[];
  improvements: CaseFlip[];
  baseline_lane: CompareLane;
  candidate_lane: CompareLane;
}

/** A release-gate verdict. */
export type GateVerdict = "pass" | "warn" | "fail" | "insufficient_evidence";

/** How far one dimension may drop (baseline − candidate), in score units. */
export interface DeltaRule {
  warn_delta?: number;
  fail_delta?: number;
}

/** The release-gate policy `POST …/comparisons` evaluates. */
export interface GatePolicy {
  dimensions: Record<string, DeltaRule>;
  required_dimensions: string[];
  require_scorecard_pass: boolean;
}

/** What one rule of the gate contributed. */
export interface GateReason {
  verdict: GateVerdict;
  rule: string;
  dimension?: string | null;
  message: string;
  cases?: string[];
}

/** The gate of a stored comparison. */
export interface GateResult {
  verdict: GateVerdict;
  reasons: GateReason[];
  policy: GatePolicy;
}

/** Deltas this close to zero count as no change (the API's tie threshold). */
const TIE = 1e-9;

/** A score in [0,1] as a percentage ("—" when absent). */
export function formatScore(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? "—" : `${(value * 100).toFixed(1)}%`;
}

/** A score difference in percentage points, always signed ("+12.5 pp", "−33.3 pp", "±0.0 pp"). */
export function formatDelta(delta: number | null | undefined): string {
  if (delta === null || delta === undefined || !Number.isFinite(delta)) return "—";
  const points = Math.abs(delta * 100).toFixed(1);
  if (Math.abs(delta) < TIE || points === "0.0") return "±0.0 pp";
  return `${delta > 0 ? "+" : "−"}${points} pp`;
}

/** A 95% interval of a mean delta ("[−66.7, +0.0] pp"; "—" without one). */
export function formatCi(ci: readonly [number, number] | null | undefined): string {
  if (!ci) return "—";
  const end = (v: number) => {
    const points = Math.abs(v * 100).toFixed(1);
    return `${v < 0 && points !== "0.0" ? "−" : "+"}${points}`;
  };
  return `[${end(ci[0])}, ${end(ci[1])}] pp`;
}

/** A p-value with three decimals, or "< 0.001". */
export function formatP(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return "—";
  return p < 0.001 ? "< 0.001" : p.toFixed(3);
}

/** Badge colours the compare page uses. */
export type Tone = "neutral" | "success" | "danger" | "warning";

/** Green for a gain, red for a drop, neutral for none (or unknown). */
export function deltaTone(delta: number | null | undefined): Tone {
  if (delta === null || delta === undefined || !Number.isFinite(delta) || Math.abs(delta) < TIE) return "neutral";
  return delta > 0 ? "success" : "danger";
}

/**
 * What the paired statistics say about a dimension: a change only when the
 * 95% interval leaves out zero, else "no clear change" (or no evidence).
 */
export function pairedReading(paired: PairedStats): "better" | "worse" | "unclear" | "no evidence" {
  if (paired.n === 0 || !paired.ci95) return "no evidence";
  const [lo, hi] = paired.ci95;
  if (lo > TIE) return "better";
  if (hi < -TIE) return "worse";
  return "unclear";
}

const VERDICT_TONES: Record<GateVerdict, Tone> = {
  pass: "success",
  warn: "warning",
  fail: "danger",
  insufficient_evidence: "neutral",
};

/** The colour of a gate verdict (neutral for a word the page does not know). */
export function verdictTone(verdict: string): Tone {
  return VERDICT_TONES[verdict as GateVerdict] ?? "neutral";
}

/** A gate verdict in words ("insufficient evidence"). */
export function verdictLabel(verdict: string): string {
  return verdict.replaceAll("_", " ");
}

/** A case's verdict in one lane ("passed", "failed", "not scored"). */
export function caseResult(passed: boolean | null | undefined): "passed" | "failed" | "not scored" {
  return passed === null || passed === undefined ? "not scored" : passed ? "passed" : "failed";
}

/** Whether a case differs between the lanes: a flip, a score change, or a side without it. */
export function caseChanged(c: CaseComparison): boolean {
  return (
    c.flip !== null ||
    c.baseline_passed !== c.candidate_passed ||
    (c.delta !== null && Math.abs(c.delta) >= TIE) ||
    Object.values(c.dimension_deltas).some((d) => Math.abs(d) >= TIE)
  );
}

/** Every dimension of the comparison, `overall` and `pass_rate` first. */
export function allDimensions(c: Pick<Comparison, "overall" | "pass_rate" | "dimensions">): DimensionComparison[] {
  return [c.overall, c.pass_rate, ...c.dimensions.filter((d) => d.key !== "overall" && d.key !== "pass_rate")];
}

/** A dimension key as a heading ("overall", "pass rate", "correctness"). */
export function dimensionLabel(key: string): string {
  return key.replaceAll("_", " ");
}

/** One row of the gate form: a dimension's limits as typed (fractions 0..1, empty for none). */
export interface PolicyRow {
  key: string;
  warn: string;
  fail: string;
  required: boolean;
}

/** The gate form's state. */
export interface PolicyForm {
  rows: PolicyRow[];
  requireScorecardPass: boolean;
}

/** Default limits: the overall score may drop 2 points before a warning and 10 before failing. */
export const DEFAULT_OVERALL_RULE = { warn: "0.02", fail: "0.1" } as const;

/**
 * The form's starting state for these dimensions: overall with the default
 * limits and required, the others without limits; the candidate must pass
 * its scorecard.
 */
export function defaultPolicyForm(dimensionKeys: readonly string[]): PolicyForm {
  const keys = ["overall", ...dimensionKeys.filter((k) => k !== "overall")];
  return {
    rows: keys.map((key) =>
      key === "overall"
        ? { key, ...DEFAULT_OVERALL_RULE, required: true }
        : { key, warn: "", fail: "", required: false },
    ),
    requireScorecardPass: true,
  };
}

/** A field of the gate form the API would refuse, by `key.warn`/`key.fail`. */
export type PolicyErrors = Record<string, string>;

function parseLimit(raw: string): number | null | "invalid" {
  const text = raw.trim();
  if (text === "") return null;
  const n = Number(text);
  return Number.isFinite(n) && n >= 0 && n <= 1 ? n : "invalid";
}

/**
 * The policy the form describes, or the fields in error (a limit outside
 * [0,1], or a warning limit above the failing one), checked before the API
 * is asked.
 */
export function buildPolicy(form: PolicyForm): { policy: GatePolicy } | { errors: PolicyErrors } {
  const errors: PolicyErrors = {};
  const dimensions: Record<string, DeltaRule> = {};
  for (const row of form.rows) {
    const warn = parseLimit(row.warn);
    const fail = parseLimit(row.fail);
    if (warn === "invalid") errors[`${row.key}.warn`] = "a number from 0 to 1, or empty";
    if (fail === "invalid") errors[`${row.key}.fail`] = "a number from 0 to 1, or empty";
    if (typeof warn === "number" && typeof fail === "number" && warn > fail) {
      errors[`${row.key}.warn`] = "must not be above the failing drop";
    }
    const rule: DeltaRule = {};
    if (typeof warn === "number") rule.warn_delta = warn;
    if (typeof fail === "number") rule.fail_delta = fail;
    if (rule.warn_delta !== undefined || rule.fail_delta !== undefined) dimensions[row.key] = rule;
  }
  if (Object.keys(errors).length > 0) return { errors };
  return {
    policy: {
      dimensions,
      required_dimensions: form.rows.filter((r) => r.required).map((r) => r.key),
      require_scorecard_pass: form.requireScorecardPass,
    },
  };
}

/** The fields of a replay step the trajectory view reads. */
export interface TrajectoryStep {
  index: number;
  kind: string;
  case_key?: string | null;
  status: string;
  summary?: string | null;
  event_type: string;
}

/** One case's steps in both lanes; `rows[i]` holds each lane's i-th step. */
export interface AlignedCase<S extends TrajectoryStep> {
  caseKey: string;
  baseline: S[];
  candidate: S[];
  rows: { baseline: S | null; candidate: S | null }[];
}

/** Steps outside any case (sandbox set-up, lane-level events) are grouped under this key. */
export const NO_CASE = "";

function byCase<S extends TrajectoryStep>(steps: readonly S[]): Map<string, S[]> {
  const out = new Map<string, S[]>();
  for (const step of steps) {
    if (step.kind === "case") continue; // the case's own start and end: the group is the case
    const key = step.case_key ?? NO_CASE;
    out.set(key, [...(out.get(key) ?? []), step]);
  }
  return out;
}

/**
 * Both lanes' steps grouped by case, in `caseOrder` (the comparison's cases)
 * then any other case in order of appearance, lane-level steps last; each
 * case's steps paired by position so the lanes read side by side.
 */
export function alignByCase<S extends TrajectoryStep>(
  baseline: readonly S[],
  candidate: readonly S[],
  caseOrder: readonly string[],
): AlignedCase<S>[] {
  const b = byCase(baseline);
  const c = byCase(candidate);
  const keys = [...new Set([...caseOrder, ...b.keys(), ...c.keys()])].filter((k) => k !== NO_CASE);
  if (b.has(NO_CASE) || c.has(NO_CASE)) keys.push(NO_CASE);
  return keys.map((caseKey) => {
    const bs = b.get(caseKey) ?? [];
    const cs = c.get(caseKey) ?? [];
    const rows = Array.from({ length: Math.max(bs.length, cs.length) }, (_, i) => ({
      baseline: bs[i] ?? null,
      candidate: cs[i] ?? null,
    }));
    return { caseKey, baseline: bs, candidate: cs, rows };
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a `?baseline=`/`?candidate=` value can name a lane (a UUID). */
export function isLaneId(value: string | null | undefined): value is string {
  return typeof value === "string" && UUID.test(value);
}

/** The compare page of two lanes. */
export function compareHref(ws: string, baseline: string, candidate: string): string {
  const query = new URLSearchParams({ baseline, candidate });
  return `/w/${ws}/compare?${query.toString()}`;
}

/** A step of a lane's replay, opened. */
export function replayStepHref(ws: string, lane: Pick<CompareLane, "run_id" | "run_agent_id">, index: number): string {
  return `/w/${ws}/runs/${lane.run_id}/lanes/${lane.run_agent_id}?step=${index}`;
}
