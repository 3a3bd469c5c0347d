//! Loopback networking helpers: free ports, port checks and health probes.

use std::io::{Read as _, Write as _};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::time::Duration;

use crate::error::{IoContext, Result};

/// A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it), for
/// test harnesses that must not collide with anything else on the machine.
pub fn pick_free_port() -> Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .context(|| "cannot bind 127.0.0.1:0 to find a free port".to_owned())?;
    let port = listener
        .local_addr()
        .context(|| "cannot read the bound address".to_owned())?
        .port();
    Ok(port)
}

/// Whether something already listens on `addr` (so our server could not
/// bind it). Other bind failures, such as an address this machine does not
/// have, are errors.
pub fn port_in_use(addr: SocketAddr) -> Result<bool> {
    match TcpListener::bind(addr) {
        Ok(_) => Ok(false),
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => Ok(true),
        Err(e) => Err(e).context(|| format!("cannot bind {addr}")),
    }
}

/// The address to connect to for a server bound to `bind`: a wildcard bind
/// is reached through loopback.
pub fn connect_addr(bind: SocketAddr) -> SocketAddr {
    let ip = match bind.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, bind.port())
}

/// Whether a TCP connection to `host:port` succeeds within `timeout`.
pub(crate) fn tcp_reachable(address: &str, timeout: Duration) -> Result<(), String> {
    let addrs = address
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {address}: {e}"))?;
    let mut last = format!("{address} resolves to no address");
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(_) => return Ok(()),
            Err(e) => last = format!("cannot connect to {addr}: {e}"),
        }
    }
    Err(last)
}

/// `GET path` over plain HTTP/1.1; returns the status code and the start of
/// the body. Deliberately tiny: health checks need nothing more, and the
/// supervisor stays free of an HTTP client stack.
pub(crate) fn http_get(
    addr: SocketAddr,
    path: &str,
    timeout: Duration,
) -> Result<(u16, String), String> {
    let fail = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
            format!("GET http://{addr}{path}: no answer within {timeout:?}")
        }
        _ => format!("GET http://{addr}{path}: {e}"),
    };
    let mut stream = TcpStream::connect_timeout(&addr, timeout).map_err(fail)?;
    stream.set_read_timeout(Some(timeout)).map_err(fail)?;
    stream.set_write_timeout(Some(timeout)).map_err(fail)?;
    // One write: a request split over several segments can make a server that
    // answers after its first read close with unread data, which resets the
    // connection before we read the answer.
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).map_err(fail)?;
    let mut response = Vec::new();
    stream
        .take(64 * 1024)
        .read_to_end(&mut response)
        .map_err(fail)?;
    parse_http_response(&String::from_utf8_lossy(&response))
        .ok_or_else(|| format!("GET http://{addr}{path}: not an HTTP response"))
}

fn parse_http_response(text: &str) -> Option<(u16, String)> {
    let status_line = text.lines().next()?;
    let mut parts = status_line.split_whitespace();
    if !parts.next()?.starts_with("HTTP/") {
        return None;
    }
    let status = parts.next()?.parse().ok()?;
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    Some((status, body.chars().take(300).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listening_port_is_in_use_and_a_released_one_is_not() {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
        let addr = listener.local_addr().expect("addr");
        assert!(port_in_use(addr).expect("check"));
        assert!(tcp_reachable(&addr.to_string(), Duration::from_secs(1)).is_ok());
        drop(listener);
        assert!(!port_in_use(addr).expect("check"));
        let port = pick_free_port().expect("free port");
        assert!(!port_in_use(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).expect("check"));
    }

    #[test]
    fn wildcard_binds_are_probed_on_loopback() {
        let any: SocketAddr = "0.0.0.0:8080".parse().expect("addr");
        assert_eq!(connect_addr(any).to_string(), "127.0.0.1:8080");
        let v6: SocketAddr = "[::]:1".parse().expect("addr");
        assert_eq!(connect_addr(v6).to_string(), "[::1]:1");
        let fixed: SocketAddr = "127.0.0.2:5".parse().expect("addr");
        assert_eq!(connect_addr(fixed), fixed);
    }

    #[test]
    fn http_responses_parse() {
        let ok = "HTTP/1.1 503 Service Unavailable\r\ncontent-type: x\r\n\r\n{\"db\":false}";
        assert_eq!(
            parse_http_response(ok),
            Some((503, "{\"db\":false}".into()))
        );
        assert_eq!(parse_http_response("SSH-2.0"), None);
        assert_eq!(parse_http_response(""), None);
    }

    #[test]
    fn http_get_reads_a_status_from_a_real_socket() {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind");
        let addr = listener.local_addr().expect("addr");
        let server = std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().expect("accept");
            let mut request = Vec::new();
            let mut buf = [0_u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match conn.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            conn.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                .expect("write");
        });
        let got = http_get(addr, "/healthz", Duration::from_secs(2)).expect("get");
        assert_eq!(got, (200, "ok".into()));
        server.join().expect("server thread");
    }
}
