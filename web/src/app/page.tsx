"use client";
import { useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect } from "react";
import { AuthGate } from "@/components/auth-gate";
import { EmptyState, ErrorState, Loading } from "@/components/ui/states";
import { fetchWorkspaces, keys } from "@/lib/queries";
import { rememberedWorkspace } from "@/lib/workspace";

/** Opens the last workspace used in this browser, or the first one. */
function OpenWorkspace() {
  const router = useRouter();
  const workspaces = useQuery({ queryKey: keys.workspaces, queryFn: fetchWorkspaces });
  const items = workspaces.data;

  useEffect(() => {
    if (!items?.length) return;
    const remembered = rememberedWorkspace();
    const target = items.find((w) => w.id === remembered) ?? items[0];
    if (target) router.replace(`/w/${target.id}/runs`);
  }, [items, router]);

  return (
    <main id="main" className="mx-auto max-w-lg p-8">
      <h1 className="sr-only">AgentClash</h1>
      {workspaces.isError ? (
        <ErrorState title="Could not load your workspaces" error={workspaces.error} retry={() => void workspaces.refetch()} />
      ) : items && items.length === 0 ? (
        <EmptyState title="You are not a member of any workspace">Ask a workspace admin for an invitation.</EmptyState>
      ) : (
        <Loading label="Opening your workspace…" />
      )}
    </main>
  );
}

export default function HomePage() {
  return <AuthGate>{() => <OpenWorkspace />}</AuthGate>;
}
