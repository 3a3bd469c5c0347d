"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "@/api/client";
import { StatusBadge } from "@/components/status-badge";
import { CreateDeploymentForm, CreateProviderAccountForm } from "@/components/settings/create-forms";
import { ConfirmButton, MutationError } from "@/components/ui/confirm-button";
import { PageHeader } from "@/components/ui/page-header";
import { QueryView } from "@/components/ui/query-view";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { formatDateTime } from "@/lib/format";
import { fetchAllDeployments, fetchProviderAccounts, keys } from "@/lib/queries";

/** Archives a deployment or provider account (`…/{id}/archive`), then refreshes the list. */
function useArchive(ws: string, kind: "deployments" | "provider-accounts", key: readonly unknown[]) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (id: string) =>
      kind === "deployments"
        ? unwrap(await api.POST("/v1/workspaces/{workspace_id}/deployments/{id}/archive", { params: { path: { workspace_id: ws, id } } }))
        : unwrap(await api.POST("/v1/workspaces/{workspace_id}/provider-accounts/{id}/archive", { params: { path: { workspace_id: ws, id } } })),
    onSettled: () => void client.invalidateQueries({ queryKey: key }),
  });
}

function ArchiveCell({ name, archivedAt, onArchive }: { name: string; archivedAt: string | null | undefined; onArchive: () => void }) {
  if (archivedAt) return <StatusBadge status="archived" />;
  return <ConfirmButton label={`Archive ${name}`} confirmLabel={`Confirm archiving ${name}`} onConfirm={onArchive} />;
}

/** The workspace's deployments (build version + runtime profile + provider account + model). */
export function DeploymentsView({ ws }: { ws: string }) {
  const deployments = useQuery({ queryKey: [...keys.deployments(ws), "all"], queryFn: () => fetchAllDeployments(ws) });
  const accounts = useQuery({ queryKey: keys.providerAccounts(ws), queryFn: () => fetchProviderAccounts(ws) });
  const archive = useArchive(ws, "deployments", keys.deployments(ws));
  const accountName = new Map((accounts.data ?? []).map((a) => [a.id, a.name]));
  return (
    <div className="flex flex-col gap-4">
      <PageHeader title="Deployments" />
      <p className="text-sm text-muted-foreground">Each deployment is one lane of a run.</p>
      <CreateDeploymentForm ws={ws} />
      <MutationError error={archive.error} what="archive the deployment" />
      <QueryView query={deployments} what="deployments" empty={{ title: "No deployments yet" }}>
        {(items) => (
          <Table aria-label="Deployments" data-testid="deployments-table">
            <TableHeader>
              <TableRow>
                <TableHead>Name</TableHead>
                <TableHead>Model</TableHead>
                <TableHead>Provider account</TableHead>
                <TableHead>Created</TableHead>
                <TableHead>
                  <span className="sr-only">State</span>
                </TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {items.map((d) => (
                <TableRow key={d.id} data-deployment={d.name}>
                  <TableCell className="font-medium">{d.name}</TableCell>
                  <TableCell><code>{d.model}</code></TableCell>
                  <TableCell>{accountName.get(d.provider_account_id) ?? d.provider_account_id}</TableCell>
                  <TableCell>{formatDateTime(d.created_at)}</TableCell>
                  <TableCell>
                    <ArchiveCell name={d.name} archivedAt={d.archived_at} onArchive={() => archive.mutate(d.id)} />
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </QueryView>
    </div>
  );
}

/** The workspace's provider accounts: vendor, endpoint, credential reference (never a value). */
export function ProviderAccountsView({ ws }: { ws: string }) {
  const accounts = useQuery({ queryKey: keys.providerAccounts(ws), queryFn: () => fetchProviderAccounts(ws) });
  const archive = useArchive(ws, "provider-accounts", keys.providerAccounts(ws));
  return (
    <div className="flex flex-col gap-4">
      <PageHeader title="Provider accounts" />
      <CreateProviderAccountForm ws={ws} />
      <MutationError error={archive.error} what="archive the provider account" />
      <QueryView query={accounts} what="provider accounts" empty={{ title: "No provider accounts yet" }}>
        {(items) => (
          <Table aria-label="Provider accounts" data-testid="provider-accounts-table">
            <TableHeader>
              <TableRow>
                <TableHead>Name</TableHead>
                <TableHead>Provider</TableHead>
                <TableHead>Endpoint</TableHead>
                <TableHead>Credential</TableHead>
                <TableHead>Limits</TableHead>
                <TableHead>
                  <span className="sr-only">State</span>
                </TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {items.map((a) => (
                <TableRow key={a.id} data-account={a.name}>
                  <TableCell className="font-medium">{a.name}</TableCell>
                  <TableCell>{a.kind}</TableCell>
                  <TableCell>{a.base_url ?? "default"}</TableCell>
                  <TableCell>{a.credential_ref ? <code>{a.credential_ref}</code> : "none"}</TableCell>
                  <TableCell className="text-xs">
                    {[
                      a.max_concurrency ? `${a.max_concurrency} at once` : null,
                      a.requests_per_minute ? `${a.requests_per_minute} req/min` : null,
                      a.tokens_per_minute ? `${a.tokens_per_minute} tok/min` : null,
                    ]
                      .filter(Boolean)
                      .join(", ") || "—"}
                  </TableCell>
                  <TableCell>
                    <ArchiveCell name={a.name} archivedAt={a.archived_at} onArchive={() => archive.mutate(a.id)} />
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </QueryView>
    </div>
  );
}
