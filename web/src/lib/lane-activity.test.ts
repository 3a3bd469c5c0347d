import assert from "node:assert/strict";
import { test } from "node:test";
import { elapsedMs, emptyLaneActivity, foldLaneEvent, foldRunEvents, type RunEvent } from "./lane-activity.js";

let seq = 0;
function event(type: string, fields: Partial<RunEvent> = {}): RunEvent {
  return {
    event_id: `e${seq}`,
    run_id: "run",
    run_agent_id: "lane-a",
    sequence: seq++,
    type,
    occurred_at: `2026-01-01T00:00:0${Math.min(seq, 9)}Z`,
    recorded_at: "2026-01-01T00:00:10Z",
    payload: {},
    ...fields,
  };
}

test("a lane's case, step, tool call and tokens follow its events", () => {
  seq = 0;
  const events = [
    event("system.case.started", { case_key: "c1" }),
    event("model.call.completed", { case_key: "c1", step: 1, payload: { usage: { input_tokens: 100, output_tokens: 20 } } }),
    event("tool.call.started", { case_key: "c1", step: 1, payload: { name: "write_file" } }),
  ];
  let lane = events.reduce(foldLaneEvent, emptyLaneActivity);
  assert.equal(lane.currentCase, "c1");
  assert.equal(lane.currentStep, 1);
  assert.deepEqual(lane.lastToolCall, { name: "write_file", ok: null, caseKey: "c1", step: 1 });
  assert.deepEqual(lane.activeCases, ["c1"]);

  lane = foldLaneEvent(lane, event("tool.call.completed", { case_key: "c1", step: 1, payload: { name: "write_file", is_error: true } }));
  assert.equal(lane.lastToolCall?.ok, false, "a failed tool call shows as failed");
  lane = foldLaneEvent(lane, event("model.call.completed", { case_key: "c1", step: 2, payload: { usage: { input_tokens: 5, output_tokens: 1 } } }));
  lane = foldLaneEvent(lane, event("system.case.completed", { case_key: "c1" }));
  assert.equal(lane.inputTokens, 105);
  assert.equal(lane.outputTokens, 21);
  assert.equal(lane.casesStarted, 1);
  assert.equal(lane.casesFinished, 1);
  assert.deepEqual(lane.activeCases, []);
  assert.equal(lane.events, 6);
});

test("a tool call the model asked for shows as running before its own events arrive", () => {
  seq = 0;
  const lane = foldLaneEvent(
    emptyLaneActivity,
    event("model.call.completed", {
      case_key: "c1",
      step: 2,
      payload: { tool_calls: [{ name: "write_file" }, { name: "run_tests" }], usage: { input_tokens: 1, output_tokens: 1 } },
    }),
  );
  assert.deepEqual(lane.lastToolCall, { name: "run_tests", ok: null, caseKey: "c1", step: 2 });
  const done = foldLaneEvent(lane, event("tool.call.completed", { case_key: "c1", step: 2, payload: { name: "run_tests", is_error: false } }));
  assert.equal(done.lastToolCall?.ok, true);
  const answered = foldLaneEvent(done, event("model.call.completed", { payload: { tool_calls: [] } }));
  assert.equal(answered.lastToolCall, done.lastToolCall, "a reply without tool calls keeps the last one");
});

test("a repeated or older sequence is ignored, so a resumed stream never double-counts", () => {
  seq = 0;
  const usage = event("model.call.completed", { payload: { usage: { input_tokens: 7, output_tokens: 3 } } });
  const once = foldLaneEvent(emptyLaneActivity, usage);
  assert.equal(foldLaneEvent(once, usage), once);
  assert.equal(foldLaneEvent(once, { ...usage, sequence: usage.sequence - 1 }), once);
  assert.equal(once.inputTokens, 7);
});

test("malformed payloads do not break the fold", () => {
  seq = 0;
  const lane = [
    event("model.call.completed", { payload: { usage: { input_tokens: "many" } } }),
    event("tool.call.started", { payload: { name: 42 } }),
  ].reduce(foldLaneEvent, emptyLaneActivity);
  assert.equal(lane.inputTokens, 0);
  assert.equal(lane.lastToolCall?.name, "tool");
});

test("events are routed to their lanes and run-level events are skipped", () => {
  seq = 0;
  const state = foldRunEvents({}, [
    event("system.case.started", { run_agent_id: "lane-a", case_key: "x" }),
    event("system.case.started", { run_agent_id: "lane-b", case_key: "y" }),
    event("run.note", { run_agent_id: null }),
  ]);
  assert.deepEqual(Object.keys(state).sort(), ["lane-a", "lane-b"]);
  assert.equal(state["lane-a"]?.currentCase, "x");
  assert.equal(state["lane-b"]?.currentCase, "y");
  assert.equal(foldRunEvents(state, []), state, "no events: the same object, no re-render");
});

test("elapsed time is never negative", () => {
  assert.equal(elapsedMs("2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z"), 60_000);
  assert.equal(elapsedMs("2026-01-01T00:01:00Z", "2026-01-01T00:00:00Z"), 0);
  assert.equal(elapsedMs(null, "2026-01-01T00:00:00Z"), 0);
});
