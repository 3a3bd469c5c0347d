"use client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useId, useRef, useState } from "react";
import { api, ApiError, unwrap, type Schema } from "@/api/client";
import { SourceView } from "@/components/packs/source-view";
import { Button } from "@/components/ui/button";
import { Card, CardContent } from "@/components/ui/card";
import { Label } from "@/components/ui/input";
import { describeDiagnostic, diagnosticsOfDetails, parseDiagnostics, type Diagnostic } from "@/lib/diagnostics";

type Outcome =
  | { kind: "valid"; diagnostics: Diagnostic[] }
  | { kind: "invalid"; diagnostics: Diagnostic[]; message: string }
  | { kind: "published"; version: Schema<"Published"> }
  | { kind: "failed"; message: string };

/** What a refused call means for the form: diagnostics when it has them. */
function failure(error: unknown): Outcome {
  if (error instanceof ApiError) {
    const diagnostics = diagnosticsOfDetails(error.details);
    if (diagnostics.length > 0) return { kind: "invalid", diagnostics, message: error.message };
    return { kind: "failed", message: error.message };
  }
  return { kind: "failed", message: "Could not reach the server." };
}

/**
 * Validate or publish a challenge pack's YAML, pasted or uploaded; the
 * validator's errors and warnings are shown at their line of the source.
 */
export function PublishForm({ ws }: { ws: string }) {
  const id = useId();
  const client = useQueryClient();
  const [source, setSource] = useState("");
  const [strict, setStrict] = useState(false);
  const [checked, setChecked] = useState("");
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const editor = useRef<HTMLTextAreaElement>(null);
  /** Puts the caret on a diagnostic's line (and column) in the editor. */
  const goTo = (d: Diagnostic) => {
    const area = editor.current;
    if (!area || d.line === null) return;
    const lines = area.value.split("\n");
    const start = lines.slice(0, d.line - 1).reduce((n, l) => n + l.length + 1, 0);
    const length = lines[d.line - 1]?.length ?? 0;
    area.focus();
    area.setSelectionRange(start + Math.min((d.column ?? 1) - 1, length), start + length);
    const lineHeight = parseFloat(getComputedStyle(area).lineHeight) || 16;
    area.scrollTop = Math.max(0, (d.line - 3) * lineHeight);
  };
  const body = () => ({ source, strict });
  const validate = useMutation({
    mutationFn: async () => unwrap(await api.POST("/v1/workspaces/{workspace_id}/challenge-packs/validate", { params: { path: { workspace_id: ws } }, body: body() })),
    onSuccess: (report) => {
      const diagnostics = parseDiagnostics(report.diagnostics);
      setChecked(source);
      setOutcome(report.valid ? { kind: "valid", diagnostics } : { kind: "invalid", diagnostics, message: "The pack is not valid." });
    },
    onError: (e) => {
      setChecked(source);
      setOutcome(failure(e));
    },
  });
  const publish = useMutation({
    mutationFn: async () => unwrap(await api.POST("/v1/workspaces/{workspace_id}/challenge-packs", { params: { path: { workspace_id: ws } }, body: body() })),
    onSuccess: (version) => {
      setChecked(source);
      setOutcome({ kind: "published", version });
      void client.invalidateQueries({ queryKey: ["ws", ws, "packs"] });
    },
    onError: (e) => {
      setChecked(source);
      setOutcome(failure(e));
    },
  });
  const busy = validate.isPending || publish.isPending;
  const diagnostics = outcome && (outcome.kind === "valid" || outcome.kind === "invalid") ? outcome.diagnostics : [];

  return (
    <div className="flex flex-col gap-4">
      <form
        className="flex flex-col gap-3"
        onSubmit={(e) => {
          e.preventDefault();
          publish.mutate();
        }}
      >
        <div className="flex flex-col gap-1.5">
          <Label htmlFor={`${id}-file`}>Upload a YAML file</Label>
          <input
            id={`${id}-file`}
            type="file"
            accept=".yaml,.yml,text/yaml,application/yaml"
            className="text-sm file:mr-3 file:rounded-md file:border file:border-border file:bg-background file:px-3 file:py-1"
            onChange={async (e) => {
              const file = e.target.files?.[0];
              if (file) setSource(await file.text());
            }}
          />
        </div>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor={`${id}-source`}>Pack YAML</Label>
          <textarea
            ref={editor}
            id={`${id}-source`}
            value={source}
            onChange={(e) => setSource(e.target.value)}
            required
            rows={16}
            spellCheck={false}
            className="rounded-md border border-border bg-background p-2 font-mono text-xs focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
          />
        </div>
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" checked={strict} onChange={(e) => setStrict(e.target.checked)} className="size-4" />
          Treat warnings as errors
        </label>
        <div className="flex gap-2">
          <Button type="button" variant="outline" disabled={busy || !source.trim()} onClick={() => validate.mutate()}>
            Validate
          </Button>
          <Button type="submit" disabled={busy || !source.trim()}>
            Publish
          </Button>
        </div>
      </form>
      <div aria-live="polite" data-testid="publish-outcome">
        {outcome?.kind === "valid" && (
          <p className="text-sm text-green-800">Valid{diagnostics.length ? ` with ${diagnostics.length} warning(s)` : ""}.</p>
        )}
        {outcome?.kind === "published" && (
          <p className="text-sm text-green-800">
            {outcome.version.created ? "Published" : "Already published"} {outcome.version.slug} version {outcome.version.version}.{" "}
            <Link className="underline" href={`/w/${ws}/packs/${outcome.version.slug}/v/${outcome.version.version}`}>
              View it
            </Link>
          </p>
        )}
        {outcome?.kind === "failed" && (
          <p role="alert" className="text-sm text-red-800">
            {outcome.message}
          </p>
        )}
        {outcome?.kind === "invalid" && (
          <div role="alert" className="text-sm text-red-900">
            <p className="font-semibold">{outcome.message}</p>
            <ul className="ml-4 list-disc" data-testid="diagnostics">
              {outcome.diagnostics.map((d, i) => (
                <li key={i}>
                  {d.severity}: {describeDiagnostic(d)}{" "}
                  {d.line !== null && checked === source && (
                    <button type="button" className="underline underline-offset-2" onClick={() => goTo(d)}>
                      Edit line {d.line}
                    </button>
                  )}
                </li>
              ))}
            </ul>
          </div>
        )}
      </div>
      {diagnostics.length > 0 && (
        <Card>
          <CardContent className="pt-4">
            <SourceView source={checked} diagnostics={diagnostics} label="Checked source with its problems at their lines" />
          </CardContent>
        </Card>
      )}
    </div>
  );
}
