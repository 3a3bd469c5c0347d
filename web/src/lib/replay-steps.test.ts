import assert from "node:assert/strict";
import { test } from "node:test";
import { artifactRefs, caseKeys, filterSteps, requestedStep, textBlocks, type StepLike } from "./replay-steps.js";

const step = (index: number, kind: string, caseKey: string | null, first: number, last: number): StepLike => ({
  index, kind, case_key: caseKey, event_type: kind, first_sequence: first, last_sequence: last,
});

test("filters keep the chosen kinds of the chosen case", () => {
  const steps = [step(0, "case", "a", 0, 0), step(1, "model_call", "a", 1, 3), step(2, "tool_call", "b", 2, 4), step(3, "tool_call", "a", 5, 6)];
  assert.equal(filterSteps(steps, { kinds: new Set(), caseKey: null }).length, 4);
  assert.deepEqual(filterSteps(steps, { kinds: new Set(["tool_call"]), caseKey: null }).map((s) => s.index), [2, 3]);
  assert.deepEqual(filterSteps(steps, { kinds: new Set(["tool_call"]), caseKey: "a" }).map((s) => s.index), [3]);
  assert.deepEqual(caseKeys(steps), ["a", "b"]);
});

test("the requested step comes from ?step=N or #step-N", () => {
  assert.equal(requestedStep("?step=12", ""), 12);
  assert.equal(requestedStep("", "#step-7"), 7);
  assert.equal(requestedStep("?step=3", "#step-7"), 3);
  assert.equal(requestedStep("?step=-1", ""), null);
  assert.equal(requestedStep("?step=abc", ""), null);
  assert.equal(requestedStep("", ""), null);
});

test("artifacts referenced by a step's payloads are found with their place", () => {
  const sha = "a".repeat(64);
  const refs = artifactRefs({
    input: { name: "exec" },
    output: { stdout: { artifact: { sha256: sha, size: 40000, media_type: "text/plain" }, preview: "…" }, files: [{ artifact_sha256: "b".repeat(64) }], bad: { artifact: { sha256: "nope" } } },
  });
  assert.deepEqual(refs.map((r) => [r.path, r.sha256.slice(0, 1), r.size]), [["output.stdout", "a", 40000], ["output.files[0]", "b", null]]);
  assert.deepEqual(textBlocks({ stdout: "ok\n", stderr: "", exit_code: 0 }), [{ label: "stdout", text: "ok\n" }]);
  assert.deepEqual(textBlocks({ name: "write_file", arguments: { path: "a.py", content: "def f():\n  pass\n" } }), [
    { label: "arguments.content", text: "def f():\n  pass\n" },
  ]);
  assert.deepEqual(textBlocks({ result: { written: true, path: "/workspace/a.py" } }), []);
  assert.deepEqual(textBlocks(["stdout"]), []);
});
