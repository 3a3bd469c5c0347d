"use client";
import { Bar, BarChart as Chart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

/** One bar series: a field of the rows, its legend label and colour. */
export interface Series {
  key: string;
  label: string;
  color: string;
}

/** Colours with at least 3:1 contrast against white, for bars next to each other. */
export const SERIES_COLORS = ["#1d4ed8", "#b45309", "#047857", "#7c3aed", "#be123c", "#0e7490"];

/**
 * A grouped bar chart (recharts). Charts are pictures for sighted users: the
 * same numbers are always in a table next to it, so the chart is one image
 * with a label for screen readers and stays out of the tab order.
 */
export function BarChart({
  label,
  rows,
  categoryKey,
  series,
  unit,
  height = 260,
}: {
  label: string;
  rows: Record<string, string | number | null>[];
  categoryKey: string;
  series: Series[];
  unit: "percent" | "ms";
  height?: number;
}) {
  const format = (v: unknown) =>
    typeof v !== "number" ? "—" : unit === "percent" ? `${(v * 100).toFixed(1)}%` : `${Math.round(v)} ms`;
  return (
    <figure className="flex flex-col gap-1">
      <div role="img" aria-label={label} className="w-full" style={{ height }} data-testid="chart">
        <ResponsiveContainer width="100%" height="100%">
          <Chart data={rows} margin={{ top: 8, right: 8, bottom: 8, left: 8 }} accessibilityLayer={false}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey={categoryKey} tick={{ fontSize: 12, fill: "#374151" }} />
            <YAxis
              tick={{ fontSize: 12, fill: "#374151" }}
              tickFormatter={format}
              domain={unit === "percent" ? [0, 1] : [0, "auto"]}
              width={64}
            />
            <Tooltip formatter={(v) => format(v)} />
            {series.length > 1 && <Legend />}
            {series.map((s) => (
              <Bar key={s.key} dataKey={s.key} name={s.label} fill={s.color} isAnimationActive={false} />
            ))}
          </Chart>
        </ResponsiveContainer>
      </div>
      <figcaption className="text-xs text-muted-foreground">{label}</figcaption>
    </figure>
  );
}
