import { NextResponse, type NextRequest } from "next/server";

/** Where the API listens; read at request time so one build serves any API. */
function apiBase(): string {
  return process.env.AGENTCLASH_API_URL ?? "http://127.0.0.1:8080";
}

/**
 * Proxies the API's paths to AGENTCLASH_API_URL, so the browser talks to one
 * origin: the session cookie and the event stream need no CORS.
 */
export function proxy(request: NextRequest): NextResponse {
  const { pathname, search } = request.nextUrl;
  return NextResponse.rewrite(new URL(`${pathname}${search}`, apiBase()));
}

export const config = { matcher: ["/v1/:path*", "/healthz", "/healthz/:path*"] };
