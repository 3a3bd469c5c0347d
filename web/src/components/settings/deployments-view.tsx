"use client";
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "@/api/client";
import { StatusBadge } from "@/components/status-badge";
import { CreateDeploymentForm, CreateProviderAccountForm } from "@/components/settings/create-forms";
import { SettingsPage, SettingsTable, useListMutation } from "@/components/settings/settings-list";
import { ConfirmButton, MutationError } from "@/components/ui/confirm-button";
import { TableCell } from "@/components/ui/table";
import { formatDateTime } from "@/lib/format";
import { fetchAllDeployments, fetchProviderAccounts, keys } from "@/lib/queries";

/** Archives a deployment or provider account (`…/{id}/archive`), then refreshes the list. */
function useArchive(ws: string, kind: "deployments" | "provider-accounts", key: readonly unknown[]) {
  return useListMutation(key, async (id: string) =>
    kind === "deployments"
      ? unwrap(await api.POST("/v1/workspaces/{workspace_id}/deployments/{id}/archive", { params: { path: { workspace_id: ws, id } } }))
      : unwrap(await api.POST("/v1/workspaces/{workspace_id}/provider-accounts/{id}/archive", { params: { path: { workspace_id: ws, id } } })),
  );
}

function ArchiveCell({ name, archivedAt, onArchive }: { name: string; archivedAt: string | null | undefined; onArchive: () => void }) {
  return (
    <TableCell>
      {archivedAt ? (
        <StatusBadge status="archived" />
      ) : (
        <ConfirmButton label={`Archive ${name}`} confirmLabel={`Confirm archiving ${name}`} onConfirm={onArchive} />
      )}
    </TableCell>
  );
}

/** The workspace's deployments (build version + runtime profile + provider account + model). */
export function DeploymentsView({ ws }: { ws: string }) {
  const deployments = useQuery({ queryKey: [...keys.deployments(ws), "all"], queryFn: () => fetchAllDeployments(ws) });
  const accounts = useQuery({ queryKey: keys.providerAccounts(ws), queryFn: () => fetchProviderAccounts(ws) });
  const archive = useArchive(ws, "deployments", keys.deployments(ws));
  const accountName = new Map((accounts.data ?? []).map((a) => [a.id, a.name]));
  return (
    <SettingsPage title="Deployments">
      <p className="text-sm text-muted-foreground">Each deployment is one lane of a run.</p>
      <CreateDeploymentForm ws={ws} />
      <MutationError error={archive.error} what="archive the deployment" />
      <SettingsTable
        query={deployments}
        what="deployments"
        empty="No deployments yet"
        label="Deployments"
        testId="deployments-table"
        columns={["Name", "Model", "Provider account", "Created"]}
        actions="State"
        rowProps={(d) => ({ key: d.id, "data-deployment": d.name })}
        row={(d) => (
          <>
            <TableCell className="font-medium">{d.name}</TableCell>
            <TableCell><code>{d.model}</code></TableCell>
            <TableCell>{accountName.get(d.provider_account_id) ?? d.provider_account_id}</TableCell>
            <TableCell>{formatDateTime(d.created_at)}</TableCell>
            <ArchiveCell name={d.name} archivedAt={d.archived_at} onArchive={() => archive.mutate(d.id)} />
          </>
        )}
      />
    </SettingsPage>
  );
}

/** The provider account's rate limits in words ("4 at once, 60 req/min"), or a dash. */
function limits(a: { max_concurrency?: number | null; requests_per_minute?: number | null; tokens_per_minute?: number | null }) {
  return (
    [
      a.max_concurrency ? `${a.max_concurrency} at once` : null,
      a.requests_per_minute ? `${a.requests_per_minute} req/min` : null,
      a.tokens_per_minute ? `${a.tokens_per_minute} tok/min` : null,
    ]
      .filter(Boolean)
      .join(", ") || "—"
  );
}

/** The workspace's provider accounts: vendor, endpoint, credential reference (never a value). */
export function ProviderAccountsView({ ws }: { ws: string }) {
  const accounts = useQuery({ queryKey: keys.providerAccounts(ws), queryFn: () => fetchProviderAccounts(ws) });
  const archive = useArchive(ws, "provider-accounts", keys.providerAccounts(ws));
  return (
    <SettingsPage title="Provider accounts">
      <CreateProviderAccountForm ws={ws} />
      <MutationError error={archive.error} what="archive the provider account" />
      <SettingsTable
        query={accounts}
        what="provider accounts"
        empty="No provider accounts yet"
        label="Provider accounts"
        testId="provider-accounts-table"
        columns={["Name", "Provider", "Endpoint", "Credential", "Limits"]}
        actions="State"
        rowProps={(a) => ({ key: a.id, "data-account": a.name })}
        row={(a) => (
          <>
            <TableCell className="font-medium">{a.name}</TableCell>
            <TableCell>{a.kind}</TableCell>
            <TableCell>{a.base_url ?? "default"}</TableCell>
            <TableCell>{a.credential_ref ? <code>{a.credential_ref}</code> : "none"}</TableCell>
            <TableCell className="text-xs">{limits(a)}</TableCell>
            <ArchiveCell name={a.name} archivedAt={a.archived_at} onArchive={() => archive.mutate(a.id)} />
          </>
        )}
      />
    </SettingsPage>
  );
}
