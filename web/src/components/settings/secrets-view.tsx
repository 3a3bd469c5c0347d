"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { api, unwrap } from "@/api/client";
import { Button } from "@/components/ui/button";
import { ConfirmButton, MutationError } from "@/components/ui/confirm-button";
import { Input, Label } from "@/components/ui/input";
import { PageHeader } from "@/components/ui/page-header";
import { QueryView } from "@/components/ui/query-view";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { formatDateTime } from "@/lib/format";
import { fetchSecrets, keys } from "@/lib/queries";

/** The workspace's secrets: names only (values are write-only); set one, delete one. */
export function SecretsView({ ws }: { ws: string }) {
  const id = useId();
  const client = useQueryClient();
  const secrets = useQuery({ queryKey: keys.secrets(ws), queryFn: () => fetchSecrets(ws) });
  const [name, setName] = useState("");
  const [value, setValue] = useState("");
  const [saved, setSaved] = useState<string | null>(null);
  const refresh = () => void client.invalidateQueries({ queryKey: keys.secrets(ws) });
  const put = useMutation({
    mutationFn: async () =>
      unwrap(await api.PUT("/v1/workspaces/{workspace_id}/secrets/{name}", { params: { path: { workspace_id: ws, name } }, body: { value } })),
    onSuccess: () => {
      setSaved(name);
      setName("");
      setValue("");
      refresh();
    },
  });
  const remove = useMutation({
    mutationFn: async (secret: string) =>
      unwrap(await api.DELETE("/v1/workspaces/{workspace_id}/secrets/{name}", { params: { path: { workspace_id: ws, name: secret } } })),
    onSuccess: refresh,
  });
  return (
    <div className="flex flex-col gap-4">
      <PageHeader title="Secrets" />
      <p className="text-sm text-muted-foreground">
        Values are encrypted and never shown again; provider accounts use them as <code>workspace-secret://NAME</code>.
      </p>
      <form
        className="flex flex-wrap items-end gap-3"
        onSubmit={(e) => {
          e.preventDefault();
          put.mutate();
        }}
      >
        <div className="flex flex-col gap-1.5">
          <Label htmlFor={`${id}-name`}>Secret name</Label>
          <Input id={`${id}-name`} required value={name} onChange={(e) => setName(e.target.value)} className="w-64" placeholder="OPENAI_API_KEY" />
        </div>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor={`${id}-value`}>Value</Label>
          <Input id={`${id}-value`} type="password" autoComplete="off" required value={value} onChange={(e) => setValue(e.target.value)} className="w-64" />
        </div>
        <Button type="submit" disabled={put.isPending || !name.trim() || !value}>
          Set secret
        </Button>
      </form>
      <MutationError error={put.error} what="set the secret" />
      {saved && !put.isPending && (
        <p role="status" className="text-sm text-green-800">
          Secret {saved} set.
        </p>
      )}
      <MutationError error={remove.error} what="delete the secret" />
      <QueryView query={secrets} what="secrets" empty={{ title: "No secrets yet" }}>
        {(items) => (
          <Table aria-label="Secrets" data-testid="secrets-table">
            <TableHeader>
              <TableRow>
                <TableHead>Name</TableHead>
                <TableHead>Created</TableHead>
                <TableHead>Last set</TableHead>
                <TableHead>
                  <span className="sr-only">Actions</span>
                </TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {items.map((s) => (
                <TableRow key={s.name} data-secret={s.name}>
                  <TableCell><code>{s.name}</code></TableCell>
                  <TableCell>{formatDateTime(s.created_at)}</TableCell>
                  <TableCell>{formatDateTime(s.updated_at)}</TableCell>
                  <TableCell>
                    <ConfirmButton label={`Delete ${s.name}`} confirmLabel={`Confirm deleting ${s.name}`} onConfirm={() => remove.mutate(s.name)} />
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
