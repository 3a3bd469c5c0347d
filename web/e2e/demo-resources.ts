// Creates the demo's resources through the API, signed in as the browser is
// (session cookie + CSRF token), the way scripts/demo does it with the CLI:
// the rpn-calculator pack, a scripted provider account, a runtime profile, a
// ready build version and deployments (correct, buggy, a slow one that
// keeps a case busy so a run can be watched and cancelled, and one that
// writes a file large enough to be stored as an artifact).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { APIRequestContext } from "playwright-core";
import { settings } from "./harness.js";

/** A JSON API call; throws with the status and body when it fails. */
export async function call<T>(
  request: APIRequestContext,
  method: "GET" | "POST" | "PUT",
  url: string,
  csrf: string | null,
  body?: unknown,
): Promise<T> {
  const response = await request.fetch(new URL(url, settings.webUrl).toString(), {
    method,
    headers: {
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...(csrf && method !== "GET" ? { "x-csrf-token": csrf } : {}),
    },
    data: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok()) throw new Error(`${method} ${url} answered ${response.status()}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Creates a workspace in the signed-in admin's first organization; its id. */
export async function createWorkspace(request: APIRequestContext, csrf: string, slug: string, name: string): Promise<string> {
  const orgs = await call<{ items: { id: string }[] }>(request, "GET", "/v1/organizations", null);
  const org = orgs.items[0]?.id;
  assert.ok(org, "the admin belongs to an organization");
  return (await call<{ id: string }>(request, "POST", "/v1/workspaces", csrf, { organization_id: org, slug, name })).id;
}

/** The ids the tests need. */
export interface DemoResources {
  packVersionId: string;
  deployments: { correct: string; buggy: string; slow: string; bigFile: string };
}

const id = (value: { id: string }) => value.id;

/** Creates the demo resources in workspace `ws` (fresh names: the stack is new). */
export async function createDemoResources(request: APIRequestContext, ws: string, csrf: string): Promise<DemoResources> {
  const base = `/v1/workspaces/${ws}`;
  const post = <T>(url: string, body: unknown) => call<T>(request, "POST", `${base}${url}`, csrf, body);

  const source = readFileSync(path.join(settings.repo, "examples/packs/rpn-calculator.yaml"), "utf8");
  const packVersionId = id(await post<{ id: string }>("/challenge-packs", { source }));
  const account = id(await post<{ id: string }>("/provider-accounts", { name: "demo scripted", provider: "scripted" }));
  const profile = id(
    await post<{ id: string }>("/runtime-profiles", { name: "demo", max_iterations: 10, max_parallel_cases: 3 }),
  );
  const build = id(await post<{ id: string }>("/agent-builds", { name: "demo agent" }));
  const version = id(
    await post<{ id: string }>(`/agent-builds/${build}/versions`, {
      policy: {
        role: "careful Python engineer",
        system_prompt: "Solve the task with the tools, test your code, then submit.",
      },
    }),
  );
  await post(`/agent-build-versions/${version}/status`, { status: "ready" });

  const deploy = async (name: string, model: string, options: unknown) =>
    id(
      await post<{ id: string }>("/deployments", {
        name,
        build_version_id: version,
        runtime_profile_id: profile,
        provider_account_id: account,
        model,
        provider_options: options,
      }),
    );
  const options = (variant: string) =>
    JSON.parse(readFileSync(path.join(settings.repo, `examples/deployments/rpn-${variant}.json`), "utf8")) as unknown;
  const slowOptions = {
    scripted: {
      responses: [
        {
          text: "Let me think for a while.",
          tool_calls: [{ name: "run_tests", arguments: { command: "sleep 100" } }],
        },
      ],
    },
  };
  // The correct answers, after writing a file too big for an event: its
  // tool call's arguments are stored as an artifact.
  const bigFileOptions = options("correct") as { scripted: { responses: { tool_calls?: unknown[] }[] } };
  bigFileOptions.scripted.responses[0]?.tool_calls?.push({
    name: "write_file",
    arguments: { path: "big.txt", content: "big file ".repeat(5_000) },
  });
  return {
    packVersionId,
    deployments: {
      correct: await deploy("rpn correct", "scripted-rpn-correct", options("correct")),
      buggy: await deploy("rpn buggy", "scripted-rpn-buggy", options("buggy")),
      slow: await deploy("rpn slow", "scripted-rpn-slow", slowOptions),
      bigFile: await deploy("rpn big file", "scripted-rpn-big-file", bigFileOptions),
    },
  };
}
