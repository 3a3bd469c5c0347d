"use client";
import { useMutation, useQueryClient, type UseQueryResult } from "@tanstack/react-query";
import type * as React from "react";
import { PageHeader } from "@/components/ui/page-header";
import { QueryView } from "@/components/ui/query-view";
import { Table, TableBody, TableHead, TableHeader, TableRow } from "@/components/ui/table";

/** The frame of every settings page: its heading, then its sections one under another. */
export function SettingsPage({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <div className="flex flex-col gap-4">
      <PageHeader title={title} />
      {children}
    </div>
  );
}

/**
 * A settings list: the query's loading/error/empty states, then a table with
 * the named columns and a last, visually hidden column (`actions`) for each
 * row's buttons. `row` renders one item's cells; `rowProps` gives its `<tr>`
 * the key and `data-*` attributes the browser tests select rows by.
 */
export function SettingsTable<T>({
  query,
  what,
  empty,
  label,
  testId,
  columns,
  actions,
  rowProps,
  row,
}: {
  query: UseQueryResult<T[]>;
  /** What is listed, in words ("tokens"). */
  what: string;
  /** The empty state's title. */
  empty: string;
  /** The table's accessible name. */
  label: string;
  testId: string;
  columns: string[];
  /** The hidden heading of the last column ("Actions", "State"). */
  actions: string;
  rowProps: (item: T) => { key: string } & Record<`data-${string}`, string>;
  row: (item: T) => React.ReactNode;
}) {
  return (
    <QueryView query={query} what={what} empty={{ title: empty }}>
      {(items) => (
        <Table aria-label={label} data-testid={testId}>
          <TableHeader>
            <TableRow>
              {columns.map((c) => (
                <TableHead key={c}>{c}</TableHead>
              ))}
              <TableHead>
                <span className="sr-only">{actions}</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {items.map((item) => {
              const { key, ...attrs } = rowProps(item);
              return (
                <TableRow key={key} {...attrs}>
                  {row(item)}
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      )}
    </QueryView>
  );
}

/** A one-line form whose submit runs `onSubmit` instead of navigating. */
export function InlineForm({ onSubmit, children }: { onSubmit: () => void; children: React.ReactNode }) {
  return (
    <form
      className="flex flex-wrap items-end gap-3"
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit();
      }}
    >
      {children}
    </form>
  );
}

/** A polite success line (`role="status"`) after a change. */
export function SuccessNote({ children }: { children: React.ReactNode }) {
  return (
    <p role="status" className="text-sm text-green-800">
      {children}
    </p>
  );
}

/**
 * A mutation that refreshes the list under `queryKey` when it settles
 * (`"settled"`, also after a failure) or only when it succeeds (`"success"`,
 * after `onSuccess`).
 */
export function useListMutation<V, R>(
  queryKey: readonly unknown[],
  mutationFn: (vars: V) => Promise<R>,
  refreshOn: "settled" | "success" = "settled",
  onSuccess?: (data: R) => void,
) {
  const client = useQueryClient();
  const refresh = () => void client.invalidateQueries({ queryKey });
  return useMutation({
    mutationFn,
    onSuccess: (data: R) => {
      onSuccess?.(data);
      if (refreshOn === "success") refresh();
    },
    onSettled: () => {
      if (refreshOn === "settled") refresh();
    },
  });
}
