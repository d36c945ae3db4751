//! Which URLs a billing hook may be delivered to.
//!
//! `https` only (the Standard Webhooks "Enforcing HTTPS" section: signatures stop
//! tampering, not eavesdropping, and events name users), except `http` to loopback while
//! developing and testing. The rest guards against server-side request forgery (the spec's
//! "SSRF" section) as far as a URL alone can: no loopback unless allowed, and no literal
//! private, link-local or otherwise non-public address. A host *name* is not resolved here
//! (this crate does no I/O); the dispatcher must check the addresses it connects to.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

/// Why a hook URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    /// Not an absolute URL.
    #[error("not a valid URL: {0}")]
    Invalid(#[from] url::ParseError),
    /// A scheme other than `https` (or `http` to loopback in development).
    #[error("hook URLs must use https")]
    InsecureScheme,
    /// `user:password@` in the URL: credentials would be logged and shown with it.
    #[error("hook URLs must not contain a user name or password")]
    Userinfo,
    /// A `#fragment`, which is never sent to the server and so means a mistake.
    #[error("hook URLs must not contain a #fragment")]
    Fragment,
    /// No host (e.g. `https:///x` after normalisation, or a non-hierarchical URL).
    #[error("hook URLs must name a host")]
    NoHost,
    /// Loopback (`localhost`, 127.0.0.0/8, `::1`) without the development allowance.
    #[error("hook URLs must not point at this machine")]
    Loopback,
    /// A literal private, link-local, unspecified, multicast or documentation address.
    #[error("hook URLs must not point at a private or reserved address")]
    NonPublicAddress,
}

/// Parses and checks a hook endpoint URL.
///
/// `allow_insecure_loopback` (development and tests only) permits loopback hosts, over
/// `http` or `https`; without it loopback is refused outright. `http` is never accepted
/// for any other host.
pub fn validate_endpoint(url: &str, allow_insecure_loopback: bool) -> Result<Url, EndpointError> {
    let parsed = Url::parse(url)?;
    let secure = match parsed.scheme() {
        "https" => true,
        "http" => false,
        _ => return Err(EndpointError::InsecureScheme),
    };
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(EndpointError::Userinfo);
    }
    if parsed.fragment().is_some() {
        return Err(EndpointError::Fragment);
    }
    let loopback = match parsed.host().ok_or(EndpointError::NoHost)? {
        // RFC 6761 §6.3: `localhost` and names under it are loopback.
        Host::Domain(name) => {
            let name = name.trim_end_matches('.');
            name == "localhost" || name.ends_with(".localhost")
        }
        Host::Ipv4(ip) => check_ip(IpAddr::V4(ip))?,
        Host::Ipv6(ip) => check_ip(IpAddr::V6(ip))?,
    };
    if loopback && !allow_insecure_loopback {
        return Err(EndpointError::Loopback);
    }
    if !secure && !loopback {
        return Err(EndpointError::InsecureScheme);
    }
    Ok(parsed)
}

/// `Ok(true)` for loopback, `Ok(false)` for a public address, an error for the rest.
fn check_ip(ip: IpAddr) -> Result<bool, EndpointError> {
    let ip = match ip {
        // `::ffff:10.0.0.1` reaches 10.0.0.1.
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 @ IpAddr::V4(_) => v4,
    };
    if ip.is_loopback() {
        return Ok(true);
    }
    let reserved = match ip {
        IpAddr::V4(v4) => reserved_v4(v4),
        IpAddr::V6(v6) => reserved_v6(v6),
    };
    if reserved {
        Err(EndpointError::NonPublicAddress)
    } else {
        Ok(false)
    }
}

fn reserved_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_private()
        || ip.is_link_local() // 169.254/16, cloud metadata services
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0 // "this network", RFC 791
        || (a == 100 && (64..128).contains(&b)) // shared address space, RFC 6598
        || a >= 240 // reserved, RFC 1112
}

