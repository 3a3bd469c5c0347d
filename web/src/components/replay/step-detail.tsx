"use client";
import type { Schema } from "@/api/client";
import { artifactRefs, textBlocks } from "@/lib/replay-steps";

function isEmpty(value: unknown): boolean {
  return value === null || value === undefined || (typeof value === "object" && Object.keys(value).length === 0);
}

function Block({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="flex flex-col gap-1">
      <h4 className="text-xs font-semibold uppercase text-muted-foreground">{label}</h4>
      {children}
    </div>
  );
}

function Pre({ text }: { text: string }) {
  return <pre className="max-h-80 overflow-auto rounded bg-muted p-2 text-xs whitespace-pre-wrap break-words">{text}</pre>;
}

/** A payload as JSON; folded away when its text is already shown as blocks. */
function Json({ label, value, open }: { label: string; value: unknown; open: boolean }) {
  if (isEmpty(value)) return null;
  const text = JSON.stringify(value, null, 2);
  if (open) {
    return (
      <Block label={label}>
        <Pre text={text} />
      </Block>
    );
  }
  return (
    <details className="flex flex-col gap-1">
      <summary className="cursor-pointer text-xs font-semibold uppercase text-muted-foreground focus-visible:outline-2 focus-visible:outline-ring">
        {label} as JSON
      </summary>
      <Pre text={text} />
    </details>
  );
}

function formatSize(bytes: number | null): string {
  if (bytes === null) return "";
  return bytes < 1024 ? `${bytes} B` : bytes < 1048576 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1048576).toFixed(1)} MiB`;
}

/**
 * What one replay step holds: a model call's streamed text, a command's
 * stdout/stderr, a tool call's arguments and result (as JSON), and links to
 * download the artifacts its payloads were moved to.
 */
export function StepDetail({ id, ws, step }: { id: string; ws: string; step: Schema<"ReplayStep"> }) {
  const artifacts = artifactRefs(step);
  const inputText = textBlocks(step.input);
  const outputText = textBlocks(step.output);
  const tool = step.kind === "tool_call";
  return (
    <div id={id} className="flex flex-col gap-3 border-t border-border p-3">
      <p className="text-xs text-muted-foreground">
        {step.event_type} · sequence {step.first_sequence}–{step.last_sequence}
        {step.attempt ? ` · attempt ${step.attempt}` : ""} ·{" "}
        <a className="underline" href={`?step=${step.index}`}>
          link to this step
        </a>
      </p>
      {step.streamed_text && (
        <Block label="Streamed output">
          <p className="max-h-80 overflow-auto whitespace-pre-wrap text-sm">{step.streamed_text}</p>
        </Block>
      )}
      {[...inputText, ...outputText].map((b, i) => (
        <Block key={`${i}:${b.label}`} label={b.label}>
          <Pre text={b.text} />
        </Block>
      ))}
      <Json label={tool ? "Input (arguments)" : "Input"} value={step.input} open={inputText.length === 0} />
      <Json label={tool ? "Output (result)" : "Output"} value={step.output} open={outputText.length === 0} />
      {artifacts.length > 0 && (
        <Block label="Artifacts">
          <ul className="flex flex-col gap-1 text-sm">
            {artifacts.map((a) => (
              <li key={`${a.path}:${a.sha256}`}>
                <a className="text-primary underline" href={`/v1/workspaces/${ws}/artifacts/${a.sha256}`} download>
                  Download {a.path}
                </a>{" "}
                <span className="text-muted-foreground">
                  {[a.mediaType, formatSize(a.size)].filter(Boolean).join(", ")}
                </span>
              </li>
            ))}
          </ul>
        </Block>
      )}
    </div>
  );
}
