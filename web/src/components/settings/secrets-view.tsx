"use client";
import { useQuery } from "@tanstack/react-query";
import { useId, useState } from "react";
import { api, unwrap } from "@/api/client";
import { InlineForm, SettingsPage, SettingsTable, SuccessNote, useListMutation } from "@/components/settings/settings-list";
import { Button } from "@/components/ui/button";
import { ConfirmButton, MutationError } from "@/components/ui/confirm-button";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { TableCell } from "@/components/ui/table";
import { formatDateTime } from "@/lib/format";
import { fetchSecrets, keys } from "@/lib/queries";

/** The workspace's secrets: names only (values are write-only); set one, delete one. */
export function SecretsView({ ws }: { ws: string }) {
  const id = useId();
  const secrets = useQuery({ queryKey: keys.secrets(ws), queryFn: () => fetchSecrets(ws) });
  const [name, setName] = useState("");
  const [value, setValue] = useState("");
  const [saved, setSaved] = useState<string | null>(null);
  const put = useListMutation(
    keys.secrets(ws),
    async () => unwrap(await api.PUT("/v1/workspaces/{workspace_id}/secrets/{name}", { params: { path: { workspace_id: ws, name } }, body: { value } })),
    "success",
    () => {
      setSaved(name);
      setName("");
      setValue("");
    },
  );
  const remove = useListMutation(
    keys.secrets(ws),
    async (secret: string) =>
      unwrap(await api.DELETE("/v1/workspaces/{workspace_id}/secrets/{name}", { params: { path: { workspace_id: ws, name: secret } } })),
    "success",
  );
  return (
    <SettingsPage title="Secrets">
      <p className="text-sm text-muted-foreground">
        Values are encrypted and never shown again; provider accounts use them as <code>workspace-secret://NAME</code>.
      </p>
      <InlineForm onSubmit={() => put.mutate()}>
        <Field id={`${id}-name`} label="Secret name">
          <Input id={`${id}-name`} required value={name} onChange={(e) => setName(e.target.value)} className="w-64" placeholder="OPENAI_API_KEY" />
        </Field>
        <Field id={`${id}-value`} label="Value">
          <Input id={`${id}-value`} type="password" autoComplete="off" required value={value} onChange={(e) => setValue(e.target.value)} className="w-64" />
        </Field>
        <Button type="submit" disabled={put.isPending || !name.trim() || !value}>
          Set secret
        </Button>
      </InlineForm>
      <MutationError error={put.error} what="set the secret" />
      {saved && !put.isPending && <SuccessNote>Secret {saved} set.</SuccessNote>}
      <MutationError error={remove.error} what="delete the secret" />
      <SettingsTable
        query={secrets}
        what="secrets"
        empty="No secrets yet"
        label="Secrets"
        testId="secrets-table"
        columns={["Name", "Created", "Last set"]}
        actions="Actions"
        rowProps={(s) => ({ key: s.name, "data-secret": s.name })}
        row={(s) => (
          <>
            <TableCell><code>{s.name}</code></TableCell>
            <TableCell>{formatDateTime(s.created_at)}</TableCell>
            <TableCell>{formatDateTime(s.updated_at)}</TableCell>
            <TableCell>
              <ConfirmButton label={`Delete ${s.name}`} confirmLabel={`Confirm deleting ${s.name}`} onConfirm={() => remove.mutate(s.name)} />
            </TableCell>
          </>
        )}
      />
    </SettingsPage>
  );
}
