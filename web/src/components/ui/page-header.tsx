import * as React from "react";

/** A page's title row: heading on the left, actions on the right. */
export function PageHeader({ title, back, children }: { title: React.ReactNode; back?: React.ReactNode; children?: React.ReactNode }) {
  return (
    <div className="flex flex-wrap items-end justify-between gap-3">
      <div className="flex flex-col gap-1">
        {back}
        <h1 className="text-2xl font-semibold">{title}</h1>
      </div>
      {children && <div className="flex flex-wrap items-center gap-2">{children}</div>}
    </div>
  );
}
