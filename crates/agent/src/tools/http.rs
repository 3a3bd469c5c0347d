//! `http_request`: network permission required; addresses that are private,
//! loopback, link-local, reserved or multicast are refused unless inside the
//! pack's `network_allowlist`. The resolved address is pinned for the
//! connection (no DNS rebinding) and every redirect is checked again.

use super::envelope::wrap;
use super::paths::confine;
use super::{ToolEnv, ToolOutcome, ToolSet};
use serde_json::{Map, Value, json};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

const MAX_REQUEST_BODY: usize = 1024 * 1024;
const MAX_RESPONSE_BODY: usize = 5 * 1024 * 1024;
const MAX_REDIRECTS: usize = 5;
/// Response headers whose (lower-case) name contains one of these are
/// authentication-like and shown as `[redacted]`: the spec's list
/// (authorization, cookie, set-cookie, x-api-key, api-key, token, …) is
/// open-ended, and vendors spell them many ways (`x-amz-security-token`,
/// `x-goog-api-key`, `x-session-id`).
const REDACTED_HEADER_PARTS: [&str; 8] = [
    "auth", "cookie", "token", "api-key", "apikey", "secret", "session", "password",
];

fn is_auth_like(header: &str) -> bool {
    REDACTED_HEADER_PARTS
        .iter()
        .any(|part| header.contains(part))
}

/// Whether `ip` lies in the CIDR block `cidr` (`10.0.0.0/8`, `fd00::/8`).
pub fn cidr_contains(cidr: &str, ip: IpAddr) -> bool {
    let Some((base, bits)) = cidr.trim().split_once('/') else {
        return false;
    };
    let (Ok(base), Ok(bits)) = (base.parse::<IpAddr>(), bits.parse::<u32>()) else {
        return false;
    };
    match (base, ip) {
        (IpAddr::V4(b), IpAddr::V4(i)) if bits <= 32 => {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            u32::from(b) & mask == u32::from(i) & mask
        }
        (IpAddr::V6(b), IpAddr::V6(i)) if bits <= 128 => {
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            u128::from(b) & mask == u128::from(i) & mask
        }
        _ => false,
    }
}

async fn checked_address(url: &url::Url, allowlist: &[String]) -> Result<SocketAddr, String> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "only http and https URLs are allowed, not `{}`",
            url.scheme()
        ));
    }
    let host = url.host_str().ok_or("the URL has no host")?;
    let port = url.port_or_known_default().ok_or("the URL has no port")?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| format!("cannot resolve `{host}`: {e}"))?
        .collect();
    let first = *addrs
        .first()
        .ok_or_else(|| format!("`{host}` resolves to no address"))?;
    for addr in &addrs {
        if let Some(range) = agentclash_providers::blocked_range(addr.ip())
            && !allowlist.iter().any(|c| cidr_contains(c, addr.ip()))
        {
            return Err(format!(
                "`{host}` resolves to {} ({range:?}), which is not allowed; add it to sandbox.network_allowlist to permit it",
                addr.ip()
            ));
        }
    }
    Ok(first)
}

/// Runs one `http_request` call.
pub async fn request(args: &Map<String, Value>, env: &ToolEnv<'_>, set: &ToolSet) -> ToolOutcome {
    if !set.network_permitted() {
        return ToolOutcome::error(
            "http_request is refused by policy: this pack does not allow network access",
        );
    }
    match send(args, env, set).await {
        Ok(outcome) => outcome,
        Err(message) => ToolOutcome::error(message),
    }
}

