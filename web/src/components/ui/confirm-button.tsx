"use client";
import { useState } from "react";
import { Button } from "@/components/ui/button";

/**
 * A destructive action asked twice, inline (no browser dialog): the first
 * press shows "Confirm" and "Keep", both reachable by keyboard.
 */
export function ConfirmButton({
  label,
  confirmLabel,
  onConfirm,
  disabled,
}: {
  /** The visible text and accessible name of the first button ("Revoke token ci"). */
  label: string;
  confirmLabel: string;
  onConfirm: () => void;
  disabled?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <Button variant="outline" size="sm" disabled={disabled} onClick={() => setAsking(true)}>
        {label}
      </Button>
    );
  }
  return (
    <span className="inline-flex gap-1">
      <Button
        variant="destructive"
        size="sm"
        autoFocus
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {confirmLabel}
      </Button>
      <Button variant="ghost" size="sm" onClick={() => setAsking(false)}>
        Keep
      </Button>
    </span>
  );
}

/** The error of a failed write, next to the control that made it. */
export function MutationError({ error, what }: { error: Error | null; what: string }) {
  if (!error) return null;
  return (
    <p role="alert" className="text-sm text-red-800">
      Could not {what}: {error.message}
    </p>
  );
}
