// The web app in a real Chromium against the real local stack (started by
// scripts/web-test): sign in, start a run, watch its lanes live, read the
// cases and a lane's replay, cancel a slow run, switch workspace, sign out.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { call, createDemoResources, createWorkspace, type DemoResources } from "./demo-resources.js";
import { checkPage, eventually, openSuitePage, screenshot, settings, type PageProblem } from "./harness.js";
import { seedLaneEvents } from "./seed-events.js";

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
    ({ browser, context, page } = await openSuitePage(problems));
  });

  after(async () => {
    await browser?.close();
  });


  /** Waits for a run started through the API to complete; its first lane's id. */
  const completedLane = async (id: string): Promise<string> => {
    const detail = await eventually(async () => {
      const d = await call<{ status: string; agents: { id: string }[] }>(context.request, "GET", `/v1/workspaces/${ws}/runs/${id}`, null);
      assert.equal(d.status, "completed");
      return d;
    }, RUN_TIMEOUT_MS, `run ${id} completed`);
    return detail.agents[0]?.id ?? "";
  };

  const laneCard = (label: string) => page.getByRole("region", { name: label, exact: true });

  it("sends a signed-out visitor to sign in, rejects a wrong password, signs in by keyboard", async () => {
    await page.goto(settings.webUrl);
    await page.waitForURL(/\/login/);
    const submit = page.getByRole("button", { name: "Sign in" });
    const interactive = () =>
      eventually(async () => assert.ok(await submit.isEnabled()), 30_000, "sign-in form interactive");
    await interactive();
    await checkPage(page, "01-sign-in");

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
    await checkPage(page, "02-runs-empty");
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
    await checkPage(page, "03-new-run");
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
    // The ranking: the correct lane wins, and the page says why in lane labels.
    const ranking = page.getByTestId("ranking-table");
    await eventually(async () => {
      assert.match(await ranking.locator('tr[data-lane="rpn correct"]').innerText(), /winner/);
      assert.match(await page.getByTestId("why").innerText(), /rpn correct/);
    }, 30_000, "ranking shown");
    assert.equal(await page.getByTestId("chart").count(), 2, "score and latency charts");
    // Sorting by overall ascending puts the loser first; the header says so.
    const overall = ranking.getByRole("button", { name: /Overall/ });
    await overall.click();
    await overall.click();
    assert.equal(await ranking.locator("th").filter({ has: page.getByRole("button", { name: /Overall/ }) }).getAttribute("aria-sort"), "ascending");
    assert.equal(await ranking.locator("tbody tr").first().getAttribute("data-lane"), "rpn buggy");
    await eventually(async () => assert.match(await page.getByTestId("failures").innerText(), /rpn buggy · negative-division/), 15_000, "failures by class");
    await checkPage(page, "04-run-completed");
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
    // The timeline is virtualised: only rows near the viewport exist, and the
    // lane's first tool call may sit below the first screen (lane and case
    // steps of three parallel cases come first), so scroll until it renders.
    const timeline = page.getByTestId("replay-timeline");
    await timeline.waitFor();
    await eventually(async () => {
      if ((await toolStep.count()) === 0) await timeline.evaluate((el) => el.scrollBy(0, el.clientHeight / 2));
      assert.ok((await toolStep.count()) > 0, "a tool call rendered");
    }, 60_000, "a tool-call step");
    await toolStep.scrollIntoViewIfNeeded();
    const toggle = toolStep.getByRole("button");
    assert.equal(await toggle.getAttribute("aria-expanded"), "false");
    await toggle.click();
    assert.equal(await toggle.getAttribute("aria-expanded"), "true");
    const detail = await toolStep.innerText();
    assert.match(detail, /write_file/);
    assert.match(detail, /INPUT/i);

    assert.match(page.url(), /\?step=\d+$/, "opening a step puts it in the address");
    await checkPage(page, "06-replay-tool-call");

    const index = (await toolStep.getAttribute("id")) ?? "";
    const laneUrl = page.url().split("?")[0] ?? "";
    await page.goto(`${laneUrl}?step=${index.replace("step-", "")}`);
    await eventually(
      async () => assert.equal(await page.locator(`#${index}`).getByRole("button").first().getAttribute("aria-expanded"), "true"),
      15_000,
      "deep-linked step open",
    );
    // Filtering by kind leaves only that kind.
    await page.getByRole("checkbox", { name: "Tool calls" }).check();
    await eventually(async () => {
      const kinds = await page.locator("[data-testid=replay-step]").evaluateAll((els) => els.map((e) => e.getAttribute("data-kind")));
      assert.ok(kinds.length > 0 && kinds.every((k) => k === "tool_call"), kinds.join(","));
    }, 10_000, "filtered to tool calls");
  });

  it("opens a lane's scorecard and follows a verdict's view in replay", async () => {
    await page.goto(`${settings.webUrl}/w/${ws}/runs/${runId}`);
    await page.getByRole("link", { name: "Scorecard of rpn buggy" }).first().click();
    await page.getByRole("heading", { name: /Scorecard: rpn buggy/ }).waitFor();
    const failedCase = page.locator('[data-testid=scorecard-case][data-case="negative-division"]');
    await eventually(async () => {
      assert.equal(await failedCase.getByTestId("case-result").innerText(), "failed");
      assert.ok((await failedCase.locator('[data-testid=verdict][data-state="fail"]').count()) > 0, "a failing verdict");
    }, 30_000, "scorecard verdicts");
    assert.match(await page.getByTestId("overall").innerText(), /%$/);
    await checkPage(page, "12-scorecard");

    const verdict = failedCase.locator('[data-testid=verdict][data-state="fail"]').first();
    const key = (await verdict.getAttribute("data-validator")) ?? "";
    // Every verdict comes with its reason (and evidence when the validator read any).
    assert.notEqual((await verdict.locator("td").nth(3).innerText()).trim(), "—", "the failing verdict has a reason");
    await verdict.getByRole("link", { name: `View ${key} of negative-division in replay` }).click();
    const step = await eventually(async () => {
      const found = /\/lanes\/[0-9a-f-]{36}\?step=(\d+)$/.exec(page.url())?.[1];
      assert.ok(found, `replay URL with ?step=: ${page.url()}`);
      return found;
    }, 30_000, "the event resolved to a step");
    const opened = page.locator(`#step-${step}`);
    await eventually(async () => {
      assert.equal(await opened.getByRole("button").first().getAttribute("aria-expanded"), "true");
      assert.match(await opened.innerText(), /negative-division/);
    }, 15_000, "the producing step is open");
    await screenshot(page, "13-scorecard-to-replay");
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
      assert.match(text, /RPN Calculator v1/, "the pack and version");
      assert.equal(await row.getByTestId("winner").innerText(), "rpn correct");
    }, 15_000, "run row");
    await checkPage(page, "07-runs-list");
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
    await checkPage(page, "08-run-live");

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

  it("publishes a pack with an error and shows the error at its line", async () => {
    await page.goto(`${settings.webUrl}/w/${ws}/packs`);
    await page.locator('[data-testid=packs-table] tr[data-slug="rpn-calculator"]').waitFor();
    await checkPage(page, "14-packs");
    await page.getByRole("link", { name: "RPN Calculator" }).click();
    await page.getByRole("link", { name: "Version 1" }).click();
    await page.getByTestId("source-view").getByText("slug: rpn-calculator").waitFor();
    await checkPage(page, "15-pack-version-yaml");

    const source = readFileSync(path.join(settings.repo, "examples/packs/rpn-calculator.yaml"), "utf8");
    const broken = source.replace("execution_mode: native", "execution_mode: natve");
    const line = broken.split("\n").findIndex((l) => l.includes("execution_mode: natve")) + 1;
    assert.ok(line > 0);
    await page.goto(`${settings.webUrl}/w/${ws}/publish-pack`);
    await page.getByLabel("Pack YAML").fill(broken);
    await page.getByRole("button", { name: "Publish" }).click();
    const marked = page.locator(`[data-testid=source-view] li[data-line="${line}"]`);
    await eventually(async () => {
      assert.equal(await marked.getAttribute("data-marked"), "error");
      assert.match(await marked.getByTestId("line-diagnostic").first().innerText(), /execution_mode/);
    }, 15_000, `error shown at line ${line}`);
    assert.match(await page.getByTestId("diagnostics").innerText(), new RegExp(`line ${line}`));
    // "Edit line N" puts the caret on that line of the editor.
    await page.getByRole("button", { name: `Edit line ${line}` }).click();
    const caretLine = await page.getByLabel("Pack YAML").evaluate((el) => {
      const area = el as HTMLTextAreaElement;
      return area.value.slice(0, area.selectionStart).split("\n").length;
    });
    assert.equal(caretLine, line);
    await checkPage(page, "16-publish-error");

    // Fixed, it validates (uploaded as a file this time).
    await page.getByLabel("Upload a YAML file").setInputFiles({ name: "rpn.yaml", mimeType: "text/yaml", buffer: Buffer.from(source) });
    await eventually(async () => assert.equal(await page.getByLabel("Pack YAML").inputValue(), source), 5_000, "file loaded");
    await page.getByRole("button", { name: "Validate" }).click();
    await page.getByTestId("publish-outcome").getByText(/^Valid/).waitFor();
  });

  it("creates an API token shown once, and revokes it", async () => {
    await page.goto(`${settings.webUrl}/w/${ws}/tokens`);
    await page.getByRole("heading", { name: "API tokens" }).waitFor();
    await page.getByLabel("Token name").fill("e2e ci");
    await page.getByRole("button", { name: "Create token" }).click();
    const token = (await page.getByTestId("new-token").innerText()).trim();
    assert.ok(token.length > 20, "the token is shown");
    // The token works until revoked.
    const useToken = () =>
      context.request.get(new URL("/v1/users/me", settings.webUrl).toString(), { headers: { authorization: `Bearer ${token}` } });
    assert.equal((await useToken()).status(), 200);
    const row = page.locator('[data-testid=tokens-table] tr[data-token="e2e ci"]');
    await row.waitFor();
    await checkPage(page, "17-tokens");
    await row.getByRole("button", { name: "Revoke e2e ci" }).click();
    await row.getByRole("button", { name: "Confirm revoking e2e ci" }).click();
    await eventually(async () => assert.equal(await row.getByTestId("token-state").innerText(), "revoked"), 15_000, "token revoked");
    assert.equal((await useToken()).status(), 401, "a revoked token is refused");
    await page.reload();
    assert.equal(await page.getByTestId("new-token").count(), 0, "the token is never shown again");
  });

  it("sets a secret (name only listed), invites a member, changes their role and removes them, creates a provider account and a deployment", async () => {
    await page.goto(`${settings.webUrl}/w/${ws}/secrets`);
    await page.getByLabel("Secret name").fill("E2E_KEY");
    await page.getByLabel("Value").fill("s3cr3t-value");
    await page.getByRole("button", { name: "Set secret" }).click();
    const secret = page.locator('[data-testid=secrets-table] tr[data-secret="E2E_KEY"]');
    await secret.waitFor();
    assert.doesNotMatch(await page.locator("main").innerText(), /s3cr3t-value/);
    await checkPage(page, "18-secrets");

    // A second member, invited as a viewer from the page and signed up with the invitation.
    const invited = "e2e-member@example.com";
    await page.goto(`${settings.webUrl}/w/${ws}/members`);
    await page.getByLabel("Invite by email").fill(invited);
    await page.getByLabel("With the role").selectOption("workspace_viewer");
    await page.getByRole("button", { name: "Invite" }).click();
    const invitationToken = (await page.getByTestId("invitation-token").innerText()).trim();
    const stranger = await browser.newContext();
    await call(stranger.request, "POST", "/v1/users", null, {
      email: invited,
      password: "a long enough password",
      display_name: "E2E Member",
      invitation_token: invitationToken,
    });
    await stranger.close();

    await page.reload();
    const me = page.locator(`[data-testid=members-table] tr[data-member="${settings.email}"]`);
    await me.waitFor();
    assert.equal(await me.getByRole("combobox").inputValue(), "workspace_admin");
    const member = page.locator(`[data-testid=members-table] tr[data-member="${invited}"]`);
    await checkPage(page, "19-members");
    await member.getByLabel("Role of E2E Member").selectOption("workspace_member");
    const roleOf = async () => {
      const list = await call<{ items: { email: string; role: string }[] }>(context.request, "GET", `/v1/workspaces/${ws}/members`, null);
      return list.items.find((m) => m.email === invited)?.role;
    };
    await eventually(async () => assert.equal(await roleOf(), "workspace_member"), 15_000, "role changed");
    await member.getByRole("button", { name: "Remove E2E Member" }).click();
    await member.getByRole("button", { name: "Confirm removing E2E Member" }).click();
    await eventually(async () => assert.equal(await member.count(), 0), 15_000, "member removed");
    assert.equal(await roleOf(), undefined);

    await page.goto(`${settings.webUrl}/w/${ws}/provider-accounts`);
    await page.locator('[data-testid=provider-accounts-table] tr[data-account="demo scripted"]').waitFor();
    await page.getByLabel("Account name").fill("e2e openai");
    await page.getByLabel("Provider", { exact: true }).selectOption("openai");
    await page.getByLabel("Credential reference").fill("workspace-secret://E2E_KEY");
    await page.getByRole("button", { name: "Create account" }).click();
    const account = page.locator('[data-testid=provider-accounts-table] tr[data-account="e2e openai"]');
    await eventually(async () => assert.match(await account.innerText(), /workspace-secret:\/\/E2E_KEY/), 15_000, "account created");
    await checkPage(page, "21-provider-accounts");

    await page.goto(`${settings.webUrl}/w/${ws}/deployments`);
    await page.locator('[data-testid=deployments-table] tr[data-deployment="rpn slow"]').waitFor();
    await page.getByLabel("Deployment name").fill("e2e deployment");
    await eventually(async () => assert.ok((await page.getByLabel("Agent build version").locator("option").count()) > 1), 15_000, "choices");
    await page.getByLabel("Agent build version").selectOption({ label: "demo agent v1" });
    await page.getByLabel("Runtime profile").selectOption({ label: "demo" });
    await page.getByLabel("Provider account").selectOption({ label: "e2e openai (openai)" });
    await page.getByLabel("Model").fill("gpt-e2e");
    await page.getByLabel("Provider options (JSON, optional)").fill("{not json");
    assert.ok(await page.getByRole("button", { name: "Create deployment" }).isDisabled(), "bad options JSON blocks the submit");
    await page.getByLabel("Provider options (JSON, optional)").fill('{"temperature": 0}');
    await page.getByRole("button", { name: "Create deployment" }).click();
    await page.locator('[data-testid=deployments-table] tr[data-deployment="e2e deployment"]').waitFor();
    await checkPage(page, "20-deployments");
  });

  it("approves a CLI's device sign-in", async () => {
    const code = await call<{ device_code: string; user_code: string; verification_uri_complete: string }>(
      context.request,
      "POST",
      "/v1/auth/device/code",
      null,
      { client_name: "e2e" },
    );
    const verification = new URL(code.verification_uri_complete);
    await page.goto(`${settings.webUrl}${verification.pathname}${verification.search}`);
    await page.getByRole("heading", { name: "Sign in the CLI" }).waitFor();
    assert.equal(await page.getByLabel("Code shown by the CLI").inputValue(), code.user_code);
    await checkPage(page, "22-device");
    await page.getByRole("button", { name: "Approve" }).click();
    await page.getByTestId("device-outcome").getByText(/Approved/).waitFor();
    const token = await call<{ access_token: string }>(context.request, "POST", "/v1/auth/device/token", null, {
      device_code: code.device_code,
    });
    assert.ok(token.access_token, "the CLI gets its token");
  });

  it("downloads a step's artifact from the replay", async () => {
    const run = await call<{ id: string }>(context.request, "POST", `/v1/workspaces/${ws}/runs`, csrf, {
      pack_version_id: demo.packVersionId,
      deployment_ids: [demo.deployments.bigFile],
      case_keys: ["sum-and-product"],
      name: "web e2e: big file",
    });
    const lane = await completedLane(run.id);
    await page.goto(`${settings.webUrl}/w/${ws}/runs/${run.id}/lanes/${lane}`);
    await page.getByRole("checkbox", { name: "Tool calls" }).check();
    const steps = page.locator("[data-testid=replay-step]");
    await steps.first().waitFor();
    const download = page.getByRole("link", { name: /^Download input/ });
    for (let i = 0; i < (await steps.count()) && (await download.count()) === 0; i++) {
      await steps.nth(i).getByRole("button").click();
    }
    assert.equal(await download.count(), 1, "one tool call's arguments were stored as an artifact");
    await checkPage(page, "23-replay-artifact");
    const href = (await download.getAttribute("href")) ?? "";
    const body = await context.request.get(new URL(href, settings.webUrl).toString());
    assert.equal(body.status(), 200);
    const text = await body.text();
    assert.ok(text.length > 40_000 && text.includes("big.txt"), `the artifact holds the arguments (${text.length} bytes)`);
  });

  it("shows a 10,000-event lane's first screen fast and scrolls it virtualised", async () => {
    const run = await call<{ id: string }>(context.request, "POST", `/v1/workspaces/${ws}/runs`, csrf, {
      pack_version_id: demo.packVersionId,
      deployment_ids: [demo.deployments.correct],
      case_keys: ["sum-and-product"],
      name: "web e2e: 10k events",
    });
    const lane = await completedLane(run.id);
    seedLaneEvents(lane, 10_000);

    await page.goto(`${settings.webUrl}/w/${ws}/runs/${run.id}/lanes/${lane}`);
    const firstScreen = await eventually(
      () => page.evaluate(() => {
        const mark = performance.getEntriesByName("replay:first-screen")[0];
        if (!mark) throw new Error("no first-screen mark yet");
        return mark.startTime;
      }),
      30_000,
      "first screen",
    );
    const allLoaded = await eventually(
      () => page.evaluate(() => {
        const mark = performance.getEntriesByName("replay:all-loaded")[0] as PerformanceMark | undefined;
        if (!mark) throw new Error("not all loaded yet");
        return { at: mark.startTime, steps: (mark.detail as { steps: number }).steps };
      }),
      60_000,
      "whole lane loaded",
    );
    assert.ok(allLoaded.steps >= 5_000, `5,000 steps folded from 10,000 events (got ${allLoaded.steps})`);
    // Scroll the whole timeline in 60 steps and time the frames.
    const scroll = await page.getByTestId("replay-timeline").evaluate(async (el) => {
      const frames: number[] = [];
      let maxRows = 0;
      let last = performance.now();
      for (let i = 1; i <= 60; i++) {
        el.scrollTop = (el.scrollHeight * i) / 60;
        await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
        const now = performance.now();
        frames.push((now - last) / 2);
        last = now;
        maxRows = Math.max(maxRows, el.querySelectorAll("[data-testid=replay-step]").length);
      }
      frames.sort((a, b) => a - b);
      return { maxRows, p50: frames[30] ?? 0, p95: frames[57] ?? 0, max: frames[59] ?? 0, bottom: el.scrollTop + el.clientHeight >= el.scrollHeight - 2 };
    });
    console.log(
      `replay 10k events: first screen ${firstScreen.toFixed(0)} ms after navigation, all ${allLoaded.steps} steps loaded at ${allLoaded.at.toFixed(0)} ms; ` +
        `scroll frames p50 ${scroll.p50.toFixed(1)} ms, p95 ${scroll.p95.toFixed(1)} ms, max ${scroll.max.toFixed(1)} ms; at most ${scroll.maxRows} rows in the page`,
    );
    // Guards, not benchmarks: generous so a busy machine does not flake.
    assert.ok(firstScreen < 5_000, `first screen in ${firstScreen} ms`);
    assert.ok(scroll.maxRows < 100, `virtualised: ${scroll.maxRows} rows rendered at once`);
    assert.ok(scroll.bottom, "scrolled to the end");
    await page.getByTestId("replay-step").last().waitFor();
    await checkPage(page, "24-replay-10k");
  });

  it("fits a small laptop screen without sideways scrolling", async () => {
    await page.setViewportSize({ width: 1024, height: 700 });
    const lane = await call<{ agents: { id: string; label: string }[] }>(context.request, "GET", `/v1/workspaces/${ws}/runs/${runId}`, null);
    const buggy = lane.agents.find((a) => a.label === "rpn buggy")?.id ?? "";
    const pages: [string, string][] = [
      [`/w/${ws}/runs`, "Runs"],
      [`/w/${ws}/runs/${runId}`, "web e2e: rpn calculator"],
      [`/w/${ws}/runs/${runId}/lanes/${buggy}`, "Replay: rpn buggy"],
      [`/w/${ws}/runs/${runId}/lanes/${buggy}/scorecard`, "Scorecard: rpn buggy"],
      [`/w/${ws}/publish-pack`, "Validate or publish a pack"],
      [`/w/${ws}/tokens`, "API tokens"],
    ];
    for (const [url, heading] of pages) {
      await page.goto(`${settings.webUrl}${url}`);
      await page.getByRole("heading", { name: heading }).first().waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${url} is ${overflow}px wider than the window`);
    }
    await screenshot(page, "25-laptop-tokens");
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it("switches workspace with the switcher", async () => {
    const second = await createWorkspace(context.request, csrf, "e2e-second", "E2E second");
    await page.goto(`${settings.webUrl}/w/${ws}/runs`);
    const switcher = page.getByLabel("Workspace");
    await eventually(async () => assert.ok(await switcher.isEnabled()), 15_000, "workspaces loaded");
    await switcher.selectOption({ label: "E2E second" });
    await page.waitForURL(new RegExp(`/w/${second}/runs$`));
    await page.getByText("No runs yet").waitFor();
    await checkPage(page, "10-workspace-switched");
    // The home page reopens the workspace used last.
    await page.goto(settings.webUrl);
    await page.waitForURL(new RegExp(`/w/${second}/runs$`));
  });

  it("signs out, after which workspace pages send to sign in", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/login/);
    await page.goto(`${settings.webUrl}/w/${ws}/runs`);
    await page.waitForURL(/\/login\?next=/);
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    const session = await context.request.get(new URL("/v1/auth/session", settings.webUrl).toString());
    assert.equal(session.status(), 401, "the session is gone on the server too");
    await checkPage(page, "11-signed-out");
  });

  it("logged no console error in any page", () => {
    assert.deepEqual(problems, []);
  });
});
