import assert from "node:assert/strict";
import { test } from "node:test";
import {
  alignByCase,
  allDimensions,
  buildPolicy,
  caseChanged,
  compareHref,
  defaultPolicyForm,
  deltaTone,
  formatCi,
  formatDelta,
  formatP,
  formatScore,
  isLaneId,
  NO_CASE,
  pairedReading,
  replayStepHref,
  verdictLabel,
  verdictTone,
  type CaseComparison,
  type DimensionComparison,
  type PairedStats,
  type TrajectoryStep,
} from "./compare.js";

test("deltas read as signed percentage points, intervals and p-values too", () => {
  assert.equal(formatDelta(0.125), "+12.5 pp");
  assert.equal(formatDelta(-1 / 3), "−33.3 pp");
  assert.equal(formatDelta(0), "±0.0 pp");
  assert.equal(formatDelta(-0.00001), "±0.0 pp", "a rounding-level drop is no change");
  assert.equal(formatDelta(null), "—");
  assert.equal(formatDelta(Number.NaN), "—");
  assert.equal(formatCi([-2 / 3, 0]), "[−66.7, +0.0] pp");
  assert.equal(formatCi([0.05, 0.25]), "[+5.0, +25.0] pp");
  assert.equal(formatCi(null), "—");
  assert.equal(formatP(0.25), "0.250");
  assert.equal(formatP(0.0001), "< 0.001");
  assert.equal(formatP(1), "1.000");
  assert.equal(formatScore(2 / 3), "66.7%");
  assert.equal(formatScore(null), "—");
});

test("a gain is green, a drop red, no change neutral; verdicts have their colour and words", () => {
  assert.equal(deltaTone(0.1), "success");
  assert.equal(deltaTone(-0.1), "danger");
  assert.equal(deltaTone(1e-12), "neutral");
  assert.equal(deltaTone(null), "neutral");
  assert.equal(verdictTone("pass"), "success");
  assert.equal(verdictTone("warn"), "warning");
  assert.equal(verdictTone("fail"), "danger");
  assert.equal(verdictTone("insufficient_evidence"), "neutral");
  assert.equal(verdictTone("something new"), "neutral");
  assert.equal(verdictLabel("insufficient_evidence"), "insufficient evidence");
});

const stats = (over: Partial<PairedStats>): PairedStats => ({
  n: 3,
  mean_delta: 0,
  ci95: [0, 0],
  improved: 0,
  regressed: 0,
  ties: 3,
  sign_test_p: 1,
  ...over,
});

test("paired statistics call a change only when the interval leaves out zero", () => {
  assert.equal(pairedReading(stats({ ci95: [-0.6, -0.1] })), "worse");
  assert.equal(pairedReading(stats({ ci95: [0.1, 0.4] })), "better");
  assert.equal(pairedReading(stats({ ci95: [-2 / 3, 0] })), "unclear");
  assert.equal(pairedReading(stats({ n: 0, ci95: null })), "no evidence");
});

const kase = (over: Partial<CaseComparison>): CaseComparison => ({
  case_key: "k",
  baseline_passed: true,
  candidate_passed: true,
  baseline_score: 1,
  candidate_score: 1,
  delta: 0,
  flip: null,
  excluded: false,
  dimension_deltas: { correctness: 0 },
  ...over,
});

test("a case changed when it flipped, its score moved, or one lane lacks it", () => {
  assert.equal(caseChanged(kase({})), false);
  assert.equal(caseChanged(kase({ flip: "regression", candidate_passed: false, delta: -1 })), true);
  assert.equal(caseChanged(kase({ delta: -0.2 })), true);
  assert.equal(caseChanged(kase({ dimension_deltas: { speed: 0.3 } })), true);
  assert.equal(caseChanged(kase({ candidate_passed: null, candidate_score: null, delta: null, dimension_deltas: {} })), true);
});

