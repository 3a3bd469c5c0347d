"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { useEffect, useId } from "react";
import type { Schema } from "@/api/client";
import { Button } from "@/components/ui/button";
import { Select } from "@/components/ui/input";
import { fetchWorkspaces, keys } from "@/lib/queries";
import { useSignOut } from "@/lib/session";
import { cn } from "@/lib/utils";
import { rememberWorkspace } from "@/lib/workspace";

/** Switches the current workspace, keeping the user on the runs list. */
function WorkspaceSwitcher({ current }: { current: string }) {
  const id = useId();
  const router = useRouter();
  const workspaces = useQuery({ queryKey: keys.workspaces, queryFn: fetchWorkspaces });
  const items = workspaces.data ?? [];
  const known = items.some((w) => w.id === current);
  return (
    <div className="flex items-center gap-2">
      <label htmlFor={id} className="text-sm text-muted-foreground">
        Workspace
      </label>
      <Select
        id={id}
        value={current}
        disabled={!workspaces.data}
        onChange={(e) => router.push(`/w/${e.target.value}/runs`)}
        aria-describedby={workspaces.isError ? `${id}-error` : undefined}
      >
        {!known && <option value={current}>{workspaces.isPending ? "Loading…" : "Unknown workspace"}</option>}
        {items.map((w) => (
          <option key={w.id} value={w.id}>
            {w.name}
          </option>
        ))}
      </Select>
      {workspaces.isError && (
        <span id={`${id}-error`} role="alert" className="text-sm text-red-700">
          Could not load workspaces
        </span>
      )}
    </div>
  );
}

function NavLink({ href, children }: { href: string; children: React.ReactNode }) {
  const pathname = usePathname();
  const active = pathname === href || pathname.startsWith(`${href}/`);
  return (
    <Link
      href={href}
      aria-current={active ? "page" : undefined}
      className={cn(
        "rounded-md px-2 py-1 text-sm focus-visible:outline-2 focus-visible:outline-ring",
        active ? "bg-muted font-semibold" : "hover:bg-muted",
      )}
    >
      {children}
    </Link>
  );
}

/** The frame of every signed-in page: skip link, header, main landmark. */
export function AppShell({
  workspace,
  session,
  children,
}: {
  workspace: string;
  session: Schema<"SessionInfo">;
  children: React.ReactNode;
}) {
  const router = useRouter();
  const signOut = useSignOut();
  useEffect(() => rememberWorkspace(workspace), [workspace]);

  return (
    <>
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-10 focus:rounded focus:bg-background focus:p-2"
      >
        Skip to content
      </a>
      <header className="border-b border-border">
        <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-4 px-4 py-3">
          <Link href={`/w/${workspace}/runs`} className="text-lg font-bold tracking-tight">
            AgentClash
          </Link>
          <nav aria-label="Main" className="flex flex-wrap gap-1">
            <NavLink href={`/w/${workspace}/runs`}>Runs</NavLink>
            <NavLink href={`/w/${workspace}/compare`}>Compare</NavLink>
            <NavLink href={`/w/${workspace}/packs`}>Packs</NavLink>
            <NavLink href={`/w/${workspace}/deployments`}>Deployments</NavLink>
            <NavLink href={`/w/${workspace}/provider-accounts`}>Providers</NavLink>
            <NavLink href={`/w/${workspace}/secrets`}>Secrets</NavLink>
            <NavLink href={`/w/${workspace}/members`}>Members</NavLink>
            <NavLink href={`/w/${workspace}/tokens`}>Tokens</NavLink>
          </nav>
          <div className="ml-auto flex flex-wrap items-center gap-4">
            <WorkspaceSwitcher current={workspace} />
            <span className="text-sm text-muted-foreground" title={session.user.email}>
              {session.user.display_name || session.user.email}
            </span>
            <Button
              variant="outline"
              size="sm"
              disabled={signOut.isPending}
              onClick={() => signOut.mutate(undefined, { onSuccess: () => router.replace("/login") })}
            >
              Sign out
            </Button>
          </div>
        </div>
        {signOut.isError && (
          <p role="alert" className="mx-auto max-w-7xl px-4 pb-2 text-sm text-red-700">
            Sign-out failed: {signOut.error.message}
          </p>
        )}
      </header>
      <main id="main" tabIndex={-1} className="mx-auto max-w-7xl px-4 py-6 focus:outline-none">
        {children}
      </main>
    </>
  );
}
