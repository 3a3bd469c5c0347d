"use client";
import type { UseQueryResult } from "@tanstack/react-query";
import { EmptyState, ErrorState, Loading } from "@/components/ui/states";

/**
 * The loading, error and empty states of one query, then `children` with
 * its data: every list page shows the same three states the same way.
 */
export function QueryView<T>({
  query,
  what,
  empty,
  isEmpty = (data) => Array.isArray(data) && data.length === 0,
  children,
}: {
  query: UseQueryResult<T>;
  /** What is loaded, in words ("tokens"). */
  what: string;
  /** What the empty state says (title and an optional hint). */
  empty?: { title: string; hint?: React.ReactNode };
  isEmpty?: (data: T) => boolean;
  children: (data: T) => React.ReactNode;
}) {
  if (query.isPending) return <Loading label={`Loading ${what}…`} />;
  if (query.isError) return <ErrorState title={`Could not load ${what}`} error={query.error} retry={() => void query.refetch()} />;
  if (empty && isEmpty(query.data)) return <EmptyState title={empty.title}>{empty.hint}</EmptyState>;
  return <>{children(query.data)}</>;
}
