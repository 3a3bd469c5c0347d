"use client";
import Link from "next/link";
import { useParams, useSearchParams } from "next/navigation";
import { Suspense } from "react";
import { RunsTable } from "@/components/runs/runs-table";
import { Button } from "@/components/ui/button";
import { Loading } from "@/components/ui/states";

const DEFAULT_PAGE_SIZE = 20;

/** `?limit=N` (1..100, the API's range) sets the page size. */
function pageSize(raw: string | null): number {
  const n = Number(raw);
  return Number.isInteger(n) && n >= 1 && n <= 100 ? n : DEFAULT_PAGE_SIZE;
}

function Runs() {
  const { ws } = useParams<{ ws: string }>();
  const size = pageSize(useSearchParams().get("limit"));
  return (
    <div className="flex flex-col gap-4">
      <div className="flex items-center justify-between gap-4">
        <h1 className="text-2xl font-semibold">Runs</h1>
        <Button asChild>
          <Link href={`/w/${ws}/runs/new`}>New run</Link>
        </Button>
      </div>
      <RunsTable key={`${ws}/${size}`} ws={ws} pageSize={size} />
    </div>
  );
}

export default function RunsPage() {
  return (
    <Suspense fallback={<Loading />}>
      <Runs />
    </Suspense>
  );
}
