// Query keys and fetchers: one place that knows each API call the pages make,
// so caches are shared and invalidation names the same keys.
import { api, unwrap, type Schema } from "@/api/client";
import type { NotScored, Ranking, Scorecard } from "@/lib/scores";

/** Query keys, hierarchical so a workspace's data can be dropped at once. */
export const keys = {
  session: ["session"] as const,
  workspaces: ["workspaces"] as const,
  runs: (ws: string, cursor: string | null) => ["ws", ws, "runs", cursor] as const,
  run: (ws: string, runId: string) => ["ws", ws, "run", runId] as const,
  cases: (ws: string, runId: string) => ["ws", ws, "run", runId, "cases"] as const,
  replay: (ws: string, laneId: string) => ["ws", ws, "replay", laneId] as const,
  packs: (ws: string) => ["ws", ws, "packs"] as const,
  packVersions: (ws: string, slug: string) => ["ws", ws, "packs", slug, "versions"] as const,
  deployments: (ws: string) => ["ws", ws, "deployments"] as const,
  packVersion: (ws: string, slug: string, version: number) => ["ws", ws, "packs", slug, "versions", version] as const,
  packVersionIndex: (ws: string) => ["ws", ws, "packs", "version-index"] as const,
  ranking: (ws: string, runId: string) => ["ws", ws, "run", runId, "ranking"] as const,
  failures: (ws: string, runId: string) => ["ws", ws, "run", runId, "failures"] as const,
  scorecard: (ws: string, laneId: string) => ["ws", ws, "scorecard", laneId] as const,
  providerAccounts: (ws: string) => ["ws", ws, "provider-accounts"] as const,
  buildVersions: (ws: string) => ["ws", ws, "build-versions", "ready"] as const,
  runtimeProfiles: (ws: string) => ["ws", ws, "runtime-profiles"] as const,
  secrets: (ws: string) => ["ws", ws, "secrets"] as const,
  members: (ws: string) => ["ws", ws, "members"] as const,
  tokens: ["tokens"] as const,
  scoringEvents: (ws: string, laneId: string) => ["ws", ws, "scoring-events", laneId] as const,
  caseScores: (ws: string, laneId: string) => ["ws", ws, "case-scores", laneId] as const,
  eventStep: (ws: string, laneId: string, eventId: string | null) => ["ws", ws, "event-step", laneId, eventId] as const,
};

