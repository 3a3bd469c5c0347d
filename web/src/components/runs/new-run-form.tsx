"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useId, useState } from "react";
import { api, unwrap } from "@/api/client";
import { Button } from "@/components/ui/button";
import { Input, Label, Select } from "@/components/ui/input";
import { EmptyState, ErrorState, Loading } from "@/components/ui/states";
import { fetchDeployments, fetchPacks, fetchPackVersions, keys } from "@/lib/queries";

/** Picks a pack version and deployments and starts a run (one lane per deployment). */
export function NewRunForm({ ws }: { ws: string }) {
  const router = useRouter();
  const client = useQueryClient();
  const formId = useId();
  const packs = useQuery({ queryKey: keys.packs(ws), queryFn: () => fetchPacks(ws) });
  const deployments = useQuery({ queryKey: keys.deployments(ws), queryFn: () => fetchDeployments(ws) });
  const [slug, setSlug] = useState("");
  const [versionId, setVersionId] = useState("");
  const [chosen, setChosen] = useState<string[]>([]);
  const [name, setName] = useState("");

  const packSlug = slug || packs.data?.[0]?.slug || "";
  const versions = useQuery({
    queryKey: keys.packVersions(ws, packSlug),
    queryFn: () => fetchPackVersions(ws, packSlug),
    enabled: packSlug !== "",
  });
  const newest = versions.data?.reduce<(typeof versions.data)[number] | undefined>(
    (best, v) => (!best || v.version > best.version ? v : best),
    undefined,
  );
  const packVersionId = versionId || newest?.id || "";

  const create = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/v1/workspaces/{workspace_id}/runs", {
          params: { path: { workspace_id: ws } },
          body: { pack_version_id: packVersionId, deployment_ids: chosen, name: name.trim() || undefined },
        }),
      ),
    onSuccess: (run) => {
      void client.invalidateQueries({ queryKey: ["ws", ws, "runs"] });
      router.push(`/w/${ws}/runs/${run.id}`);
    },
  });

  if (packs.isPending || deployments.isPending) return <Loading label="Loading packs and deployments…" />;
  if (packs.isError) return <ErrorState title="Could not load challenge packs" error={packs.error} retry={() => void packs.refetch()} />;
  if (deployments.isError)
    return <ErrorState title="Could not load deployments" error={deployments.error} retry={() => void deployments.refetch()} />;
  if (packs.data.length === 0)
    return <EmptyState title="No challenge pack yet">Publish one with <code>agentclash challenge-pack publish FILE</code>.</EmptyState>;
  if (deployments.data.length === 0)
    return <EmptyState title="No deployment yet">Create one with <code>agentclash deployment create</code>.</EmptyState>;

  const toggle = (id: string, on: boolean) => setChosen((c) => (on ? [...c, id] : c.filter((x) => x !== id)));
  return (
    <form
      className="flex max-w-xl flex-col gap-5"
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate();
      }}
    >
      <div className="flex flex-col gap-1.5">
        <Label htmlFor={`${formId}-pack`}>Challenge pack</Label>
        <Select
          id={`${formId}-pack`}
          value={packSlug}
          onChange={(e) => {
            setSlug(e.target.value);
            setVersionId("");
          }}
        >
          {packs.data.map((p) => (
            <option key={p.id} value={p.slug}>
              {p.name} ({p.slug})
            </option>
          ))}
        </Select>
      </div>
      <div className="flex flex-col gap-1.5">
        <Label htmlFor={`${formId}-version`}>Version</Label>
        <Select
          id={`${formId}-version`}
          value={packVersionId}
          disabled={!versions.data}
          onChange={(e) => setVersionId(e.target.value)}
        >
          {!versions.data && <option value="">{versions.isError ? "Could not load versions" : "Loading…"}</option>}
          {versions.data?.map((v) => (
            <option key={v.id} value={v.id}>
              v{v.version}
            </option>
          ))}
        </Select>
      </div>
      <fieldset className="flex flex-col gap-2">
        <legend className="mb-1 text-sm font-medium">Deployments (one lane each)</legend>
        {deployments.data.map((d) => (
          <label key={d.id} className="flex items-center gap-2 text-sm">
            <input
              type="checkbox"
              className="size-4"
              checked={chosen.includes(d.id)}
              onChange={(e) => toggle(d.id, e.target.checked)}
            />
            {d.name} <span className="text-muted-foreground">({d.model})</span>
          </label>
        ))}
      </fieldset>
      <div className="flex flex-col gap-1.5">
        <Label htmlFor={`${formId}-name`}>Name (optional)</Label>
        <Input id={`${formId}-name`} value={name} maxLength={200} onChange={(e) => setName(e.target.value)} />
      </div>
      {create.isError && (
        <p role="alert" className="text-sm text-red-700">
          Could not start the run: {create.error.message}
        </p>
      )}
      <div className="flex gap-2">
        <Button type="submit" disabled={create.isPending || chosen.length === 0 || !packVersionId}>
          {create.isPending ? "Starting…" : "Start run"}
        </Button>
        <Button variant="ghost" asChild>
          <Link href={`/w/${ws}/runs`}>Back to runs</Link>
        </Button>
      </div>
    </form>
  );
}