fn reserved_v6(ip: Ipv6Addr) -> bool {
    ip.is_unspecified()
        || ip.is_multicast()
        || ip.is_unique_local() // fc00::/7
        || ip.is_unicast_link_local() // fe80::/10
        || ip.segments()[0] == 0x2001 && ip.segments()[1] == 0x0db8 // documentation, RFC 3849
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(url: &str, allow: bool) -> Url {
        validate_endpoint(url, allow).unwrap_or_else(|e| panic!("{url}: {e}"))
    }

    fn err(url: &str, allow: bool) -> EndpointError {
        validate_endpoint(url, allow).expect_err(url)
    }

    #[test]
    fn https_to_a_public_host_is_accepted() {
        let u = ok("https://billing.example.com/hooks/scimgate?x=1", false);
        assert_eq!(u.host_str(), Some("billing.example.com"));
        ok("https://93.184.215.14/x", false);
        ok("https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/x", false);
    }

    #[test]
    fn http_loopback_only_with_the_flag() {
        for url in [
            "http://127.0.0.1:9/x",
            "http://127.1.2.3/x",
            "http://localhost:8080/x",
            "http://[::1]:9/x",
            "http://[::ffff:127.0.0.1]/x",
        ] {
            assert_eq!(ok(url, true).as_str().split(':').next(), Some("http"));
            assert_eq!(err(url, false), EndpointError::Loopback, "{url}");
        }
        ok("https://localhost/x", true);
        assert_eq!(err("https://localhost/x", false), EndpointError::Loopback);
    }

    #[test]
    fn http_elsewhere_is_never_accepted() {
        for allow in [false, true] {
            assert_eq!(
                err("http://10.0.0.1/x", allow),
                EndpointError::NonPublicAddress
            );
            assert_eq!(
                err("http://billing.example.com/x", allow),
                EndpointError::InsecureScheme
            );
            assert_eq!(
                err("http://93.184.215.14/x", allow),
                EndpointError::InsecureScheme
            );
        }
    }

    #[test]
    fn other_schemes_are_refused() {
        for url in [
            "ftp://example.com/x",
            "file:///etc/passwd",
            "mailto:a@example.com",
        ] {
            assert_eq!(err(url, true), EndpointError::InsecureScheme, "{url}");
        }
    }

    #[test]
    fn userinfo_and_fragments_are_refused() {
        assert_eq!(
            err("https://u:p@example.com/x", false),
            EndpointError::Userinfo
        );
        assert_eq!(
            err("https://u@example.com/x", false),
            EndpointError::Userinfo
        );
        assert_eq!(
            err("https://:p@example.com/x", false),
            EndpointError::Userinfo
        );
        assert_eq!(
            err("https://example.com/x#frag", false),
            EndpointError::Fragment
        );
        assert_eq!(
            err("https://example.com/x#", false),
            EndpointError::Fragment
        );
    }

    #[test]
    fn private_and_reserved_literals_are_refused_even_over_https() {
        for url in [
            "https://10.0.0.1/x",
            "https://172.16.5.4/x",
            "https://192.168.1.1/x",
            "https://169.254.169.254/latest/meta-data",
            "https://0.0.0.0/x",
            "https://100.64.0.1/x",
            "https://224.0.0.1/x",
            "https://255.255.255.255/x",
            "https://192.0.2.1/x",
            "https://[fd00::1]/x",
            "https://[fe80::1]/x",
            "https://[::]/x",
            "https://[::ffff:10.0.0.1]/x",
            "https://[2001:db8::1]/x",
            // The URL parser reads these as 10.0.0.1 and 127.0.0.1, as a browser would.
            "https://0x0a000001/x",
            "https://167772161/x",
        ] {
            assert_eq!(err(url, true), EndpointError::NonPublicAddress, "{url}");
        }
        assert_eq!(err("https://2130706433/x", false), EndpointError::Loopback);
    }

    #[test]
    fn garbage_is_invalid() {
        assert!(matches!(err("not a url", true), EndpointError::Invalid(_)));
        assert!(matches!(err("https://", true), EndpointError::Invalid(_)));
    }
}
