"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { api, unwrap, type Schema } from "@/api/client";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { ConfirmButton, MutationError } from "@/components/ui/confirm-button";
import { Input, Select } from "@/components/ui/input";
import { PageHeader } from "@/components/ui/page-header";
import { QueryView } from "@/components/ui/query-view";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { formatDateTime } from "@/lib/format";
import { fetchMembers, keys } from "@/lib/queries";

const ROLES: { role: Schema<"WorkspaceRole">; label: string }[] = [
  { role: "workspace_viewer", label: "Viewer" },
  { role: "workspace_member", label: "Member" },
  { role: "workspace_admin", label: "Admin" },
];

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
      <form
        className="flex flex-wrap items-end gap-3"
        onSubmit={(e) => {
          e.preventDefault();
          invite.mutate();
        }}
      >
        <Field id={`${id}-email`} label="Invite by email">
          <Input id={`${id}-email`} type="email" required value={email} onChange={(e) => setEmail(e.target.value)} className="w-64" />
        </Field>
        <Field id={`${id}-role`} label="With the role">
          <Select id={`${id}-role`} value={role} onChange={(e) => setRole(e.target.value as Schema<"WorkspaceRole">)}>
            {ROLES.map((r) => (
              <option key={r.role} value={r.role}>
                {r.label}
              </option>
            ))}
          </Select>
        </Field>
        <Button type="submit" disabled={invite.isPending || !email.trim()}>
          Invite
        </Button>
      </form>
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
  const client = useQueryClient();
  const members = useQuery({ queryKey: keys.members(ws), queryFn: () => fetchMembers(ws) });
  const refresh = () => void client.invalidateQueries({ queryKey: keys.members(ws) });
  const change = useMutation({
    mutationFn: async ({ user, role }: { user: string; role: Schema<"WorkspaceRole"> }) =>
      unwrap(await api.PUT("/v1/workspaces/{workspace_id}/members/{user_id}", { params: { path: { workspace_id: ws, user_id: user } }, body: { role } })),
    onSettled: refresh,
  });
  const remove = useMutation({
    mutationFn: async (user: string) =>
      unwrap(await api.DELETE("/v1/workspaces/{workspace_id}/members/{user_id}", { params: { path: { workspace_id: ws, user_id: user } } })),
    onSettled: refresh,
  });
  return (
    <div className="flex flex-col gap-4">
      <PageHeader title="Members" />
      <InviteForm ws={ws} />
      <MutationError error={change.error} what="change the role" />
      {change.isSuccess && (
        <p role="status" className="text-sm text-green-800">
          Role changed.
        </p>
      )}
      <MutationError error={remove.error} what="remove the member" />
      <QueryView query={members} what="members" empty={{ title: "No members" }}>
        {(items) => (
          <Table aria-label="Members" data-testid="members-table">
            <TableHeader>
              <TableRow>
                <TableHead>Name</TableHead>
                <TableHead>Email</TableHead>
                <TableHead>Role</TableHead>
                <TableHead>Since</TableHead>
                <TableHead>
                  <span className="sr-only">Actions</span>
                </TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {items.map((m) => (
                <TableRow key={m.user_id} data-member={m.email}>
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
                      {ROLES.map((r) => (
                        <option key={r.role} value={r.role}>
                          {r.label}
                        </option>
                      ))}
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
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </QueryView>
    </div>
  );
}
