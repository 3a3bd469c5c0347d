// The web app in a real Chromium against the real local stack (started by
// scripts/web-test): sign in, start a run, watch its lanes live, read the
// cases and a lane's replay, cancel a slow run, switch workspace, sign out.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { call, createDemoResources, type DemoResources } from "./demo-resources.js";
import { eventually, launchBrowser, screenshot, settings, watchConsole, type PageProblem } from "./harness.js";

const RUN_TIMEOUT_MS = 180_000;

describe("AgentClash web app", { timeout: 600_000 }, () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems: PageProblem[] = [];
  let ws = "";
  let csrf = "";
  let demo: DemoResources;
  let runId = "";

  before(async () => {
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    // Generous: the machine may be busy (make test runs the Rust suites too).
    context.setDefaultTimeout(60_000);
    context.setDefaultNavigationTimeout(60_000);
    page = await context.newPage();
    watchConsole(page, problems);
  });

  after(async () => {
    await browser?.close();
  });

  const laneCard = (label: string) => page.getByRole("region", { name: label, exact: true });

  it("sends a signed-out visitor to sign in, rejects a wrong password, signs in by keyboard", async () => {
    await page.goto(settings.webUrl);
    await page.waitForURL(/\/login/);
    const submit = page.getByRole("button", { name: "Sign in" });
    const interactive = () =>
      eventually(async () => assert.ok(await submit.isEnabled()), 30_000, "sign-in form interactive");
    await interactive();
    await screenshot(page, "01-sign-in");

    await page.getByLabel("Email").fill(settings.email);
    await page.getByLabel("Password").fill("not the password");
    await submit.click();
    await page.getByRole("alert").filter({ hasText: "Wrong email or password." }).waitFor();

    // By keyboard: type the email, Tab to the password, Enter submits.
    await page.reload();
    await interactive();
    await page.getByLabel("Email").focus();
    await page.keyboard.type(settings.email);
    await page.keyboard.press("Tab");
    await page.keyboard.type(settings.password);
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/w\/[^/]+\/runs$/);
    ws = /\/w\/([^/]+)\/runs$/.exec(page.url())?.[1] ?? "";
    await page.getByText("No runs yet").waitFor();
    await screenshot(page, "02-runs-empty");
  });

  it("creates the demo's pack, agent and deployments through the API with the session", async () => {
    const session = await call<{ csrf_token: string }>(context.request, "GET", "/v1/auth/session", null);
    csrf = session.csrf_token;
    // A write without the CSRF token is refused even with the cookie.
    const refused = await context.request.post(new URL(`/v1/workspaces/${ws}/agent-builds`, settings.webUrl).toString(), {
      data: { name: "no csrf" },
    });
    assert.equal(refused.status(), 403);
    demo = await createDemoResources(context.request, ws, csrf);
  });

  it("starts a run from the UI and shows both lanes completing live", async () => {
    await page.getByRole("link", { name: "New run" }).first().click();
    await page.getByRole("heading", { name: "New run" }).waitFor();
    await page.getByLabel("Challenge pack").waitFor();
    await eventually(async () => assert.ok(await page.getByLabel("Version").isEnabled()), 10_000, "versions loaded");
    await page.getByRole("checkbox", { name: /rpn correct/ }).check();
    await page.getByRole("checkbox", { name: /rpn buggy/ }).check();
    await page.getByLabel("Name (optional)").fill("web e2e: rpn calculator");
    await screenshot(page, "03-new-run");
    await page.getByRole("button", { name: "Start run" }).click();
    await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
    runId = page.url().split("/").pop() ?? "";
    await page.getByRole("heading", { name: "web e2e: rpn calculator" }).waitFor();

    for (const label of ["rpn correct", "rpn buggy"]) {
      const card = laneCard(label);
      await eventually(
        async () => assert.equal(await card.getAttribute("data-status"), "completed"),
        RUN_TIMEOUT_MS,
        `lane ${label} completed`,
      );
      // Everything below comes from the event stream, not from polling.
      await eventually(async () => {
        assert.equal(await card.getByTestId("lane-cases").innerText(), "3 / 3");
        assert.match(await card.getByTestId("lane-tool").innerText(), /submit ok/);
      }, 15_000, `lane ${label} activity`);
      const tokens = await card.getByTestId("lane-tokens").innerText();
      assert.match(tokens, /^[1-9][\d,]* \/ [1-9][\d,]*$/, `lane ${label} counted tokens: ${tokens}`);
      assert.notEqual(await card.getByTestId("lane-elapsed").innerText(), "—");
    }
    await eventually(async () => {
      assert.equal(await page.getByTestId("stream-status").getAttribute("data-stream"), "ended");
      assert.equal(await page.getByTestId("run-status").getAttribute("data-status"), "completed");
    }, 30_000, "run completed and stream ended");
    assert.equal(await page.getByRole("button", { name: "Cancel run" }).count(), 0, "no cancel on a finished run");
    await screenshot(page, "04-run-completed");
  });

  it("shows each lane's answers in the cases table: -3 against -4", async () => {
    const output = (lane: string, caseKey: string) =>
      page.locator(`[data-testid=cases-table] tr[data-case="${caseKey}"][data-lane="${lane}"] [data-testid=final-output]`);
    await eventually(async () => {
      assert.equal((await output("rpn correct", "negative-division").innerText()).trim(), "-3");
      assert.equal((await output("rpn buggy", "negative-division").innerText()).trim(), "-4");
      assert.equal((await output("rpn correct", "sum-and-product").innerText()).trim(), "14");
    }, 15_000, "case outputs");
    const row = page.locator('[data-testid=cases-table] tr[data-case="negative-division"][data-lane="rpn buggy"]');
    assert.match(await row.innerText(), /completed\s+submitted/);
    await page.getByRole("heading", { name: "Cases" }).scrollIntoViewIfNeeded();
    await screenshot(page, "05-run-cases");
  });

  it("opens a lane's replay and a tool call's detail, and deep-links a step", async () => {
    await page.getByRole("link", { name: "Replay of rpn correct" }).click();
    await page.getByRole("heading", { name: /Replay: rpn correct/ }).waitFor();
    const toolStep = page.locator('[data-testid=replay-step][data-kind="tool_call"]').first();
    await toolStep.waitFor();
    const toggle = toolStep.getByRole("button");
    assert.equal(await toggle.getAttribute("aria-expanded"), "false");
    await toggle.click();
    assert.equal(await toggle.getAttribute("aria-expanded"), "true");
    const detail = await toolStep.innerText();
    assert.match(detail, /write_file/);
    assert.match(detail, /INPUT/i);
    await screenshot(page, "06-replay-tool-call");

    const index = (await toolStep.getAttribute("id")) ?? "";
    await page.goto(`${page.url().split("#")[0]}#${index}`);
    await page.reload();
    await eventually(
      async () => assert.equal(await page.locator(`#${index}`).getByRole("button").first().getAttribute("aria-expanded"), "true"),
      15_000,
      "deep-linked step open",
    );
  });

  it("lists the run with its status and lanes", async () => {
    await page.getByRole("link", { name: "Runs", exact: true }).click();
    const row = page.locator(`[data-testid=runs-table] tr[data-run-id="${runId}"]`);
    await row.waitFor();
    await eventually(async () => {
      const text = await row.innerText();
      assert.match(text, /web e2e: rpn calculator/);
      assert.match(text, /rpn correct/);
      assert.match(text, /rpn buggy/);
      assert.equal(await row.getByTestId("run-status").getAttribute("data-status"), "completed");
    }, 15_000, "run row");
    await screenshot(page, "07-runs-list");
  });

  it("shows a busy lane's tool call while it runs, and cancels the run", async () => {
    const run = await call<{ id: string }>(context.request, "POST", `/v1/workspaces/${ws}/runs`, csrf, {
      pack_version_id: demo.packVersionId,
      deployment_ids: [demo.deployments.slow],
      case_keys: ["sum-and-product"],
      name: "web e2e: slow lane",
    });
    await page.goto(`${settings.webUrl}/w/${ws}/runs/${run.id}`);
    const card = laneCard("rpn slow");
    await eventually(async () => {
      assert.equal(await card.getByTestId("lane-tool").locator("[data-tool-state]").getAttribute("data-tool-state"), "running");
      assert.match(await card.getByTestId("lane-tool").innerText(), /run_tests \(running\)/);
      assert.equal(await page.getByTestId("stream-status").getAttribute("data-stream"), "live");
      assert.equal(await card.getAttribute("data-status"), "executing");
      assert.match(await card.getByTestId("lane-step").innerText(), /sum-and-product · step 1/);
    }, 60_000, "the running tool call streamed in");
    assert.equal(await page.getByTestId("run-status").getAttribute("data-status"), "running");
    await screenshot(page, "08-run-live");

    await page.getByRole("button", { name: "Cancel run" }).click();
    await eventually(
      async () => assert.equal(await page.getByTestId("run-status").getAttribute("data-status"), "cancelled"),
      90_000,
      "run cancelled",
    );
    await eventually(
      async () => assert.equal(await page.getByTestId("stream-status").getAttribute("data-stream"), "ended"),
      30_000,
      "stream ended after cancel",
    );
    await eventually(
      async () => assert.match(await page.locator("[data-testid=cases-table] tbody tr").first().innerText(), /cancelled/),
      15_000,
      "case shown cancelled",
    );
    await eventually(
      async () => assert.match(await card.getByTestId("lane-tool").innerText(), /run_tests \(did not finish\)/),
      15_000,
      "the interrupted tool call is not shown as running",
    );
    await screenshot(page, "09-run-cancelled");
  });

  it("pages through the runs by cursor", async () => {
    await page.goto(`${settings.webUrl}/w/${ws}/runs?limit=1`);
    const rows = page.locator("[data-testid=runs-table] tbody tr");
    const newer = page.getByRole("button", { name: "Newer" });
    const older = page.getByRole("button", { name: "Older" });
    await eventually(async () => {
      assert.equal(await rows.count(), 1);
      assert.match(await rows.first().innerText(), /web e2e: slow lane/);
    }, 15_000, "first page");
    assert.ok(await newer.isDisabled());
    await older.click();
    await eventually(async () => assert.match(await rows.first().innerText(), /web e2e: rpn calculator/), 15_000, "second page");
    assert.equal(await rows.count(), 1);
    await newer.click();
    await eventually(async () => assert.match(await rows.first().innerText(), /web e2e: slow lane/), 15_000, "back to the first page");
  });

  it("switches workspace with the switcher", async () => {
    const orgs = await call<{ items: { id: string }[] }>(context.request, "GET", "/v1/organizations", null);
    const org = orgs.items[0]?.id;
    assert.ok(org, "the admin belongs to an organization");
    const second = await call<{ id: string }>(context.request, "POST", "/v1/workspaces", csrf, {
      organization_id: org,
      slug: "e2e-second",
      name: "E2E second",
    });
    await page.goto(`${settings.webUrl}/w/${ws}/runs`);
    const switcher = page.getByLabel("Workspace");
    await eventually(async () => assert.ok(await switcher.isEnabled()), 15_000, "workspaces loaded");
    await switcher.selectOption({ label: "E2E second" });
    await page.waitForURL(new RegExp(`/w/${second.id}/runs$`));
    await page.getByText("No runs yet").waitFor();
    await screenshot(page, "10-workspace-switched");
    // The home page reopens the workspace used last.
    await page.goto(settings.webUrl);
    await page.waitForURL(new RegExp(`/w/${second.id}/runs$`));
  });

  it("signs out, after which workspace pages send to sign in", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/login/);
    await page.goto(`${settings.webUrl}/w/${ws}/runs`);
    await page.waitForURL(/\/login\?next=/);
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    const session = await context.request.get(new URL("/v1/auth/session", settings.webUrl).toString());
    assert.equal(session.status(), 401, "the session is gone on the server too");
    await screenshot(page, "11-signed-out");
  });

  it("logged no console error in any page", () => {
    assert.deepEqual(problems, []);
  });
});
