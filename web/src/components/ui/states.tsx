import * as React from "react";
import { cn } from "@/lib/utils";

/** A loading placeholder announced to screen readers. */
export function Loading({ label = "Loading…", className }: { label?: string; className?: string }) {
  return (
    <div role="status" aria-live="polite" className={cn("flex items-center gap-2 p-4 text-sm text-muted-foreground", className)}>
      <span className="size-3 animate-pulse rounded-full bg-muted-foreground/50" aria-hidden />
      {label}
    </div>
  );
}

/** An error message (role=alert); `retry` adds a button that runs it. */
export function ErrorState({ title, error, retry }: { title: string; error: unknown; retry?: () => void }) {
  const message = error instanceof Error ? error.message : String(error ?? "");
  return (
    <div role="alert" className="rounded-lg border border-red-300 bg-red-50 p-4 text-sm text-red-900">
      <p className="font-semibold">{title}</p>
      {message && <p className="mt-1">{message}</p>}
      {retry && (
        <button type="button" onClick={retry} className="mt-2 underline underline-offset-2 focus-visible:outline-2">
          Try again
        </button>
      )}
    </div>
  );
}

/** What an empty list shows instead of an empty table. */
export function EmptyState({ title, children }: { title: string; children?: React.ReactNode }) {
  return (
    <div className="rounded-lg border border-dashed border-border p-8 text-center text-sm">
      <p className="font-semibold">{title}</p>
      {children && <div className="mt-1 text-muted-foreground">{children}</div>}
    </div>
  );
}
