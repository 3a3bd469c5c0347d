import { Badge } from "@/components/ui/badge";
import { statusTone } from "@/lib/format";

/** A status word in its colour; `label` names what the status is of, for screen readers. */
export function StatusBadge({ status, label, ...rest }: { status: string; label?: string } & React.HTMLAttributes<HTMLSpanElement>) {
  return (
    <Badge tone={statusTone(status)} data-status={status} aria-label={label ? `${label}: ${status}` : undefined} {...rest}>
      {status}
    </Badge>
  );
}
