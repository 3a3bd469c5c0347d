import assert from "node:assert/strict";
import { test } from "node:test";
import { describeDiagnostic, diagnosticsByLine, diagnosticsOfDetails, parseDiagnostics } from "./diagnostics.js";

test("a refused publish's details become diagnostics keyed by line", () => {
  const details = {
    diagnostics: [
      { severity: "error", path: "version.number", line: 4, column: 11, message: "must be at least 1", suggestion: null },
      { severity: "warning", path: "pack.nmae", line: 2, column: 3, message: "is not a known key", suggestion: "name" },
      { severity: "error", path: "assets[0]", line: null, column: null, message: "names no artifact" },
      "garbage",
    ],
  };
  const list = diagnosticsOfDetails(details);
  assert.equal(list.length, 3);
  const byLine = diagnosticsByLine(list);
  assert.deepEqual([...byLine.keys()].sort(), [2, 4]);
  assert.equal(byLine.get(4)?.[0]?.path, "version.number");
  assert.equal(describeDiagnostic(list[1]!), "line 2, column 3: pack.nmae: is not a known key (did you mean `name`?)");
  assert.equal(describeDiagnostic(list[2]!), "assets[0]: names no artifact");
  assert.deepEqual(diagnosticsOfDetails(null), []);
  assert.deepEqual(parseDiagnostics({}), []);
});
