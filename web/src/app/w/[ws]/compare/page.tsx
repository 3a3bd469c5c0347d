"use client";
import { useParams, useSearchParams } from "next/navigation";
import { Suspense } from "react";
import { CompareView } from "@/components/compare/compare-view";
import { LanePicker } from "@/components/compare/lane-picker";
import { PageHeader } from "@/components/ui/page-header";
import { Loading } from "@/components/ui/states";
import { isLaneId } from "@/lib/compare";

/**
 * `?baseline=&candidate=` (two lane ids) compares those lanes; without them
 * a picker chooses a run and a lane for each side (`?run=` starts both sides
 * on one run, `?baseline_run=&candidate_run=` on two).
 */
function Compare() {
  const { ws } = useParams<{ ws: string }>();
  const params = useSearchParams();
  const baseline = params.get("baseline");
  const candidate = params.get("candidate");
  if (isLaneId(baseline) && isLaneId(candidate)) {
    return <CompareView key={`${baseline}/${candidate}`} ws={ws} baseline={baseline} candidate={candidate} />;
  }
  const run = params.get("run");
  const start = { baselineRun: params.get("baseline_run") ?? run, candidateRun: params.get("candidate_run") ?? run };
  const problem =
    baseline !== null || candidate !== null
      ? "The address does not name two lanes (`baseline` and `candidate` must both be lane ids): choose them here."
      : undefined;
  return (
    <div className="flex flex-col gap-4">
      <PageHeader title="Compare lanes" />
      <LanePicker key={`${start.baselineRun}/${start.candidateRun}`} ws={ws} start={start} problem={problem} />
    </div>
  );
}

export default function ComparePage() {
  return (
    <Suspense fallback={<Loading />}>
      <Compare />
    </Suspense>
  );
}
