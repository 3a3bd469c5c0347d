// Display formatting shared by the pages: dates, durations, counts, status colours.

const dateTime = new Intl.DateTimeFormat("en-GB", {
  dateStyle: "medium",
  timeStyle: "medium",
});

/** An ISO instant as a local date and time ("—" when absent or invalid). */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? dateTime.format(ms) : "—";
}

/** A duration as "850 ms", "12.3 s", "4 min 05 s" or "2 h 03 min". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${String(Math.floor(seconds % 60)).padStart(2, "0")} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}

const integer = new Intl.NumberFormat("en-US");

/** A count with thousands separators. */
export function formatCount(n: number): string {
  return integer.format(n);
}

/** Badge colours for run, lane, case and step statuses. */
export type StatusTone = "neutral" | "active" | "success" | "danger" | "warning";

const TONES: Record<string, StatusTone> = {
  queued: "neutral",
  pending: "neutral",
  provisioning: "active",
  ready: "active",
  running: "active",
  executing: "active",
  evaluating: "active",
  scoring: "active",
  completed: "success",
  ok: "success",
  failed: "danger",
  error: "danger",
  cancelled: "warning",
  unfinished: "warning",
};

/** The tone of a status word (neutral for unknown words). */
export function statusTone(status: string): StatusTone {
  return TONES[status] ?? "neutral";
}

const TERMINAL_RUN = new Set(["completed", "failed", "cancelled"]);
const TERMINAL_LANE = new Set(["completed", "failed"]);

/** Whether a run status is final (nothing will change any more). */
export function isRunTerminal(status: string): boolean {
  return TERMINAL_RUN.has(status);
}

/** Whether a lane status is final. */
export function isLaneTerminal(status: string): boolean {
  return TERMINAL_LANE.has(status);
}
