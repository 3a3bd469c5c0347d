"use client";
// The browser session: who is signed in, the CSRF token, sign-in and sign-out.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, ApiError, setCsrfToken, unwrap, type Schema } from "@/api/client";
import { keys } from "@/lib/queries";

/** The signed-in session, or null when there is none (401). */
export function useSession() {
  return useQuery({
    queryKey: keys.session,
    queryFn: async (): Promise<Schema<"SessionInfo"> | null> => {
      const result = await api.GET("/v1/auth/session");
      if (result.response.status === 401) {
        setCsrfToken(null);
        return null;
      }
      const session = unwrap(result);
      setCsrfToken(session.csrf_token);
      return session;
    },
    staleTime: 60_000,
  });
}

/** Signs in with email and password; the API sets the session cookie. */
export function useSignIn() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (credentials: { email: string; password: string }) =>
      unwrap(await api.POST("/v1/auth/login", { body: credentials })),
    onSuccess: (session) => {
      setCsrfToken(session.csrf_token);
      client.setQueryData(keys.session, session);
    },
  });
}

/** Ends the session on the server and forgets every cached answer. */
export function useSignOut() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async () => {
      const result = await api.POST("/v1/auth/logout");
      // Already signed out is fine: the goal is reached.
      if (result.response.status !== 401) unwrap(result);
    },
    onSuccess: () => {
      setCsrfToken(null);
      // Signed-in pages unmount on this, so nothing refetches what is dropped next.
      client.setQueryData(keys.session, null);
      client.removeQueries({ predicate: (query) => query.queryKey[0] !== keys.session[0] });
    },
  });
}

/** A sign-in error in words for the form. */
export function signInErrorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 401) return "Wrong email or password.";
    if (error.status === 429) return "Too many attempts; wait a moment and try again.";
    return error.message;
  }
  return "Could not reach the server.";
}
