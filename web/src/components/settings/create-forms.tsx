"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { api, unwrap, type Schema } from "@/api/client";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { MutationError } from "@/components/ui/confirm-button";
import { Field } from "@/components/ui/field";
import { Input, Select } from "@/components/ui/input";
import { fetchProviderAccounts, fetchReadyBuildVersions, fetchRuntimeProfiles, fetchSecrets, keys } from "@/lib/queries";

const PROVIDERS: Schema<"ProviderKind">[] = ["openai", "anthropic", "gemini", "scripted"];

/** A form in a card, with a title and the error of its last submit. */
function FormCard({ title, error, what, children }: { title: string; error: Error | null; what: string; children: React.ReactNode }) {
  return (
    <Card>
      <CardHeader>
        <CardTitle as="h2">{title}</CardTitle>
      </CardHeader>
      <CardContent className="flex flex-col gap-2">
        {children}
        <MutationError error={error} what={what} />
      </CardContent>
    </Card>
  );
}

/** Creates a provider account; its credential is a reference to a secret (or env var), never a value. */
export function CreateProviderAccountForm({ ws }: { ws: string }) {
  const id = useId();
  const client = useQueryClient();
  const secrets = useQuery({ queryKey: keys.secrets(ws), queryFn: () => fetchSecrets(ws) });
  const [name, setName] = useState("");
  const [provider, setProvider] = useState<Schema<"ProviderKind">>("openai");
  const [baseUrl, setBaseUrl] = useState("");
  const [credential, setCredential] = useState("");
  const create = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/v1/workspaces/{workspace_id}/provider-accounts", {
          params: { path: { workspace_id: ws } },
          body: { name, provider, base_url: baseUrl || null, credential_ref: credential || null },
        }),
      ),
    onSuccess: () => {
      setName("");
      setBaseUrl("");
      setCredential("");
      void client.invalidateQueries({ queryKey: keys.providerAccounts(ws) });
    },
  });
  return (
    <FormCard title="New provider account" error={create.error} what="create the provider account">
      <form
        className="flex flex-wrap items-end gap-3"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <Field id={`${id}-name`} label="Account name">
          <Input id={`${id}-name`} required value={name} onChange={(e) => setName(e.target.value)} className="w-48" />
        </Field>
        <Field id={`${id}-provider`} label="Provider">
          <Select id={`${id}-provider`} value={provider} onChange={(e) => setProvider(e.target.value as Schema<"ProviderKind">)}>
            {PROVIDERS.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </Select>
        </Field>
        <Field id={`${id}-url`} label="Base URL (optional)">
          <Input id={`${id}-url`} type="url" value={baseUrl} onChange={(e) => setBaseUrl(e.target.value)} className="w-56" />
        </Field>
        <Field id={`${id}-cred`} label="Credential reference">
          <Input
            id={`${id}-cred`}
            list={`${id}-secrets`}
            value={credential}
            onChange={(e) => setCredential(e.target.value)}
            placeholder="workspace-secret://NAME"
            className="w-64"
          />
          <datalist id={`${id}-secrets`}>
            {(secrets.data ?? []).map((s) => (
              <option key={s.name} value={`workspace-secret://${s.name}`} />
            ))}
          </datalist>
        </Field>
        <Button type="submit" disabled={create.isPending || !name.trim()}>
          Create account
        </Button>
      </form>
    </FormCard>
  );
}

/** Options JSON for a deployment: empty is none, else it must be an object. */
function parseOptions(text: string): { value?: Record<string, unknown>; error?: string } {
  if (!text.trim()) return {};
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== "object" || value === null || Array.isArray(value)) return { error: "provider options must be a JSON object" };
    return { value: value as Record<string, unknown> };
  } catch (e) {
    return { error: `provider options are not JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/** Creates a deployment: a ready build version, a runtime profile, a provider account and a model. */
export function CreateDeploymentForm({ ws }: { ws: string }) {
  const id = useId();
  const client = useQueryClient();
  const versions = useQuery({ queryKey: keys.buildVersions(ws), queryFn: () => fetchReadyBuildVersions(ws) });
  const profiles = useQuery({ queryKey: keys.runtimeProfiles(ws), queryFn: () => fetchRuntimeProfiles(ws) });
  const accounts = useQuery({ queryKey: keys.providerAccounts(ws), queryFn: () => fetchProviderAccounts(ws) });
  const [form, setForm] = useState({ name: "", version: "", profile: "", account: "", model: "", options: "" });
  const set = (field: keyof typeof form) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [field]: e.target.value }));
  const options = parseOptions(form.options);
  const create = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/v1/workspaces/{workspace_id}/deployments", {
          params: { path: { workspace_id: ws } },
          body: {
            name: form.name,
            build_version_id: form.version,
            runtime_profile_id: form.profile,
            provider_account_id: form.account,
            model: form.model,
            provider_options: options.value,
          },
        }),
      ),
    onSuccess: () => {
      setForm((f) => ({ ...f, name: "", model: "", options: "" }));
      void client.invalidateQueries({ queryKey: keys.deployments(ws) });
    },
  });
  const loadError = versions.error ?? profiles.error ?? accounts.error;
  const choose = (items: { id: string; label: string }[] | undefined, what: string) => [
    <option key="" value="">
      {items ? `Choose ${what}` : "Loading…"}
    </option>,
    ...(items ?? []).map((i) => (
      <option key={i.id} value={i.id}>
        {i.label}
      </option>
    )),
  ];
  return (
    <FormCard title="New deployment" error={create.error ?? loadError} what={loadError && !create.error ? "load the choices" : "create the deployment"}>
      <form
        className="flex flex-wrap items-end gap-3"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <Field id={`${id}-name`} label="Deployment name">
          <Input id={`${id}-name`} required value={form.name} onChange={set("name")} className="w-48" />
        </Field>
        <Field id={`${id}-version`} label="Agent build version">
          <Select id={`${id}-version`} required value={form.version} onChange={set("version")}>
            {choose(versions.data, "a ready version")}
          </Select>
        </Field>
        <Field id={`${id}-profile`} label="Runtime profile">
          <Select id={`${id}-profile`} required value={form.profile} onChange={set("profile")}>
            {choose(profiles.data?.map((p) => ({ id: p.id, label: p.name })), "a profile")}
          </Select>
        </Field>
        <Field id={`${id}-account`} label="Provider account">
          <Select id={`${id}-account`} required value={form.account} onChange={set("account")}>
            {choose(accounts.data?.filter((a) => !a.archived_at).map((a) => ({ id: a.id, label: `${a.name} (${a.kind})` })), "an account")}
          </Select>
        </Field>
        <Field id={`${id}-model`} label="Model">
          <Input id={`${id}-model`} required value={form.model} onChange={set("model")} className="w-48" />
        </Field>
        <Field id={`${id}-options`} label="Provider options (JSON, optional)" className="w-full">
          <textarea
            id={`${id}-options`}
            value={form.options}
            onChange={set("options")}
            rows={3}
            spellCheck={false}
            aria-invalid={options.error ? true : undefined}
            aria-describedby={options.error ? `${id}-options-error` : undefined}
            className="rounded-md border border-border bg-background p-2 font-mono text-xs focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
          />
          {options.error && (
            <p id={`${id}-options-error`} className="text-sm text-red-800">
              {options.error}
            </p>
          )}
        </Field>
        <Button type="submit" disabled={create.isPending || Boolean(options.error) || !form.version || !form.profile || !form.account}>
          Create deployment
        </Button>
      </form>
    </FormCard>
  );
}
