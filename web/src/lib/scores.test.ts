import assert from "node:assert/strict";
import { test } from "node:test";
import { caseVerdicts, groupFailures, isNotScored, labelLanes, percent, sortRanking, type RankingRow } from "./scores.js";

function row(rank: number, label: string, overall: number | null, dims: Record<string, number | null> = {}): RankingRow {
  return { rank, lane_id: `id-${label}`, label, overall, correctness: overall, reliability: 1, pass_rate: overall, degraded: false, dimensions: dims };
}

test("the ranking sorts by any column, missing values last, ties in rank order", () => {
  const rows = [row(1, "a", 0.9, { speed: 0.2 }), row(2, "b", 0.5, { speed: 0.8 }), row(3, "c", null, { speed: 0.8 })];
  assert.deepEqual(sortRanking(rows, "overall", "asc").map((r) => r.label), ["b", "a", "c"]);
  assert.deepEqual(sortRanking(rows, "overall", "desc").map((r) => r.label), ["a", "b", "c"]);
  assert.deepEqual(sortRanking(rows, "dim:speed", "desc").map((r) => r.label), ["b", "c", "a"]);
  assert.deepEqual(sortRanking(rows, "dim:missing", "asc").map((r) => r.label), ["a", "b", "c"]);
  assert.deepEqual(sortRanking(rows, "rank", "desc").map((r) => r.label), ["c", "b", "a"]);
});

test("the why text names lanes by label, and a 202 body is told apart from scores", () => {
  const labels = new Map([["0190-aaaa", "rpn correct"], ["0190-bbbb", "rpn buggy"]]);
  assert.equal(labelLanes("0190-aaaa beat 0190-bbbb; 0190-aaaa passed 3", labels), "rpn correct beat rpn buggy; rpn correct passed 3");
  assert.equal(isNotScored({ status: "running", message: "not scored yet" }), true);
  assert.equal(isNotScored({ entries: [], outcome: { kind: "no_lanes" }, status: "x", message: "y" }), false);
  assert.equal(isNotScored(null), false);
  assert.equal(percent(0.875), "87.5%");
  assert.equal(percent(null), "—");
});

test("failures group by taxonomy class, most frequent first", () => {
  const f = (cls: string | number, c: string) => ({ case_key: c, failure: { class: cls } });
  const groups = groupFailures([f("timeout_or_budget", "a"), f("incorrect_output", "b"), f("incorrect_output", "c"), f(7, "d")]);
  assert.deepEqual(
    groups.map((g) => [g.cls, g.items.map((i) => i.case_key)]),
    [["incorrect_output", ["b", "c"]], ["timeout_or_budget", ["a"]], ["unclassified", ["d"]]],
  );
});

test("a case's verdicts come from its full score, else its scoring event, else the summary's states", () => {
  const summary = { case_key: "c", passed: false, overall_score: 0, infrastructure: false, validators: { exact: "fail" }, dimensions: {} };
  assert.deepEqual(caseVerdicts(summary, null, null), [{ key: "exact", state: "fail", score: null }]);
  const fromEvent = caseVerdicts(summary, null, { verdicts: [{ key: "exact", state: "fail", score: 0 }, { nope: 1 }] });
  assert.deepEqual(fromEvent.map((v) => [v.key, v.state, v.score, v.reason]), [["exact", "fail", 0, null]]);
  const full = caseVerdicts(
    summary,
    {
      verdicts: [
        {
          key: "exact",
          type: "exact_match",
          state: "fail",
          score: 0,
          reason: "expected -3, got -4",
          evidence: [{ role: "actual", reference: "final_output", value: "-4", event_id: "e9" }],
          event_id: "e9",
        },
      ],
      judges: { tone: { state: "available", score: 0.5, reason: "2 of 4 votes", samples: [{ model: "m", sample: 0, error: "x" }, { model: "m", sample: 1, event_id: "j1" }] } },
    },
    { verdicts: [{ key: "ignored", state: "pass" }] },
  );
  assert.deepEqual(full.map((v) => [v.key, v.type, v.state, v.score, v.reason, v.event_id]), [
    ["exact", "exact_match", "fail", 0, "expected -3, got -4", "e9"],
    ["tone", "llm_judge", "available", 0.5, "2 of 4 votes", "j1"],
  ]);
  assert.equal(full[0]?.evidence?.[0]?.value, "-4");
});
