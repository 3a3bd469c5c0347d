import type { NextConfig } from "next";

// `/v1/*` is proxied to the API by src/proxy.ts (a rewrite decided per
// request), so AGENTCLASH_API_URL is read when the server starts, not baked
// in at build time, and the browser stays same-origin with the API.
const config: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // Compression would buffer the proxied server-sent event stream.
  compress: false,
};

export default config;
