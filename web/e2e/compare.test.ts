// The compare page in a real Chromium against the real local stack: a run of
// the demo pack with the correct and the buggy agent, then "Compare lanes"
// from the run page, the deltas, flips and paired statistics, a release gate
// that fails the buggy candidate, and both trajectories aligned by case.
// It works in a workspace of its own, so the other browser tests still find
// theirs empty.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { call, createDemoResources, createWorkspace, type DemoResources } from "./demo-resources.js";
import { checkPage, eventually, openSuitePage, settings, type PageProblem } from "./harness.js";

const RUN_TIMEOUT_MS = 180_000;

describe("compare page", { timeout: 600_000 }, () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems: PageProblem[] = [];
  let ws = "";
  let runId = "";
  let csrf = "";
  let demo: DemoResources;
  const lanes = { correct: "", buggy: "" };

  before(async () => {
    ({ browser, context, page } = await openSuitePage(problems));
  });

  after(async () => {
    await browser?.close();
  });

  it("runs the demo pack with the correct and the buggy agent in a workspace of its own", async () => {
    // The API's login sets the session cookie for the browser context too.
    const session = await call<{ csrf_token: string }>(context.request, "POST", "/v1/auth/login", null, {
      email: settings.email,
      password: settings.password,
    });
    csrf = session.csrf_token;
    ws = await createWorkspace(context.request, csrf, "e2e-compare", "E2E compare");
    demo = await createDemoResources(context.request, ws, csrf);
    runId = (
      await call<{ id: string }>(context.request, "POST", `/v1/workspaces/${ws}/runs`, csrf, {
        pack_version_id: demo.packVersionId,
        deployment_ids: [demo.deployments.correct, demo.deployments.buggy],
        name: "web e2e: compare",
      })
    ).id;
    const detail = await eventually(async () => {
      const d = await call<{ status: string; agents: { id: string; label: string }[] }>(context.request, "GET", `/v1/workspaces/${ws}/runs/${runId}`, null);
      assert.equal(d.status, "completed");
      return d;
    }, RUN_TIMEOUT_MS, "run completed");
    lanes.correct = detail.agents.find((a) => a.label === "rpn correct")?.id ?? "";
    lanes.buggy = detail.agents.find((a) => a.label === "rpn buggy")?.id ?? "";
    assert.ok(lanes.correct && lanes.buggy, "both lanes");
  });

  it("picks the two lanes from the run page's Compare lanes", async () => {
    await page.goto(`${settings.webUrl}/w/${ws}/runs/${runId}`);
    await page.getByRole("heading", { name: "web e2e: compare" }).waitFor();
    await page.getByRole("link", { name: "Compare lanes" }).click();
    await page.getByRole("heading", { name: "Compare lanes" }).waitFor();
    // Both sides start on the run; choose the correct agent as the baseline.
    assert.equal(await page.getByLabel("Baseline run").inputValue(), runId);
    assert.equal(await page.getByLabel("Candidate run").inputValue(), runId);
    await eventually(async () => assert.ok(await page.getByLabel("Candidate lane").isEnabled()), 15_000, "lanes loaded");
    await page.getByLabel("Baseline lane").selectOption(lanes.correct);
    await page.getByLabel("Candidate lane").selectOption(lanes.correct);
    await page.getByRole("alert").filter({ hasText: "Choose two different lanes." }).waitFor();
    assert.equal(await page.getByRole("button", { name: "Compare", exact: true }).isDisabled(), true, "one lane against itself is refused");
    await page.getByLabel("Candidate lane").selectOption(lanes.buggy);
    await checkPage(page, "30-compare-picker");
    await page.getByRole("button", { name: "Compare", exact: true }).click();
    await page.waitForURL(new RegExp(`/compare\\?baseline=${lanes.correct}&candidate=${lanes.buggy}$`));
  });

  it("shows the per-dimension deltas, the flips and the paired statistics", async () => {
    await page.getByRole("heading", { name: "Compare: rpn correct → rpn buggy" }).waitFor();
    assert.equal(await page.getByTestId("not-comparable").count(), 0, "same pack version and cases, both scored");
    assert.equal(await page.getByTestId("baseline-lane").getByTestId("lane-label").innerText(), "rpn correct");
    assert.equal(await page.getByTestId("candidate-lane").getByTestId("lane-label").innerText(), "rpn buggy");

    // The buggy agent floors where C truncates: it fails both negative cases the correct one passes.
    const flipped = ["negative-division", "negative-remainder"];
    for (const key of flipped) {
      const row = page.locator(`[data-testid=compare-case][data-case="${key}"]`);
      assert.equal(await row.getAttribute("data-flip"), "regression", key);
      assert.match(await row.innerText(), /passed[\s\S]*failed/, key);
      assert.match(await row.getByTestId("case-delta").innerText(), /^−\d+\.\d pp$/, key);
      assert.match(await row.innerText(), /decided by .*hidden_tests/, key);
    }
    const same = page.locator('[data-testid=compare-case][data-case="sum-and-product"]');
    assert.equal(await same.getAttribute("data-flip"), "none");
    assert.equal(await same.getByTestId("case-delta").innerText(), "±0.0 pp");
    assert.equal(await page.locator('[data-testid=compare-case][data-flip="improvement"]').count(), 0);
    assert.equal(await page.getByTestId("regression-count").innerText(), "2 regressed");
    assert.equal(await page.getByTestId("improvement-count").innerText(), "0 improved");
    // Cases that did not change are left out on request.
    const rows = page.locator("[data-testid=compare-case]");
    assert.equal(await rows.count(), 3, "every case listed");
    await page.getByLabel(/Only cases that changed/).check();
    await eventually(async () => assert.equal(await rows.count(), flipped.length), 5_000, "only the flipped cases");
    await page.getByLabel(/Only cases that changed/).uncheck();

    // Overall, pass rate and correctness dropped, with the paired statistics beside.
    for (const key of ["overall", "pass_rate", "correctness"]) {
      const row = page.locator(`[data-testid=dimension-row][data-dimension="${key}"]`);
      assert.match(await row.getByTestId("dimension-delta").innerText(), /^−\d+\.\d pp$/, `${key} delta`);
      assert.match(await row.getByTestId("dimension-ci").innerText(), /^\[[−+]\d+\.\d, [−+]\d+\.\d\] pp$/, `${key} CI`);
      assert.match(await row.getByTestId("dimension-p").innerText(), /^(\d\.\d{3}|< 0\.001)$/, `${key} p`);
    }
    const overall = await page.getByTestId("overall-delta").innerText();
    assert.match(overall, /\d+\.\d%[\s\S]*\d+\.\d%[\s\S]*−\d+\.\d pp/);
    assert.match(overall, /paired cases · 95% CI \[.*\] pp · sign test p \d\.\d{3}/);
  });

  it("evaluates a release gate: the buggy candidate fails", async () => {
    // A limit out of range is caught in the form, next to its field.
    const fail = page.getByLabel("Fail when overall drops by more than");
    assert.equal(await fail.inputValue(), "0.1");
    assert.equal(await page.getByLabel("Warn when overall drops by more than").inputValue(), "0.02");
    assert.equal(await page.getByLabel(/require scorecard pass/).isChecked(), true);
    await fail.fill("2");
    await page.getByRole("button", { name: "Evaluate gate" }).click();
    await page.getByRole("alert").filter({ hasText: "Fix the limits marked above." }).waitFor();
    assert.equal(await fail.getAttribute("aria-invalid"), "true");
    await fail.fill("0.1");

    // By keyboard: focus the button and press Enter.
    await page.getByRole("button", { name: "Evaluate gate" }).focus();
    await page.keyboard.press("Enter");
    const result = page.getByTestId("gate-result");
    await result.waitFor();
    assert.equal(await result.getAttribute("data-verdict"), "fail");
    assert.equal((await page.getByTestId("gate-verdict").innerText()).toLowerCase(), "fail");
    const scorecardPass = result.locator('[data-testid=gate-reason][data-rule="scorecard_pass"]');
    assert.equal(await scorecardPass.getAttribute("data-verdict"), "fail");
    assert.match(await scorecardPass.innerText(), /negative-division, negative-remainder|negative-remainder, negative-division/);
    const overallRule = result.locator('[data-testid=gate-reason][data-rule="delta"]');
    assert.equal(await overallRule.getAttribute("data-verdict"), "fail", "the overall drop is beyond 0.1");
    assert.match(await overallRule.innerText(), /overall: .*fail_delta 0\.100/);
    await checkPage(page, "31-compare-gate-fail");

    // The same lanes the other way round pass the same gate.
    await page.getByRole("link", { name: "Swap baseline and candidate" }).click();
    await page.getByRole("heading", { name: "Compare: rpn buggy → rpn correct" }).waitFor();
    await page.getByRole("button", { name: "Evaluate gate" }).click();
    await eventually(async () => assert.equal(await page.getByTestId("gate-result").getAttribute("data-verdict"), "pass"), 30_000, "swapped gate");
    assert.equal(await page.getByTestId("improvement-count").innerText(), "2 improved");
    await page.goBack();
    await page.getByRole("heading", { name: "Compare: rpn correct → rpn buggy" }).waitFor();
  });

  it("aligns both trajectories by case, each step linking to its replay", async () => {
    const flippedCase = page.locator('[data-testid=trajectory-case][data-case="negative-division"]');
    await flippedCase.waitFor();
    assert.equal(await flippedCase.getAttribute("open"), "", "the flipped case starts open");
    const steps = flippedCase.getByTestId("trajectory-step");
    await eventually(async () => assert.ok((await steps.count()) >= 2, "steps of both lanes"), 15_000, "steps");
    const hrefs = await steps.evaluateAll((els) => els.map((e) => e.getAttribute("href") ?? ""));
    assert.ok(hrefs.some((h) => h.includes(`/lanes/${lanes.correct}?step=`)), "a baseline step");
    assert.ok(hrefs.some((h) => h.includes(`/lanes/${lanes.buggy}?step=`)), "a candidate step");
    // A closed case opens by keyboard.
    const closedKey = (await page.locator("[data-testid=trajectory-case]:not([open])").first().getAttribute("data-case")) ?? "";
    const other = page.locator(`[data-testid=trajectory-case][data-case="${closedKey}"]`);
    assert.equal(await other.getAttribute("open"), null);
    await other.locator("summary").focus();
    await page.keyboard.press("Enter");
    await eventually(async () => assert.equal(await other.getAttribute("open"), ""), 5_000, "case opened");

    await checkPage(page, "32-compare-trajectories");

    // A step's link opens that step in the lane's replay.
    const candidateStep = flippedCase.locator(`a[data-testid=trajectory-step][href*="${lanes.buggy}"]`).first();
    const href = (await candidateStep.getAttribute("href")) ?? "";
    await candidateStep.click();
    await page.waitForURL((url) => `${url.pathname}${url.search}` === href);
    await page.getByRole("heading", { name: /Replay: rpn buggy/ }).waitFor();
    const index = /step=(\d+)/.exec(href)?.[1] ?? "";
    await eventually(
      async () => assert.equal(await page.locator(`#step-${index}`).getByRole("button").first().getAttribute("aria-expanded"), "true"),
      15_000,
      "linked step open",
    );
  });

  it("fits a laptop screen, and says what is wrong with a bad address or lane", async () => {
    await page.setViewportSize({ width: 1024, height: 700 });
    await page.goto(`${settings.webUrl}/w/${ws}/compare?baseline=${lanes.correct}&candidate=${lanes.buggy}`);
    await page.getByRole("heading", { name: "Compare: rpn correct → rpn buggy" }).waitFor();
    await page.getByTestId("trajectory-step").first().waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the compare page is ${overflow}px wider than the window`);
    await page.setViewportSize({ width: 1280, height: 900 });

    await page.goto(`${settings.webUrl}/w/${ws}/compare?baseline=nope&candidate=${lanes.buggy}`);
    await page.getByRole("alert").filter({ hasText: "does not name two lanes" }).waitFor();
    await page.getByLabel("Baseline run").waitFor();

    // A lane of no run in this workspace: the API's 404, named by field.
    const unknown = "00000000-0000-4000-8000-000000000000";
    await page.goto(`${settings.webUrl}/w/${ws}/compare?baseline=${unknown}&candidate=${lanes.buggy}`);
    await page.getByRole("alert").filter({ hasText: "Could not compare these lanes" }).waitFor();
    assert.match(await page.getByRole("alert").first().innerText(), /baseline/);
  });

  it("says why lanes that ran different cases are not comparable, and the gate lacks evidence", async () => {
    const partial = await call<{ id: string }>(context.request, "POST", `/v1/workspaces/${ws}/runs`, csrf, {
      pack_version_id: demo.packVersionId,
      deployment_ids: [demo.deployments.correct],
      case_keys: ["sum-and-product"],
      name: "web e2e: one case",
    });
    const lane = await eventually(async () => {
      const d = await call<{ status: string; agents: { id: string }[] }>(context.request, "GET", `/v1/workspaces/${ws}/runs/${partial.id}`, null);
      assert.equal(d.status, "completed");
      return d.agents[0]?.id ?? "";
    }, RUN_TIMEOUT_MS, "one-case run completed");
    await page.goto(`${settings.webUrl}/w/${ws}/compare?baseline=${lane}&candidate=${lanes.buggy}`);
    const notComparable = page.getByTestId("not-comparable");
    await notComparable.waitFor();
    const text = await notComparable.innerText();
    assert.match(text, /not comparable/);
    assert.match(text, /only in the candidate: negative-division, negative-remainder/);
    await page.getByRole("button", { name: "Evaluate gate" }).click();
    await eventually(
      async () => assert.equal(await page.getByTestId("gate-result").getAttribute("data-verdict"), "insufficient_evidence"),
      30_000,
      "gate without evidence",
    );
    assert.equal((await page.getByTestId("gate-verdict").innerText()).toLowerCase(), "insufficient evidence");
    await checkPage(page, "33-compare-not-comparable");
  });

  it("ticks two runs on the runs list to compare them, and filters runs by status on the server", async () => {
    await page.goto(`${settings.webUrl}/w/${ws}/runs`);
    const rows = page.locator("[data-testid=runs-table] tbody tr");
    await eventually(async () => assert.equal(await rows.count(), 2), 15_000, "both runs listed");
    const compare = page.getByRole("link", { name: "Compare selected runs" });
    await page.getByLabel("Select run web e2e: one case to compare").check();
    assert.equal(await compare.count(), 0, "one run is not enough");
    await page.getByLabel("Select run web e2e: compare to compare").check();
    await compare.click();
    await page.getByRole("heading", { name: "Compare lanes" }).waitFor();
    await eventually(async () => assert.ok(await page.getByLabel("Candidate lane").isEnabled()), 15_000, "lanes loaded");
    assert.equal(await page.getByLabel("Candidate run").inputValue(), runId, "ticked second: the candidate");
    assert.notEqual(await page.getByLabel("Baseline run").inputValue(), runId);

    await page.goto(`${settings.webUrl}/w/${ws}/runs`);
    await eventually(async () => assert.equal(await rows.count(), 2), 15_000, "both runs listed");
    await page.getByLabel("Status", { exact: true }).selectOption("failed");
    await page.getByText("No run on this page matches the filters").waitFor();
    await page.getByLabel("Status", { exact: true }).selectOption("completed");
    await eventually(async () => assert.equal(await rows.count(), 2), 15_000, "completed runs listed");
    await checkPage(page, "34-runs-compare-selection");
  });

  it("logged no console error in any page", () => {
    // The deliberate unknown lane answers 404: the browser logs it as a failed load.
    const unexpected = problems.filter((p) => !(p.text.includes("status of 404") && p.text.includes("/compare?baseline=00000000")));
    assert.deepEqual(unexpected, []);
  });
});
