import { cva, type VariantProps } from "class-variance-authority";
import * as React from "react";
import { cn } from "@/lib/utils";

const badgeVariants = cva(
  "inline-flex items-center rounded-full border px-2 py-0.5 text-xs font-medium whitespace-nowrap",
  {
    variants: {
      tone: {
        neutral: "border-border bg-muted text-foreground",
        active: "border-blue-300 bg-blue-50 text-blue-800",
        success: "border-green-300 bg-green-50 text-green-800",
        danger: "border-red-300 bg-red-50 text-red-800",
        warning: "border-amber-300 bg-amber-50 text-amber-900",
      },
    },
    defaultVariants: { tone: "neutral" },
  },
);

/** A small coloured label (statuses, kinds). */
export interface BadgeProps extends React.HTMLAttributes<HTMLSpanElement>, VariantProps<typeof badgeVariants> {}

export function Badge({ className, tone, ...props }: BadgeProps) {
  return <span className={cn(badgeVariants({ tone }), className)} {...props} />;
}