/** Every workspace the user can reach (all pages). */
export async function fetchWorkspaces(): Promise<Schema<"Workspace">[]> {
  const all: Schema<"Workspace">[] = [];
  let cursor: string | undefined;
  do {
    const page = unwrap(await api.GET("/v1/workspaces", { params: { query: { limit: 100, cursor } } }));
    all.push(...page.items);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return all;
}

const path = (ws: string) => ({ workspace_id: ws });

/** One page of runs, newest first; only runs in `status` when given (filtered by the API). */
export async function fetchRuns(
  ws: string,
  cursor: string | null,
  limit: number,
  status?: string,
): Promise<Schema<"RunPage">> {
  return unwrap(
    await api.GET("/v1/workspaces/{workspace_id}/runs", {
      params: { path: path(ws), query: { limit, cursor: cursor ?? undefined, status: status || undefined } },
    }),
  );
}

/** A run with its lanes and status history. */
export async function fetchRun(ws: string, runId: string): Promise<Schema<"RunDetail">> {
  return unwrap(
    await api.GET("/v1/workspaces/{workspace_id}/runs/{run_id}", { params: { path: { ...path(ws), run_id: runId } } }),
  );
}

/** Every lane × case outcome of a run. */
export async function fetchCases(ws: string, runId: string): Promise<Schema<"RunCase">[]> {
  const result = unwrap(
    await api.GET("/v1/workspaces/{workspace_id}/runs/{run_id}/cases", {
      params: { path: { ...path(ws), run_id: runId } },
    }),
  );
  return result.items;
}

/** One page of a lane's replay steps, from step index `cursor`. */
export async function fetchReplayPage(ws: string, laneId: string, cursor: number, limit: number): Promise<Schema<"ReplayPage">> {
  return unwrap(
    await api.GET("/v1/workspaces/{workspace_id}/run-agents/{run_agent_id}/replay", {
      params: { path: { ...path(ws), run_agent_id: laneId }, query: { cursor, limit } },
    }),
  );
}

/** Published challenge packs (first 100). */
export async function fetchPacks(ws: string): Promise<Schema<"PackSummary">[]> {
  return unwrap(
    await api.GET("/v1/workspaces/{workspace_id}/challenge-packs", { params: { path: path(ws), query: { limit: 100 } } }),
  ).items;
}

/** A pack's versions (first 100). */
export async function fetchPackVersions(ws: string, slug: string): Promise<Schema<"PackVersion">[]> {
  return unwrap(
    await api.GET("/v1/workspaces/{workspace_id}/challenge-packs/{slug}/versions", {
      params: { path: { ...path(ws), slug }, query: { limit: 100 } },
    }),
  ).items;
}

/** Deployments that can run (first 100, archived ones left out). */
export async function fetchDeployments(ws: string): Promise<Schema<"Deployment">[]> {
  const page = unwrap(
    await api.GET("/v1/workspaces/{workspace_id}/deployments", { params: { path: path(ws), query: { limit: 100 } } }),
  );
  return page.items.filter((d) => !d.archived_at);
}

/** Every deployment, archived ones included (first 100). */
export async function fetchAllDeployments(ws: string): Promise<Schema<"Deployment">[]> {
  return unwrap(
    await api.GET("/v1/workspaces/{workspace_id}/deployments", { params: { path: path(ws), query: { limit: 100 } } }),
  ).items;
}

/** One pack version with its YAML source. */
export async function fetchPackVersion(ws: string, slug: string, version: number): Promise<Schema<"PackVersionDetail">> {
  return unwrap(
    await api.GET("/v1/workspaces/{workspace_id}/challenge-packs/{slug}/versions/{version}", {
      params: { path: { ...path(ws), slug, version } },
    }),
  );
}

/** Pack version id → "slug v3", for every pack's versions (runs only carry the id). */
export async function fetchPackVersionIndex(ws: string): Promise<Record<string, string>> {
  const index: Record<string, string> = {};
  const packs = await fetchPacks(ws);
  await Promise.all(
    packs.map(async (pack) => {
      for (const v of await fetchPackVersions(ws, pack.slug)) index[v.id] = `${pack.name} v${v.version}`;
    }),
  );
  return index;
}

/** A run's ranking, or the 202 "not scored yet" body. */
export async function fetchRanking(ws: string, runId: string): Promise<Ranking | NotScored> {
  const data = unwrap(
    await api.GET("/v1/workspaces/{workspace_id}/runs/{run_id}/ranking", { params: { path: { ...path(ws), run_id: runId } } }),
  );
  return data as unknown as Ranking | NotScored;
}

/** A run's failed cases with their taxonomy class. */
export async function fetchFailures(ws: string, runId: string): Promise<Schema<"FailedCase">[]> {
  return unwrap(
    await api.GET("/v1/workspaces/{workspace_id}/runs/{run_id}/failures", { params: { path: { ...path(ws), run_id: runId } } }),
  ).items;
}

/** A lane's scorecard, or the 202 "not scored yet" body. */
export async function fetchScorecard(ws: string, laneId: string): Promise<Scorecard | NotScored> {
  const data = unwrap(
    await api.GET("/v1/workspaces/{workspace_id}/run-agents/{run_agent_id}/scorecard", {
      params: { path: { ...path(ws), run_agent_id: laneId } },
    }),
  );
  return data as unknown as Scorecard | NotScored;
}

/** One step of a lane's replay. */
export async function fetchReplayStep(ws: string, laneId: string, index: number): Promise<Schema<"ReplayStep">> {
  return unwrap(
    await api.GET("/v1/workspaces/{workspace_id}/run-agents/{run_agent_id}/replay/steps/{index}", {
      params: { path: { ...path(ws), run_agent_id: laneId, index } },
    }),
  );
}

/** The replay step holding an event (its index), or null when the lane has no such event. */
export async function fetchEventStep(ws: string, laneId: string, eventId: string): Promise<number | null> {
  const result = await api.GET("/v1/workspaces/{workspace_id}/run-agents/{run_agent_id}/replay/locate", {
    params: { path: { ...path(ws), run_agent_id: laneId }, query: { event_id: eventId } },
  });
  if (result.response.status === 404 || result.response.status === 400) return null;
  return unwrap(result).index;
}

/** The workspace's provider accounts (first 100). */
export async function fetchProviderAccounts(ws: string): Promise<Schema<"ProviderAccount">[]> {
  return unwrap(
    await api.GET("/v1/workspaces/{workspace_id}/provider-accounts", { params: { path: path(ws), query: { limit: 100 } } }),
  ).items;
}

/** The workspace's secret names (first 100; never values). */
export async function fetchSecrets(ws: string): Promise<Schema<"SecretMeta">[]> {
  return unwrap(await api.GET("/v1/workspaces/{workspace_id}/secrets", { params: { path: path(ws), query: { limit: 100 } } }))
    .items;
}

/** The workspace's members (first 100). */
export async function fetchMembers(ws: string): Promise<Schema<"Member_WorkspaceRole">[]> {
  return unwrap(await api.GET("/v1/workspaces/{workspace_id}/members", { params: { path: path(ws), query: { limit: 100 } } }))
    .items;
}

/** The signed-in user's API tokens (first 100; never the token). */
export async function fetchTokens(): Promise<Schema<"ApiToken">[]> {
  return unwrap(await api.GET("/v1/auth/tokens", { params: { query: { limit: 100 } } })).items;
}

/** A lane's `scoring.*` events (each case's verdicts), oldest first. */
export async function fetchScoringEvents(ws: string, runId: string, laneId: string): Promise<Schema<"RunEvent">[]> {
  const all: Schema<"RunEvent">[] = [];
  let cursor: string | undefined;
  do {
    const page = unwrap(
      await api.GET("/v1/workspaces/{workspace_id}/runs/{run_id}/events", {
        params: { path: { ...path(ws), run_id: runId }, query: { run_agent_id: laneId, type: "scoring.", limit: 1000, cursor } },
      }),
    );
    all.push(...page.items);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return all;
}

/** Every case's full score of a lane (verdicts with reason, evidence and event; judges). */
export async function fetchCaseScores(ws: string, laneId: string): Promise<Schema<"CaseScoreItem">[]> {
  return unwrap(
    await api.GET("/v1/workspaces/{workspace_id}/run-agents/{run_agent_id}/case-scores", {
      params: { path: { ...path(ws), run_agent_id: laneId } },
    }),
  ).items;
}

/** Ready build versions of every agent build, labelled "build v2" (for a new deployment). */
export async function fetchReadyBuildVersions(ws: string): Promise<{ id: string; label: string }[]> {
  const builds = unwrap(
    await api.GET("/v1/workspaces/{workspace_id}/agent-builds", { params: { path: path(ws), query: { limit: 100 } } }),
  ).items.filter((b) => !b.archived_at);
  const details = await Promise.all(
    builds.map(async (b) =>
      unwrap(await api.GET("/v1/workspaces/{workspace_id}/agent-builds/{id}", { params: { path: { ...path(ws), id: b.id } } })),
    ),
  );
  return details.flatMap((b) =>
    b.versions.filter((v) => v.status === "ready").map((v) => ({ id: v.id, label: `${b.name} v${v.version}` })),
  );
}

/** The workspace's runtime profiles, archived ones left out (first 100). */
export async function fetchRuntimeProfiles(ws: string): Promise<Schema<"RuntimeProfile">[]> {
  return unwrap(
    await api.GET("/v1/workspaces/{workspace_id}/runtime-profiles", { params: { path: path(ws), query: { limit: 100 } } }),
  ).items.filter((p) => !p.archived_at);
}