test("dimensions list overall and pass rate first, without repeating them", () => {
  const dim = (key: string): DimensionComparison => ({ key, baseline: 1, candidate: 1, delta: 0, paired: stats({}) });
  const keys = allDimensions({ overall: dim("overall"), pass_rate: dim("pass_rate"), dimensions: [dim("correctness"), dim("overall")] }).map(
    (d) => d.key,
  );
  assert.deepEqual(keys, ["overall", "pass_rate", "correctness"]);
});

test("the gate form starts with the overall limits and a required scorecard pass, and builds that policy", () => {
  const form = defaultPolicyForm(["pass_rate", "correctness"]);
  assert.deepEqual(
    form.rows.map((r) => r.key),
    ["overall", "pass_rate", "correctness"],
  );
  assert.deepEqual(buildPolicy(form), {
    policy: {
      dimensions: { overall: { warn_delta: 0.02, fail_delta: 0.1 } },
      required_dimensions: ["overall"],
      require_scorecard_pass: true,
    },
  });
  const edited = {
    requireScorecardPass: false,
    rows: [
      { key: "overall", warn: "", fail: "0.05", required: false },
      { key: "correctness", warn: " 0.1 ", fail: "", required: true },
    ],
  };
  assert.deepEqual(buildPolicy(edited), {
    policy: {
      dimensions: { overall: { fail_delta: 0.05 }, correctness: { warn_delta: 0.1 } },
      required_dimensions: ["correctness"],
      require_scorecard_pass: false,
    },
  });
});

test("the gate form names each limit the API would refuse", () => {
  const result = buildPolicy({
    requireScorecardPass: true,
    rows: [
      { key: "overall", warn: "0.2", fail: "0.1", required: true },
      { key: "correctness", warn: "abc", fail: "1.5", required: false },
      { key: "speed", warn: "-0.1", fail: "1", required: false },
    ],
  });
  assert.ok("errors" in result);
  assert.deepEqual(Object.keys(result.errors).sort(), ["correctness.fail", "correctness.warn", "overall.warn", "speed.warn"]);
  assert.match(result.errors["overall.warn"] ?? "", /above the failing/);
});

const step = (index: number, case_key: string | null, kind = "tool_call"): TrajectoryStep => ({
  index,
  kind,
  case_key,
  status: "ok",
  summary: `step ${index}`,
  event_type: "tool.call.started",
});

test("both lanes' steps align by case in the comparison's order, pairing steps by position", () => {
  const baseline = [step(0, null, "sandbox"), step(1, "a", "case"), step(2, "a"), step(3, "b"), step(4, "a"), step(5, "b")];
  const candidate = [step(0, "b"), step(1, "a"), step(2, "c"), step(3, null, "other")];
  const aligned = alignByCase(baseline, candidate, ["b", "a"]);
  assert.deepEqual(
    aligned.map((c) => c.caseKey),
    ["b", "a", "c", NO_CASE],
  );
  const a = aligned[1];
  assert.deepEqual(a?.baseline.map((s) => s.index), [2, 4], "the case step itself is left out");
  assert.deepEqual(
    a?.rows.map((r) => [r.baseline?.index ?? null, r.candidate?.index ?? null]),
    [
      [2, 1],
      [4, null],
    ],
  );
  const c = aligned[2];
  assert.deepEqual(c?.rows.map((r) => [r.baseline, r.candidate?.index]), [[null, 2]]);
  const lane = aligned[3];
  assert.deepEqual(lane?.rows.map((r) => [r.baseline?.index, r.candidate?.index]), [[0, 3]]);
  assert.deepEqual(alignByCase([], [], ["x"]), [{ caseKey: "x", baseline: [], candidate: [], rows: [] }]);
});

test("lane ids in the address must be UUIDs; links carry both lanes and the step", () => {
  assert.equal(isLaneId("0191d2a4-5b6c-7d8e-9f00-112233445566"), true);
  assert.equal(isLaneId("not-a-lane"), false);
  assert.equal(isLaneId(null), false);
  assert.equal(compareHref("ws1", "b-id", "c-id"), "/w/ws1/compare?baseline=b-id&candidate=c-id");
  assert.equal(replayStepHref("ws1", { run_id: "r1", run_agent_id: "l1" }, 7), "/w/ws1/runs/r1/lanes/l1?step=7");
});
