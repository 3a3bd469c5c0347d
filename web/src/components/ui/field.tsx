import * as React from "react";
import { Label } from "@/components/ui/input";
import { cn } from "@/lib/utils";

/** A labelled form control: the label above, the control (with id `id`) below. */
export function Field({ id, label, className, children }: { id: string; label: string; className?: string; children: React.ReactNode }) {
  return (
    <div className={cn("flex flex-col gap-1.5", className)}>
      <Label htmlFor={id}>{label}</Label>
      {children}
    </div>
  );
}
