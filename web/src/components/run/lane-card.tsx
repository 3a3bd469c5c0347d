"use client";
import Link from "next/link";
import type { Schema } from "@/api/client";
import { StatusBadge } from "@/components/status-badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { formatCount, formatDuration, isLaneTerminal } from "@/lib/format";
import { elapsedMs, emptyLaneActivity, type LaneActivity } from "@/lib/lane-activity";
import { useNow } from "@/lib/use-run-stream";

function Fact({ term, children, testId }: { term: string; children: React.ReactNode; testId?: string }) {
  return (
    <div className="flex flex-col">
      <dt className="text-xs text-muted-foreground">{term}</dt>
      <dd className="font-medium" data-testid={testId}>
        {children}
      </dd>
    </div>
  );
}

type ToolState = "running" | "unfinished" | "ok" | "error";

const TOOL_STATE_TEXT: Record<ToolState, string> = {
  running: "(running)",
  unfinished: "(did not finish)",
  ok: "ok",
  error: "failed",
};

/** One lane of a run: its status from the API, its activity from the live stream. */
export function LaneCard({
  ws,
  runId,
  lane,
  caseCount,
  activity = emptyLaneActivity,
}: {
  ws: string;
  runId: string;
  lane: Schema<"RunAgent">;
  caseCount: number;
  activity?: LaneActivity;
}) {
  const terminal = isLaneTerminal(lane.status);
  const now = useNow(!terminal && activity.firstAt !== null);
  const lastMs = activity.lastAt ? Date.parse(activity.lastAt) : 0;
  const end = terminal ? (lane.finished_at ?? activity.lastAt) : new Date(Math.max(now, lastMs)).toISOString();
  const tool = activity.lastToolCall;
  // A call that never reported back on a finished lane was interrupted.
  const toolState: ToolState = !tool || tool.ok === null ? (terminal ? "unfinished" : "running") : tool.ok ? "ok" : "error";
  const titleId = `lane-${lane.id}-title`;

  return (
    <Card aria-labelledby={titleId} role="region" data-testid="lane-card" data-lane-id={lane.id} data-status={lane.status}>
      <CardHeader className="flex-row items-start justify-between gap-2">
        <div>
          <CardTitle id={titleId}>{lane.label}</CardTitle>
          <p className="text-xs text-muted-foreground">Lane {lane.lane_index + 1}</p>
        </div>
        <StatusBadge status={lane.status} label="lane status" data-testid="lane-status" />
      </CardHeader>
      <CardContent className="flex flex-col gap-3">
        <dl className="grid grid-cols-2 gap-x-4 gap-y-2 text-sm">
          <Fact term="Cases done" testId="lane-cases">
            {activity.casesFinished} / {caseCount}
          </Fact>
          <Fact term={terminal ? "Last step" : "Current step"} testId="lane-step">
            {activity.currentCase ? (
              <>
                {activity.currentCase}
                {activity.currentStep !== null && <> · step {activity.currentStep}</>}
              </>
            ) : (
              "—"
            )}
          </Fact>
          <Fact term="Last tool call" testId="lane-tool">
            {tool ? (
              <span data-tool-state={toolState}>
                <code>{tool.name}</code> {TOOL_STATE_TEXT[toolState]}
              </span>
            ) : (
              "—"
            )}
          </Fact>
          <Fact term="Tokens in / out" testId="lane-tokens">
            {formatCount(activity.inputTokens)} / {formatCount(activity.outputTokens)}
          </Fact>
          <Fact term="Elapsed" testId="lane-elapsed">
            {activity.firstAt ? formatDuration(elapsedMs(activity.firstAt, end)) : "—"}
          </Fact>
          <Fact term="Events">{formatCount(activity.events)}</Fact>
        </dl>
        {lane.failure_reason && (
          <p className="text-sm text-red-800">
            <span className="font-medium">Failed:</span> {lane.failure_reason}
          </p>
        )}
        {activity.lastSummary && !terminal && (
          <p className="truncate text-xs text-muted-foreground" title={activity.lastSummary}>
            {activity.lastSummary}
          </p>
        )}
        <div className="flex flex-wrap gap-2">
          <Button variant="outline" size="sm" asChild>
            <Link href={`/w/${ws}/runs/${runId}/lanes/${lane.id}`} aria-label={`Replay of ${lane.label}`}>
              Replay
            </Link>
          </Button>
          <Button variant="outline" size="sm" asChild>
            <Link href={`/w/${ws}/runs/${runId}/lanes/${lane.id}/scorecard`} aria-label={`Scorecard of ${lane.label}`}>
              Scorecard
            </Link>
          </Button>
        </div>
      </CardContent>
    </Card>
  );
}
