"use client";
import { useParams } from "next/navigation";
import { ScorecardView } from "@/components/scores/scorecard-view";

export default function LaneScorecardPage() {
  const { ws, runId, laneId } = useParams<{ ws: string; runId: string; laneId: string }>();
  return <ScorecardView key={laneId} ws={ws} runId={runId} laneId={laneId} />;
}
