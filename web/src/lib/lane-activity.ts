// Folds a run's event stream into what each lane card shows. Pure: no React,
// no I/O, so it is unit-tested under node:test and shared by any view.
import type { components } from "../api/schema.js";

/** A run event as the API sends it (list and stream alike). */
export type RunEvent = components["schemas"]["RunEvent"];

/** The last tool call a lane made: `ok` is null while it is still running. */
export interface ToolCallSeen {
  name: string;
  ok: boolean | null;
  caseKey: string | null;
  step: number | null;
}

/** What a lane is doing, as told by its events so far. */
export interface LaneActivity {
  /** Events folded in (to tell "no events yet" from "idle"). */
  events: number;
  /** Highest lane sequence folded in; older or repeated events are ignored. */
  lastSequence: number;
  /** Case and agent step of the latest event that had them. */
  currentCase: string | null;
  currentStep: number | null;
  lastToolCall: ToolCallSeen | null;
  inputTokens: number;
  outputTokens: number;
  casesStarted: number;
  casesFinished: number;
  /** Cases started and not yet finished. */
  activeCases: string[];
  /** When the lane's first and latest events happened (ISO 8601). */
  firstAt: string | null;
  lastAt: string | null;
  /** The latest one-line summary, for a "now doing" line. */
  lastSummary: string | null;
}

/** Every lane's activity, by run agent id. */
export type RunActivity = Readonly<Record<string, LaneActivity>>;

/** A lane before any event. */
export const emptyLaneActivity: LaneActivity = {
  events: 0,
  lastSequence: -1,
  currentCase: null,
  currentStep: null,
  lastToolCall: null,
  inputTokens: 0,
  outputTokens: 0,
  casesStarted: 0,
  casesFinished: 0,
  activeCases: [],
  firstAt: null,
  lastAt: null,
  lastSummary: null,
};

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function count(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

function text(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

/** One lane's activity after `event` (which must belong to that lane). */
export function foldLaneEvent(state: LaneActivity, event: RunEvent): LaneActivity {
  if (event.sequence <= state.lastSequence) return state;
  const payload = record(event.payload);
  const next: LaneActivity = {
    ...state,
    events: state.events + 1,
    lastSequence: event.sequence,
    currentCase: event.case_key ?? state.currentCase,
    currentStep: event.step ?? state.currentStep,
    firstAt: state.firstAt ?? event.occurred_at,
    lastAt: event.occurred_at,
    lastSummary: event.summary ?? state.lastSummary,
  };
  switch (event.type) {
    case "system.case.started": {
      const key = event.case_key ?? text(payload.case_key);
      next.casesStarted += 1;
      next.currentStep = null;
      if (key && !next.activeCases.includes(key)) next.activeCases = [...next.activeCases, key];
      break;
    }
    case "system.case.completed": {
      const key = event.case_key ?? text(payload.case_key);
      next.casesFinished += 1;
      next.activeCases = next.activeCases.filter((k) => k !== key);
      break;
    }
    case "model.call.completed": {
      const usage = record(payload.usage);
      next.inputTokens += count(usage.input_tokens);
      next.outputTokens += count(usage.output_tokens);
      // The calls the model asked for run next; the recorder may write their
      // own events only once they finish, so show the last one as running now.
      const calls = Array.isArray(payload.tool_calls) ? payload.tool_calls : [];
      const requested = text(record(calls[calls.length - 1]).name);
      if (requested) {
        next.lastToolCall = { name: requested, ok: null, caseKey: event.case_key ?? null, step: event.step ?? null };
      }
      break;
    }
    case "tool.call.started":
      next.lastToolCall = {
        name: text(payload.name) ?? "tool",
        ok: null,
        caseKey: event.case_key ?? null,
        step: event.step ?? null,
      };
      break;
    case "tool.call.completed":
      next.lastToolCall = {
        name: text(payload.name) ?? state.lastToolCall?.name ?? "tool",
        ok: payload.is_error !== true,
        caseKey: event.case_key ?? null,
        step: event.step ?? null,
      };
      break;
  }
  return next;
}

/** The run's activity after a batch of events (any lanes, stream order). */
export function foldRunEvents(state: RunActivity, events: readonly RunEvent[]): RunActivity {
  let changed: Record<string, LaneActivity> | null = null;
  for (const event of events) {
    const lane = event.run_agent_id;
    if (!lane) continue; // run-level events have no lane card
    const current: LaneActivity = changed?.[lane] ?? state[lane] ?? emptyLaneActivity;
    const folded = foldLaneEvent(current, event);
    if (folded !== current) {
      changed ??= { ...state };
      changed[lane] = folded;
    }
  }
  return changed ?? state;
}

/** Milliseconds between two ISO instants (0 when either is missing or out of order). */
export function elapsedMs(from: string | null, to: string | null): number {
  if (!from || !to) return 0;
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) && ms > 0 ? ms : 0;
}
