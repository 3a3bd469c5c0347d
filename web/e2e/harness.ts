// Shared plumbing of the browser tests: settings from scripts/web-test, the
// system Chromium, console-error capture, screenshots and polling asserts.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from "playwright-core";
import { accessibilityProblems } from "./a11y.js";

/** A required environment variable (scripts/web-test sets them all). */
function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the browser tests with scripts/web-test`);
  return value;
}

/** What the tests run against. */
export const settings = {
  webUrl: required("WEB_URL"),
  email: process.env.ADMIN_EMAIL ?? "admin@agentclash.local",
  password: required("ADMIN_PASSWORD"),
  repo: required("REPO_DIR"),
  results: required("RESULTS_DIR"),
  chromium: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  /** The local stack's Postgres, for seeding what only a long run would produce. */
  databaseUrl: required("DATABASE_URL"),
};

/** Starts the system Chromium (never a downloaded build). */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: settings.chromium,
    headless: true,
    // Root in a container: Chromium's own sandbox needs user namespaces it may not get.
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  });
}

/** The browser, context and page one suite drives. */
export interface SuitePage {
  browser: Browser;
  context: BrowserContext;
  page: Page;
}

/**
 * Opens the page a suite drives: a desktop-sized context with generous
 * timeouts (the machine may be busy: make test runs the Rust suites too),
 * its console errors collected into `problems`. Close `browser` when done.
 */
export async function openSuitePage(problems: PageProblem[]): Promise<SuitePage> {
  const browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(60_000);
  context.setDefaultNavigationTimeout(60_000);
  const page = await context.newPage();
  watchConsole(page, problems);
  return { browser, context, page };
}

/** A console error or uncaught exception seen in a page. */
export interface PageProblem {
  page: string;
  text: string;
}

/** Answers the browser logs as failed loads although the app expects them: status and path. */
const EXPECTED_FAILURES: { status: number; path: RegExp }[] = [
  { status: 401, path: /^\/v1\/auth\/session$/ }, // the signed-out session probe
  { status: 401, path: /^\/v1\/auth\/login$/ }, // the deliberately wrong password
  { status: 422, path: /^\/v1\/workspaces\/[^/]+\/challenge-packs$/ }, // publishing a pack with an error
];

/**
 * Records console errors and uncaught exceptions, except the browser's own
 * log lines for the expected failed answers above.
 */
export function watchConsole(page: Page, problems: PageProblem[]): void {
  page.on("console", (message: ConsoleMessage) => {
    if (message.type() !== "error") return;
    const url = message.location().url;
    const pathname = new URL(url || "http://x/").pathname;
    const expected = EXPECTED_FAILURES.some(
      (f) => message.text().includes(`status of ${f.status}`) && f.path.test(pathname),
    );
    if (!expected) problems.push({ page: page.url(), text: `${message.text()} (${url})` });
  });
  page.on("pageerror", (error) => problems.push({ page: page.url(), text: `uncaught: ${error.message}` }));
}

/** Saves a full-page screenshot under web/test-results/. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(settings.results, { recursive: true });
  await page.screenshot({ path: path.join(settings.results, `${name}.png`), fullPage: true });
}

/** Retries `check` (an assertion) until it passes or `timeoutMs` ran out, then throws its last error. */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 30_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`${what} not met within ${timeoutMs} ms: ${last instanceof Error ? last.message : String(last)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * A page reached in the tests: saves its screenshot and fails on any
 * accessibility problem (names, images, keyboard reachability).
 */
export async function checkPage(page: Page, name: string): Promise<void> {
  await screenshot(page, name);
  const problems = await accessibilityProblems(page);
  assert.deepEqual(problems, [], `accessibility problems on ${name} (${page.url()})`);
}
