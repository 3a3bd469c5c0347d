import Link from "next/link";
import type { Schema } from "@/api/client";
import { StatusBadge } from "@/components/status-badge";

/** "← run name": back from a lane's pages to its run. */
export function RunBackLink({ ws, runId, name }: { ws: string; runId: string; name: string | undefined }) {
  return (
    <Link href={`/w/${ws}/runs/${runId}`} className="text-sm text-muted-foreground hover:underline">
      ← {name ?? "Run"}
    </Link>
  );
}

/** A lane page's title: "Replay: label" with the lane's status. */
export function LaneTitle({ what, lane }: { what: string; lane: Schema<"RunAgent"> | undefined }) {
  return (
    <span className="flex flex-wrap items-center gap-2">
      {what}: {lane?.label ?? "lane"}
      {lane && <StatusBadge status={lane.status} label="lane status" />}
    </span>
  );
}
