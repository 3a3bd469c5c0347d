//! SSRF guard for user-supplied base URLs: https only and no non-public
//! addresses, checked on the literal host and again on every address DNS
//! returns at connect time (so a name cannot be re-pointed at an internal
//! address between the check and the connection).

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

/// Address ranges a guarded call may not reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockedRange {
    /// 127.0.0.0/8, ::1.
    Loopback,
    /// 10/8, 172.16/12, 192.168/16.
    Private,
    /// 169.254/16, fe80::/10.
    LinkLocal,
    /// fc00::/7 (and the deprecated site-local fec0::/10).
    UniqueLocal,
    /// 100.64.0.0/10 (carrier-grade NAT).
    SharedCgnat,
    /// 224/4, ff00::/8.
    Multicast,
    /// 0.0.0.0/8, ::.
    Unspecified,
    /// 192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32, 3fff::/20.
    Documentation,
    /// 192.0.0/24, 198.18/15, 240/4, 255.255.255.255: protocol assignments,
    /// benchmarking, reserved and broadcast.
    Reserved,
}

impl fmt::Display for BlockedRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Loopback => "loopback",
            Self::Private => "private",
            Self::LinkLocal => "link-local",
            Self::UniqueLocal => "unique-local",
            Self::SharedCgnat => "shared address space (CGNAT)",
            Self::Multicast => "multicast",
            Self::Unspecified => "unspecified",
            Self::Documentation => "documentation",
            Self::Reserved => "reserved",
        })
    }
}

/// Why a base URL or resolved address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SsrfViolation {
    /// Only https may be used in production mode.
    #[error("scheme {0:?} is not allowed: only https is allowed outside local mode")]
    Scheme(String),
    /// Only http(s) may be used at all.
    #[error("scheme {0:?} is not allowed: only http and https are supported")]
    UnsupportedScheme(String),
    /// The URL has no host.
    #[error("the URL has no host")]
    NoHost,
    /// The literal host is a blocked address.
    #[error("host {addr} is a {range} address, which is not allowed outside local mode")]
    LiteralAddress {
        /// The refused address.
        addr: IpAddr,
        /// The rule it violates.
        range: BlockedRange,
    },
    /// Every address the host name resolved to is blocked.
    #[error(
        "host {host} resolved to {addr}, a {range} address, which is not allowed outside local mode"
    )]
    ResolvedAddress {
        /// The resolved name.
        host: String,
        /// The first refused address.
        addr: IpAddr,
        /// The rule it violates.
        range: BlockedRange,
    },
}

/// The range `ip` belongs to when it is not a public unicast address.
pub fn blocked_range(ip: IpAddr) -> Option<BlockedRange> {
    match ip {
        IpAddr::V4(v4) => blocked_v4(v4),
        IpAddr::V6(v6) => blocked_v6(v6),
    }
}

fn blocked_v4(ip: Ipv4Addr) -> Option<BlockedRange> {
    let [a, b, c, _] = ip.octets();
    let range = if a == 0 {
        BlockedRange::Unspecified
    } else if a == 127 {
        BlockedRange::Loopback
    } else if a == 10 || (a == 172 && (16..=31).contains(&b)) || (a == 192 && b == 168) {
        BlockedRange::Private
    } else if a == 169 && b == 254 {
        BlockedRange::LinkLocal
    } else if a == 100 && (64..=127).contains(&b) {
        BlockedRange::SharedCgnat
    } else if (224..=239).contains(&a) {
        BlockedRange::Multicast
    } else if (a, b, c) == (192, 0, 2) || (a, b, c) == (198, 51, 100) || (a, b, c) == (203, 0, 113)
    {
        BlockedRange::Documentation
    } else if a >= 240 || (a, b, c) == (192, 0, 0) || (a == 198 && (18..=19).contains(&b)) {
        BlockedRange::Reserved
    } else {
        return None;
    };
    Some(range)
}

fn blocked_v6(ip: Ipv6Addr) -> Option<BlockedRange> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return blocked_v4(v4);
    }
    let seg = ip.segments();
    // NAT64 well-known prefix 64:ff9b::/96 embeds an IPv4 address.
    if seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [a, b] = seg[6].to_be_bytes();
        let [c, d] = seg[7].to_be_bytes();
        return blocked_v4(Ipv4Addr::new(a, b, c, d));
    }
    let range = if ip.is_unspecified() {
        BlockedRange::Unspecified
    } else if ip.is_loopback() {
        BlockedRange::Loopback
    } else if seg[0] & 0xffc0 == 0xfe80 {
        BlockedRange::LinkLocal
    } else if seg[0] & 0xfe00 == 0xfc00 || seg[0] & 0xffc0 == 0xfec0 {
        BlockedRange::UniqueLocal
    } else if seg[0] & 0xff00 == 0xff00 {
        BlockedRange::Multicast
    } else if (seg[0] == 0x2001 && seg[1] == 0x0db8) || seg[0] & 0xfff0 == 0x3ff0 {
        BlockedRange::Documentation
    } else {
        return None;
    };
    Some(range)
}

