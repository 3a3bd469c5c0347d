"use client";
import { useParams } from "next/navigation";
import { Suspense } from "react";
import { ReplayView } from "@/components/replay/replay-view";
import { Loading } from "@/components/ui/states";

export default function LaneReplayPage() {
  const { ws, runId, laneId } = useParams<{ ws: string; runId: string; laneId: string }>();
  return (
    <Suspense fallback={<Loading label="Loading the replay…" />}>
      <ReplayView key={laneId} ws={ws} runId={runId} laneId={laneId} />
    </Suspense>
  );
}