async fn send(
    args: &Map<String, Value>,
    env: &ToolEnv<'_>,
    set: &ToolSet,
) -> Result<ToolOutcome, String> {
    let text = |key: &str| -> Result<Option<String>, String> {
        match args.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(format!("argument `{key}` must be a string")),
        }
    };
    let method = text("method")?.ok_or("argument `method` is required")?;
    let method = reqwest::Method::from_bytes(method.to_ascii_uppercase().as_bytes())
        .map_err(|_| format!("`{method}` is not an HTTP method"))?;
    let mut url = url::Url::parse(&text("url")?.ok_or("argument `url` is required")?)
        .map_err(|e| format!("argument `url` is not a URL: {e}"))?;
    let body = text("body")?.unwrap_or_default();
    if body.len() > MAX_REQUEST_BODY {
        return Err("the request body exceeds 1 MiB".into());
    }
    let timeout_secs = match args.get("timeout_seconds") {
        None | Some(Value::Null) => 30,
        Some(v) => v
            .as_u64()
            .filter(|n| *n >= 1)
            .ok_or("argument `timeout_seconds` must be an integer >= 1")?
            .min(60),
    };
    let timeout =
        Duration::from_secs(timeout_secs).min(env.step_timeout.max(Duration::from_secs(1)));
    let headers: Vec<(String, String)> = match args.get("headers") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, v)| {
                v.as_str()
                    .map(|s| (k.clone(), s.to_owned()))
                    .ok_or(format!("header `{k}` must be a string"))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err("argument `headers` must be an object of strings".into()),
    };
    let output_path = text("output_path")?.map(|p| confine(&p)).transpose()?;
    let mut response = None;
    for _ in 0..=MAX_REDIRECTS {
        let addr = checked_address(&url, set.allowlist()).await?;
        let host = url.host_str().unwrap_or_default().to_owned();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .resolve(&host, addr)
            .timeout(timeout)
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        let mut req = client
            .request(method.clone(), url.clone())
            .body(body.clone());
        for (k, v) in &headers {
            req = req.header(k, v);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| format!("request failed: {e}"))?;
        if resp.status().is_redirection()
            && let Some(next) = resp.headers().get("location").and_then(|l| l.to_str().ok())
        {
            url = url
                .join(next)
                .map_err(|e| format!("bad redirect location: {e}"))?;
            continue;
        }
        response = Some(resp);
        break;
    }
    let mut resp = response.ok_or("too many redirects")?;
    let status = resp.status().as_u16();
    let final_url = resp.url().to_string();
    let response_headers: Map<String, Value> = resp
        .headers()
        .iter()
        .map(|(k, v)| {
            let shown = if is_auth_like(k.as_str()) {
                "[redacted]".to_owned()
            } else {
                v.to_str().unwrap_or("").to_owned()
            };
            (k.as_str().to_owned(), Value::String(shown))
        })
        .collect();
    let mut bytes = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| format!("reading the response failed: {e}"))?
    {
        if bytes.len() + chunk.len() > MAX_RESPONSE_BODY {
            return Err("the response body exceeds 5 MiB".into());
        }
        bytes.extend_from_slice(&chunk);
    }
    let mut payload = json!({"status_code": status, "headers": response_headers, "url": final_url, "body_bytes": bytes.len()});
    match (output_path, env.sandbox) {
        (Some(path), Some(sandbox)) => {
            sandbox
                .write_file(&path, &bytes)
                .await
                .map_err(|e| format!("cannot write {path}: {e}"))?;
            payload["output_path"] = json!(path);
            payload["bytes_downloaded"] = json!(bytes.len());
        }
        (Some(_), None) => return Err("`output_path` needs a sandbox".into()),
        (None, _) => payload["body"] = json!(String::from_utf8_lossy(&bytes)),
    }
    Ok(ToolOutcome::ok(
        wrap("http_request", payload, env.sandbox).await,
    ))
}

#[cfg(test)]
mod tests {
    use super::cidr_contains;

    #[test]
    fn cidr_membership() {
        let ip = |s: &str| s.parse().expect("ip");
        assert!(cidr_contains("10.0.0.0/8", ip("10.1.2.3")));
        assert!(!cidr_contains("10.0.0.0/8", ip("11.0.0.1")));
        assert!(cidr_contains("127.0.0.1/32", ip("127.0.0.1")));
        assert!(cidr_contains("fd00::/8", ip("fd12::1")));
        assert!(!cidr_contains("fd00::/8", ip("10.0.0.1")));
        assert!(!cidr_contains("garbage", ip("10.0.0.1")));
    }
}
