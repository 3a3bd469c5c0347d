"use client";
import { useParams } from "next/navigation";
import { AppShell } from "@/components/app-shell";
import { AuthGate } from "@/components/auth-gate";

/** Every workspace page is signed-in and framed by the app shell. */
export default function WorkspaceLayout({ children }: { children: React.ReactNode }) {
  const { ws } = useParams<{ ws: string }>();
  return (
    <AuthGate>
      {(session) => (
        <AppShell workspace={ws} session={session}>
          {children}
        </AppShell>
      )}
    </AuthGate>
  );
}
