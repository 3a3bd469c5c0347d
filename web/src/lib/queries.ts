// Query keys and fetchers: one place that knows each API call the pages make,
// so caches are shared and invalidation names the same keys.
import { api, unwrap, type Schema } from "@/api/client";

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

/** One page of runs, newest first. */
export async function fetchRuns(ws: string, cursor: string | null, limit: number): Promise<Schema<"RunPage">> {
  return unwrap(
    await api.GET("/v1/workspaces/{workspace_id}/runs", {
      params: { path: path(ws), query: { limit, cursor: cursor ?? undefined } },
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