/// Checks scheme and literal host of `url`. With `allow_private` only the
/// scheme must be http(s).
pub fn check_url(url: &Url, allow_private: bool) -> Result<(), SsrfViolation> {
    match url.scheme() {
        "https" => {}
        "http" if allow_private => {}
        "http" => return Err(SsrfViolation::Scheme("http".into())),
        other => return Err(SsrfViolation::UnsupportedScheme(other.into())),
    }
    let host = url.host().ok_or(SsrfViolation::NoHost)?;
    if allow_private {
        return Ok(());
    }
    let ip = match host {
        Host::Ipv4(v4) => IpAddr::V4(v4),
        Host::Ipv6(v6) => IpAddr::V6(v6),
        // Names are checked on every resolved address by `GuardedResolver`.
        Host::Domain(_) => return Ok(()),
    };
    match blocked_range(ip) {
        Some(range) => Err(SsrfViolation::LiteralAddress { addr: ip, range }),
        None => Ok(()),
    }
}

/// Keeps only public addresses; fails naming the first blocked one when
/// nothing public is left.
pub(crate) fn filter_resolved(
    host: &str,
    addrs: impl IntoIterator<Item = SocketAddr>,
) -> Result<Vec<SocketAddr>, SsrfViolation> {
    let mut first_blocked = None;
    let allowed: Vec<SocketAddr> = addrs
        .into_iter()
        .filter(|addr| match blocked_range(addr.ip()) {
            Some(range) => {
                first_blocked.get_or_insert((addr.ip(), range));
                false
            }
            None => true,
        })
        .collect();
    match (allowed.is_empty(), first_blocked) {
        (true, Some((addr, range))) => Err(SsrfViolation::ResolvedAddress {
            host: host.to_owned(),
            addr,
            range,
        }),
        _ => Ok(allowed),
    }
}

/// DNS resolver for the guarded HTTP client: system resolution, then
/// [`filter_resolved`].
#[derive(Debug, Default)]
pub(crate) struct GuardedResolver;

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let resolved = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let allowed = filter_resolved(&host, resolved)?;
            tracing::trace!(%host, addresses = allowed.len(), "resolved through the SSRF guard");
            let addrs: Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(s: &str) -> Option<BlockedRange> {
        blocked_range(s.parse().expect("test address"))
    }

    #[test]
    fn ip_classification_covers_every_rule() {
        use BlockedRange::*;
        let cases = [
            ("127.0.0.1", Some(Loopback)),
            ("127.255.0.9", Some(Loopback)),
            ("::1", Some(Loopback)),
            ("10.1.2.3", Some(Private)),
            ("172.16.0.1", Some(Private)),
            ("172.31.255.255", Some(Private)),
            ("192.168.1.1", Some(Private)),
            ("169.254.169.254", Some(LinkLocal)),
            ("fe80::1", Some(LinkLocal)),
            ("fd00::1", Some(UniqueLocal)),
            ("fc00::1", Some(UniqueLocal)),
            ("fec0::1", Some(UniqueLocal)),
            ("100.64.0.1", Some(SharedCgnat)),
            ("100.127.255.255", Some(SharedCgnat)),
            ("224.0.0.1", Some(Multicast)),
            ("ff02::1", Some(Multicast)),
            ("0.0.0.0", Some(Unspecified)),
            ("0.1.2.3", Some(Unspecified)),
            ("::", Some(Unspecified)),
            ("192.0.2.10", Some(Documentation)),
            ("198.51.100.1", Some(Documentation)),
            ("203.0.113.7", Some(Documentation)),
            ("2001:db8::1", Some(Documentation)),
            ("255.255.255.255", Some(Reserved)),
            ("198.18.0.1", Some(Reserved)),
            ("::ffff:127.0.0.1", Some(Loopback)),
            ("::ffff:10.0.0.1", Some(Private)),
            ("64:ff9b::a9fe:a9fe", Some(LinkLocal)),
            // Public neighbours of the blocked ranges.
            ("8.8.8.8", None),
            ("172.15.255.255", None),
            ("172.32.0.1", None),
            ("100.63.255.255", None),
            ("100.128.0.1", None),
            ("11.0.0.1", None),
            ("2606:4700:4700::1111", None),
            ("::ffff:8.8.8.8", None),
        ];
        for (addr, expected) in cases {
            assert_eq!(range(addr), expected, "{addr}");
        }
    }

    #[test]
    fn urls_are_checked_for_scheme_and_literal_host() {
        let check = |u: &str, allow| check_url(&Url::parse(u).expect("test URL"), allow);
        assert_eq!(check("https://api.openai.com/v1", false), Ok(()));
        assert_eq!(
            check("http://api.openai.com/v1", false),
            Err(SsrfViolation::Scheme("http".into()))
        );
        assert_eq!(check("http://127.0.0.1:8080", true), Ok(()));
        assert!(matches!(
            check("ftp://example.com", true),
            Err(SsrfViolation::UnsupportedScheme(_))
        ));
        let err = check("https://[::1]:443/", false).expect_err("loopback literal");
        assert_eq!(
            err,
            SsrfViolation::LiteralAddress {
                addr: "::1".parse().expect("addr"),
                range: BlockedRange::Loopback
            }
        );
        assert!(err.to_string().contains("loopback"), "{err}");
        let err = check("https://169.254.169.254/latest", false).expect_err("metadata address");
        assert!(err.to_string().contains("link-local"), "{err}");
    }

    #[test]
    fn resolved_addresses_are_filtered() {
        let public: SocketAddr = "93.184.215.14:443".parse().expect("addr");
        let private: SocketAddr = "10.0.0.5:443".parse().expect("addr");
        assert_eq!(
            filter_resolved("mixed.example", [private, public]),
            Ok(vec![public])
        );
        let err = filter_resolved("internal.example", [private]).expect_err("only private");
        assert!(
            err.to_string()
                .contains("internal.example resolved to 10.0.0.5, a private address"),
            "{err}"
        );
    }
}
