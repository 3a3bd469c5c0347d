"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { api, unwrap, type Schema } from "@/api/client";
import { InlineForm, SettingsPage, SettingsTable, useListMutation } from "@/components/settings/settings-list";
import { StatusBadge } from "@/components/status-badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { ConfirmButton, MutationError } from "@/components/ui/confirm-button";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { TableCell } from "@/components/ui/table";
import { formatDateTime } from "@/lib/format";
import { fetchTokens, keys } from "@/lib/queries";

function CreateToken({ onCreated }: { onCreated: (token: Schema<"CreatedToken">) => void }) {
  const id = useId();
  const client = useQueryClient();
  const [name, setName] = useState("");
  const [days, setDays] = useState("");
  const create = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST("/v1/auth/tokens", { body: { name, expires_in_days: days ? Number(days) : null } })),
    onSuccess: (token) => {
      setName("");
      setDays("");
      onCreated(token);
      void client.invalidateQueries({ queryKey: keys.tokens });
    },
  });
  return (
    <InlineForm onSubmit={() => create.mutate()}>
      <Field id={`${id}-name`} label="Token name">
        <Input id={`${id}-name`} required value={name} onChange={(e) => setName(e.target.value)} className="w-64" />
      </Field>
      <Field id={`${id}-days`} label="Expires in days (optional)">
        <Input id={`${id}-days`} type="number" min={1} max={3650} value={days} onChange={(e) => setDays(e.target.value)} className="w-40" />
      </Field>
      <Button type="submit" disabled={create.isPending || !name.trim()}>
        Create token
      </Button>
      <MutationError error={create.error} what="create the token" />
    </InlineForm>
  );
}

function NewToken({ token, onDone }: { token: Schema<"CreatedToken">; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <Card className="border-green-300" role="status">
      <CardHeader>
        <CardTitle as="h2">Token “{token.name}” created</CardTitle>
        <p className="text-sm">Copy it now: it is shown only once and cannot be read again.</p>
      </CardHeader>
      <CardContent className="flex flex-wrap items-center gap-2">
        <code data-testid="new-token" className="rounded bg-muted px-2 py-1 text-sm break-all">
          {token.token}
        </code>
        <Button
          variant="outline"
          size="sm"
          onClick={() => void navigator.clipboard?.writeText(token.token).then(() => setCopied(true), () => setCopied(false))}
        >
          {copied ? "Copied" : "Copy token"}
        </Button>
        <Button variant="ghost" size="sm" onClick={onDone}>
          Done
        </Button>
      </CardContent>
    </Card>
  );
}

/** The user's API tokens: create one (shown once), list them, revoke. */
export function TokensView() {
  const tokens = useQuery({ queryKey: keys.tokens, queryFn: fetchTokens });
  const [created, setCreated] = useState<Schema<"CreatedToken"> | null>(null);
  const revoke = useListMutation(
    keys.tokens,
    async (tokenId: string) => unwrap(await api.DELETE("/v1/auth/tokens/{token_id}", { params: { path: { token_id: tokenId } } })),
    "success",
  );
  return (
    <SettingsPage title="API tokens">
      <p className="text-sm text-muted-foreground">Tokens let the CLI and CI act as you. They are yours, across workspaces.</p>
      <CreateToken onCreated={setCreated} />
      {created && <NewToken token={created} onDone={() => setCreated(null)} />}
      <MutationError error={revoke.error} what="revoke the token" />
      <SettingsTable
        query={tokens}
        what="tokens"
        empty="No API tokens yet"
        label="API tokens"
        testId="tokens-table"
        columns={["Name", "Prefix", "State", "Created", "Last used", "Expires"]}
        actions="Actions"
        rowProps={(t) => ({ key: t.id, "data-token": t.name })}
        row={(t) => (
          <>
            <TableCell className="font-medium">{t.name}</TableCell>
            <TableCell><code>{t.prefix}</code></TableCell>
            <TableCell>
              <StatusBadge status={t.revoked_at ? "revoked" : "active"} data-testid="token-state" />
            </TableCell>
            <TableCell>{formatDateTime(t.created_at)}</TableCell>
            <TableCell>{formatDateTime(t.last_used_at)}</TableCell>
            <TableCell>{t.expires_at ? formatDateTime(t.expires_at) : "never"}</TableCell>
            <TableCell>
              {!t.revoked_at && (
                <ConfirmButton
                  label={`Revoke ${t.name}`}
                  confirmLabel={`Confirm revoking ${t.name}`}
                  disabled={revoke.isPending}
                  onConfirm={() => revoke.mutate(t.id)}
                />
              )}
            </TableCell>
          </>
        )}
      />
    </SettingsPage>
  );
}
