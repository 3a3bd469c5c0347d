"use client";
import { useParams } from "next/navigation";
import { ReplayView } from "@/components/replay/replay-view";

export default function LaneReplayPage() {
  const { ws, runId, laneId } = useParams<{ ws: string; runId: string; laneId: string }>();
  return <ReplayView key={laneId} ws={ws} runId={runId} laneId={laneId} />;
}
