// Gives a lane many events without running a long agent: inserts synthetic
// model and tool call events (the shape crates/bench uses for its replay
// benchmark) into the local stack's Postgres with psql (one statement string: one
// transaction), after the lane's own events, and moves the lane's next sequence past them.
import { execFileSync } from "node:child_process";
import { settings } from "./harness.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Appends `count` events (model call started/completed, tool call started/completed, …) to lane `laneId`. */
export function seedLaneEvents(laneId: string, count: number): void {
  if (!UUID.test(laneId)) throw new Error(`not a lane id: ${laneId}`);
  if (!Number.isInteger(count) || count < 1) throw new Error(`not an event count: ${count}`);
  const sql = `
INSERT INTO run_events (id, run_id, run_agent_id, sequence, event_type, occurred_at, case_key, step, payload, summary, attempt, attempt_seq)
SELECT gen_random_uuid(), a.run_id, a.id, a.next_sequence + g,
       (ARRAY['model.call.started','model.call.completed','tool.call.started','tool.call.completed'])[g % 4 + 1],
       now() + g * interval '1 millisecond', 'bulk', g / 4,
       jsonb_build_object('tool_call_id', 'c' || (g / 4), 'name', 'exec', 'text', repeat('x', 200)),
       'bulk event ' || g, 1, g
FROM run_agents a, generate_series(0, ${count - 1}) AS g
WHERE a.id = '${laneId}';
UPDATE run_agents SET next_sequence = next_sequence + ${count} WHERE id = '${laneId}';`;
  execFileSync("psql", [settings.databaseUrl, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql], { stdio: ["ignore", "ignore", "inherit"] });
}
