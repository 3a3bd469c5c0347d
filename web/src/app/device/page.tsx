"use client";
import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { Suspense, useState } from "react";
import { api, unwrap } from "@/api/client";
import { AuthGate } from "@/components/auth-gate";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Input, Label } from "@/components/ui/input";
import { Loading } from "@/components/ui/states";

/** Approve or deny `agentclash auth login --device` with the code the CLI printed. */
function DeviceApproval({ email }: { email: string }) {
  const params = useSearchParams();
  const [code, setCode] = useState(() => params.get("user_code") ?? "");
  const [done, setDone] = useState<"approved" | "denied" | null>(null);
  const decide = useMutation({
    mutationFn: async (approve: boolean) => {
      const options = { body: { user_code: code.trim() } };
      unwrap(approve ? await api.POST("/v1/auth/device/approve", options) : await api.POST("/v1/auth/device/deny", options));
      return approve;
    },
    onSuccess: (approve) => setDone(approve ? "approved" : "denied"),
  });
  return (
    <main id="main" className="flex min-h-screen items-center justify-center p-4">
      <Card className="w-full max-w-md">
        <CardHeader>
          <CardTitle as="h2" className="text-sm font-medium text-muted-foreground">
            AgentClash
          </CardTitle>
          <h1 className="text-xl font-semibold">Sign in the CLI</h1>
          <p className="text-sm text-muted-foreground">
            The CLI will act as <strong>{email}</strong>. Approve only if you started <code>agentclash auth login --device</code> and the code matches.
          </p>
        </CardHeader>
        <CardContent>
          {done ? (
            <p role="status" className="text-sm" data-testid="device-outcome">
              {done === "approved" ? "Approved: the CLI is signed in; you can close this page." : "Denied: the CLI was not signed in."}{" "}
              <Link className="underline" href="/">
                Go to AgentClash
              </Link>
            </p>
          ) : (
            <form
              className="flex flex-col gap-4"
              onSubmit={(e) => {
                e.preventDefault();
                decide.mutate(true);
              }}
            >
              <div className="flex flex-col gap-1.5">
                <Label htmlFor="user-code">Code shown by the CLI</Label>
                <Input
                  id="user-code"
                  required
                  autoComplete="off"
                  value={code}
                  onChange={(e) => setCode(e.target.value)}
                  className="font-mono uppercase tracking-widest"
                />
              </div>
              {decide.isError && (
                <p role="alert" className="text-sm text-red-800">
                  {decide.error.message}
                </p>
              )}
              <div className="flex gap-2">
                <Button type="submit" disabled={decide.isPending || !code.trim()}>
                  Approve
                </Button>
                <Button type="button" variant="outline" disabled={decide.isPending || !code.trim()} onClick={() => decide.mutate(false)}>
                  Deny
                </Button>
              </div>
            </form>
          )}
        </CardContent>
      </Card>
    </main>
  );
}

export default function DevicePage() {
  return (
    <AuthGate>
      {(session) => (
        <Suspense fallback={<Loading />}>
          <DeviceApproval email={session.user.email} />
        </Suspense>
      )}
    </AuthGate>
  );
}
