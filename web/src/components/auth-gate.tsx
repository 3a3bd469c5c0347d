"use client";
import { useQueryClient } from "@tanstack/react-query";
import { usePathname, useRouter } from "next/navigation";
import { useEffect } from "react";
import { setUnauthorizedHandler, type Schema } from "@/api/client";
import { ErrorState, Loading } from "@/components/ui/states";
import { keys } from "@/lib/queries";
import { useSession } from "@/lib/session";

/**
 * Renders its children only for a signed-in user; anyone else is sent to
 * the sign-in page, which brings them back here afterwards.
 */
export function AuthGate({ children }: { children: (session: Schema<"SessionInfo">) => React.ReactNode }) {
  const session = useSession();
  const router = useRouter();
  const pathname = usePathname();
  const client = useQueryClient();

  useEffect(() => {
    // A 401 from any call means the session ended: check it again.
    setUnauthorizedHandler(() => void client.invalidateQueries({ queryKey: keys.session }));
    return () => setUnauthorizedHandler(null);
  }, [client]);

  useEffect(() => {
    // The query string comes along (e.g. the device page's `?user_code=`).
    if (session.data === null) router.replace(`/login?next=${encodeURIComponent(pathname + window.location.search)}`);
  }, [session.data, pathname, router]);

  if (session.isPending) return <Loading label="Checking your session…" />;
  if (session.isError) {
    return (
      <main className="mx-auto max-w-lg p-8">
        <ErrorState title="Could not reach the API" error={session.error} retry={() => void session.refetch()} />
      </main>
    );
  }
  if (session.data === null) return <Loading label="Redirecting to sign in…" />;
  return <>{children(session.data)}</>;
}
