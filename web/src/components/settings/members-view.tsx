"use client";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useId, useState } from "react";
import { api, unwrap, type Schema } from "@/api/client";
import { InlineForm, SettingsPage, SettingsTable, SuccessNote, useListMutation } from "@/components/settings/settings-list";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { ConfirmButton, MutationError } from "@/components/ui/confirm-button";
import { Input, Select } from "@/components/ui/input";
import { TableCell } from "@/components/ui/table";
import { formatDateTime } from "@/lib/format";
import { fetchMembers, keys } from "@/lib/queries";

const ROLES: { role: Schema<"WorkspaceRole">; label: string }[] = [
  { role: "workspace_viewer", label: "Viewer" },
  { role: "workspace_member", label: "Member" },
  { role: "workspace_admin", label: "Admin" },
];

/** The role choices of a `<Select>`, in the order of their rights. */
function RoleOptions() {
  return ROLES.map((r) => (
    <option key={r.role} value={r.role}>
      {r.label}
    </option>
  ));
}

/** Invites an email with a role; the invitation's token is shown once, to pass on. */
function InviteForm({ ws }: { ws: string }) {
  const id = useId();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Schema<"WorkspaceRole">>("workspace_member");
  const invite = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST("/v1/workspaces/{workspace_id}/invitations", { params: { path: { workspace_id: ws } }, body: { email, role } })),
    onSuccess: () => setEmail(""),
  });
  return (
    <div className="flex flex-col gap-2">
      <InlineForm onSubmit={() => invite.mutate()}>
        <Field id={`${id}-email`} label="Invite by email">
          <Input id={`${id}-email`} type="email" required value={email} onChange={(e) => setEmail(e.target.value)} className="w-64" />
        </Field>
        <Field id={`${id}-role`} label="With the role">
          <Select id={`${id}-role`} value={role} onChange={(e) => setRole(e.target.value as Schema<"WorkspaceRole">)}>
            <RoleOptions />
          </Select>
        </Field>
        <Button type="submit" disabled={invite.isPending || !email.trim()}>
          Invite
        </Button>
      </InlineForm>
      <MutationError error={invite.error} what="invite" />
      {invite.data && (
        <p role="status" className="text-sm">
          Invitation for {invite.data.email} created. Give them this token (shown only once); they sign up or accept with it:{" "}
          <code data-testid="invitation-token" className="rounded bg-muted px-1 break-all">
            {invite.data.token}
          </code>
        </p>
      )}
    </div>
  );
}

/** The workspace's members: invite, change a role, remove a member (admins only; the API decides). */
export function MembersView({ ws, me }: { ws: string; me: string }) {
  const members = useQuery({ queryKey: keys.members(ws), queryFn: () => fetchMembers(ws) });
  const change = useListMutation(keys.members(ws), async ({ user, role }: { user: string; role: Schema<"WorkspaceRole"> }) =>
    unwrap(await api.PUT("/v1/workspaces/{workspace_id}/members/{user_id}", { params: { path: { workspace_id: ws, user_id: user } }, body: { role } })),
  );
  const remove = useListMutation(keys.members(ws), async (user: string) =>
    unwrap(await api.DELETE("/v1/workspaces/{workspace_id}/members/{user_id}", { params: { path: { workspace_id: ws, user_id: user } } })),
  );
  return (
    <SettingsPage title="Members">
      <InviteForm ws={ws} />
      <MutationError error={change.error} what="change the role" />
      {change.isSuccess && <SuccessNote>Role changed.</SuccessNote>}
      <MutationError error={remove.error} what="remove the member" />
      <SettingsTable
        query={members}
        what="members"
        empty="No members"
        label="Members"
        testId="members-table"
        columns={["Name", "Email", "Role", "Since"]}
        actions="Actions"
        rowProps={(m) => ({ key: m.user_id, "data-member": m.email })}
        row={(m) => (
          <>
            <TableCell className="font-medium">
              {m.display_name || m.email} {m.user_id === me && <span className="text-muted-foreground">(you)</span>}
            </TableCell>
            <TableCell>{m.email}</TableCell>
            <TableCell>
              <Select
                aria-label={`Role of ${m.display_name || m.email}`}
                value={m.role}
                disabled={change.isPending}
                onChange={(e) => change.mutate({ user: m.user_id, role: e.target.value as Schema<"WorkspaceRole"> })}
              >
                <RoleOptions />
              </Select>
            </TableCell>
            <TableCell>{formatDateTime(m.since)}</TableCell>
            <TableCell>
              <ConfirmButton
                label={`Remove ${m.display_name || m.email}`}
                confirmLabel={`Confirm removing ${m.display_name || m.email}`}
                onConfirm={() => remove.mutate(m.user_id)}
              />
            </TableCell>
          </>
        )}
      />
    </SettingsPage>
  );
}
