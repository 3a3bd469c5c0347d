"use client";
// Follows a run's server-sent event stream and folds it into lane activity.
import { useEffect, useRef, useState } from "react";
import { foldRunEvents, type RunActivity, type RunEvent } from "@/lib/lane-activity";

/** Where the live connection is. */
export type StreamStatus = "connecting" | "live" | "reconnecting" | "ended" | "unavailable";

/** Events are applied in batches at most this often (a busy run sends hundreds a second). */
const FLUSH_MS = 100;
/** After the server refused or dropped the stream for good, open a new one this much later. */
const RETRY_MS = 5_000;

/**
 * The live activity of every lane of a run. The browser's EventSource resumes
 * with `Last-Event-ID` after a network drop; when the stream cannot be had at
 * all (e.g. 503: the server's stream limit), a fresh one is opened later and
 * replays from the start, which the fold ignores for events it has seen.
 * `onEnd` runs once the run is terminal and every event was received.
 */
export function useRunStream(ws: string, runId: string, onEnd: () => void): { activity: RunActivity; status: StreamStatus } {
  const [activity, setActivity] = useState<RunActivity>({});
  const [status, setStatus] = useState<StreamStatus>("connecting");
  const onEndRef = useRef(onEnd);
  useEffect(() => {
    onEndRef.current = onEnd;
  }, [onEnd]);

  useEffect(() => {
    const url = `/v1/workspaces/${encodeURIComponent(ws)}/runs/${encodeURIComponent(runId)}/events/stream`;
    let source: EventSource | null = null;
    let pending: RunEvent[] = [];
    let flushTimer: ReturnType<typeof setTimeout> | null = null;
    let retryTimer: ReturnType<typeof setTimeout> | null = null;
    let stopped = false;
    setActivity({});
    setStatus("connecting");

    const flush = () => {
      flushTimer = null;
      if (pending.length === 0) return;
      const batch = pending;
      pending = [];
      setActivity((state) => foldRunEvents(state, batch));
    };

    const open = () => {
      const es = new EventSource(url);
      source = es;
      es.onopen = () => setStatus("live");
      es.addEventListener("run_event", (message) => {
        try {
          pending.push(JSON.parse((message as MessageEvent<string>).data) as RunEvent);
        } catch {
          return; // a malformed event is skipped, not fatal
        }
        flushTimer ??= setTimeout(flush, FLUSH_MS);
      });
      es.addEventListener("end", () => {
        es.close();
        if (flushTimer) clearTimeout(flushTimer);
        flush();
        setStatus("ended");
        onEndRef.current();
      });
      es.addEventListener("error", () => {
        if (stopped || es.readyState === EventSource.CONNECTING) {
          if (!stopped) setStatus("reconnecting");
          return;
        }
        // Closed for good (a non-stream answer): try a fresh stream later.
        es.close();
        setStatus("unavailable");
        retryTimer = setTimeout(() => {
          if (!stopped) open();
        }, RETRY_MS);
      });
    };
    open();

    return () => {
      stopped = true;
      source?.close();
      if (flushTimer) clearTimeout(flushTimer);
      if (retryTimer) clearTimeout(retryTimer);
    };
  }, [ws, runId]);

  return { activity, status };
}

/** A clock that ticks every `ms` while `running` (for elapsed times). */
export function useNow(running: boolean, ms = 1_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [running, ms]);
  return now;
}
