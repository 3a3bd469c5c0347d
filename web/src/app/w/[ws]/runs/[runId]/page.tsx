"use client";
import { useParams } from "next/navigation";
import { RunView } from "@/components/run/run-view";

export default function RunPage() {
  const { ws, runId } = useParams<{ ws: string; runId: string }>();
  return <RunView key={`${ws}/${runId}`} ws={ws} runId={runId} />;
}
