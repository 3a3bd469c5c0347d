// The API calls of the compare page and their query keys (under the
// workspace's key, so dropping a workspace's data drops these too).
import { api, unwrap, type Schema } from "@/api/client";
import type { Comparison, GatePolicy, GateResult } from "@/lib/compare";
import { fetchReplayPage } from "@/lib/queries";

/** Query keys of the compare page. */
export const compareKeys = {
  comparison: (ws: string, baseline: string, candidate: string) => ["ws", ws, "compare", baseline, candidate] as const,
  runChoices: (ws: string) => ["ws", ws, "runs", "compare-picker"] as const,
  laneSteps: (ws: string, laneId: string) => ["ws", ws, "compare-steps", laneId] as const,
};

/** Two lanes compared: deltas, flips and paired statistics (`GET …/compare`). */
export async function fetchComparison(ws: string, baseline: string, candidate: string): Promise<Comparison> {
  const data = unwrap(
    await api.GET("/v1/workspaces/{workspace_id}/compare", {
      params: { path: { workspace_id: ws }, query: { baseline, candidate } },
    }),
  );
  return data as unknown as Comparison;
}

/** A stored comparison with its gate, once a policy was evaluated. */
export interface EvaluatedGate {
  stored: Schema<"StoredComparison">;
  gate: GateResult;
}

/** Evaluates a release gate over the two lanes; the API stores the comparison with its verdict. */
export async function evaluateGate(ws: string, baseline: string, candidate: string, policy: GatePolicy): Promise<EvaluatedGate> {
  const stored = unwrap(
    await api.POST("/v1/workspaces/{workspace_id}/comparisons", {
      params: { path: { workspace_id: ws } },
      body: { baseline, candidate, policy: policy as unknown as Record<string, unknown> },
    }),
  );
  if (!stored.gate) throw new Error("the API stored the comparison without a gate verdict");
  return { stored, gate: stored.gate as unknown as GateResult };
}

/** Steps per replay page (the API's maximum). */
const PAGE = 500;
/** The trajectory view reads at most this many steps of a lane; the replay page has them all. */
export const MAX_LANE_STEPS = 5_000;

/** A lane's replay steps, up to `MAX_LANE_STEPS`; `truncated` when it has more. */
export async function fetchLaneSteps(ws: string, laneId: string): Promise<{ steps: Schema<"ReplayStep">[]; truncated: boolean }> {
  const steps: Schema<"ReplayStep">[] = [];
  let cursor: number | null = 0;
  while (cursor !== null && steps.length < MAX_LANE_STEPS) {
    const page: Schema<"ReplayPage"> = await fetchReplayPage(ws, laneId, cursor, PAGE);
    steps.push(...page.steps);
    cursor = page.next_cursor ?? null;
  }
  return { steps, truncated: cursor !== null };
}
