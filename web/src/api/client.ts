import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";

/** Schemas of the API, by name (`Schema<"Run">`). */
export type Schema<Name extends keyof components["schemas"]> = components["schemas"][Name];

/** A failed API call: the HTTP status and the API's `{error:{code,message}}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The envelope's structured `details` (e.g. a pack's diagnostics), when present. */
    readonly details: unknown = null,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

let csrfToken: string | null = null;
let onUnauthorized: (() => void) | null = null;

/** Remembers the session's CSRF token; cookie-authenticated writes must echo it. */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when an API call answers 401 outside `/v1/auth/*` (the session ended). */
export function setUnauthorizedHandler(handler: (() => void) | null): void {
  onUnauthorized = handler;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

const sessionMiddleware: Middleware = {
  onRequest({ request }) {
    if (csrfToken && !SAFE_METHODS.has(request.method)) {
      request.headers.set("X-CSRF-Token", csrfToken);
    }
    return request;
  },
  onResponse({ request, response }) {
    if (response.status === 401 && !new URL(request.url).pathname.startsWith("/v1/auth/")) {
      onUnauthorized?.();
    }
    return response;
  },
};

/**
 * The typed API client. Paths are same-origin: the web server proxies `/v1/*`
 * to the API, so the session cookie travels with every call.
 */
export const api = createClient<paths>({
  baseUrl: typeof window === "undefined" ? "http://localhost" : window.location.origin,
  credentials: "same-origin",
});
api.use(sessionMiddleware);

/**
 * The data of an openapi-fetch result, or an `ApiError` built from the API's
 * error envelope (or from the status alone when the body is not one).
 */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.response.ok && result.data !== undefined) return result.data;
  // 204, or a 201 without a body (e.g. a secret created): nothing to return.
  if (result.response.ok && result.error === undefined) return undefined as T;
  const body = result.error as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined;
  const code = typeof body?.error?.code === "string" ? body.error.code : "http_error";
  const message =
    typeof body?.error?.message === "string"
      ? body.error.message
      : `the API answered ${result.response.status} ${result.response.statusText}`.trim();
  throw new ApiError(result.response.status, code, message, body?.error?.details ?? null);
}
