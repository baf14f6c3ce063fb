//! The one answer to "who is asking": the client's address. Every rate
//! limit, fraud signal, click, join and live-code visit asks [`ClientAddr`],
//! so no door can trust a header another door ignores.
//!
//! The socket's peer is the client unless it is one of the shop's own
//! reverse proxies (`--trusted-proxies`). Only then do `X-Forwarded-For`
//! (or `X-Real-IP`) count, read from the right: each trusted proxy appends
//! the address it saw, so the right-most hop that is not itself a trusted
//! proxy is the first one nobody of ours vouches for. The left-most hops
//! are whatever the client wrote and are never believed.

use crate::App;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use ipnet::IpNet;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

/// The reverse proxies whose forwarding headers are believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

/// A `--trusted-proxies` entry that is neither an address nor a CIDR.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an IP address or CIDR (e.g. 10.0.0.1 or 10.0.0.0/8)")]
pub struct BadProxy(pub String);

impl TrustedProxies {
    /// No proxy: the socket's peer is always the client.
    pub fn none() -> Self {
        TrustedProxies(Vec::new())
    }

    /// Whether `ip` is one of the trusted proxies.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// Whether any proxy is trusted at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromStr for TrustedProxies {
    type Err = BadProxy;

    /// A comma- or space-separated list of addresses and CIDRs.
    fn from_str(s: &str) -> Result<Self, BadProxy> {
        let mut nets = Vec::new();
        for entry in s.split([',', ' ']).map(str::trim).filter(|e| !e.is_empty()) {
            let net = match IpAddr::from_str(entry) {
                Ok(ip) => IpNet::from(ip.to_canonical()),
                Err(_) => IpNet::from_str(entry).map_err(|_| BadProxy(entry.to_string()))?,
            };
            nets.push(net);
        }
        Ok(TrustedProxies(nets))
    }
}

/// One forwarded hop: an address, optionally with a port (`1.2.3.4:5`,
/// `[::1]:5`), as proxies write them.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    IpAddr::from_str(hop)
        .ok()
        .or_else(|| SocketAddr::from_str(hop).ok().map(|s| s.ip()))
        .or_else(|| {
            let inner = hop.strip_prefix('[')?.strip_suffix(']')?;
            IpAddr::from_str(inner).ok()
        })
        .map(|ip| ip.to_canonical())
}

/// The client's address for a request that came from `peer` with `headers`.
pub fn client_addr(peer: IpAddr, headers: &HeaderMap, trusted: &TrustedProxies) -> IpAddr {
    let peer = peer.to_canonical();
    if !trusted.contains(peer) {
        return peer;
    }
    // Several X-Forwarded-For lines are one list, in order (RFC 9110 §5.3).
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    if hops.is_empty() {
        return headers
            .get("x-real-ip")
            .and_then(|v| v.to_str().ok())
            .and_then(parse_hop)
            .unwrap_or(peer);
    }
    // Walk from our side outwards; the last address we could vouch for
    // answers when a hop is unreadable (written by someone untrusted).
    let mut nearest = peer;
    for hop in hops.iter().rev() {
        match parse_hop(hop) {
            Some(ip) if trusted.contains(ip) => nearest = ip,
            Some(ip) => return ip,
            None => return nearest,
        }
    }
    nearest
}

/// The client's address, as an extractor for handlers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl ClientAddr {
    /// The address as text, for keyed hashes and limiter keys.
    pub fn key(&self) -> String {
        self.0.to_string()
    }
}

impl FromRequestParts<App> for ClientAddr {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Infallible> {
        // Served without connect info (a router called in-process), the
        // unspecified address stands in: one key, so limits still hold.
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(a)| a.ip())
            .unwrap_or(IpAddr::from([0, 0, 0, 0]));
        Ok(ClientAddr(client_addr(
            peer,
            &parts.headers,
            &app.config.trusted_proxies,
        )))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client() {
        let h = headers(&[("x-forwarded-for", "1.2.3.4"), ("x-real-ip", "5.6.7.8")]);
        let none = TrustedProxies::none();
        assert_eq!(client_addr(ip("203.0.113.9"), &h, &none), ip("203.0.113.9"));
    }

    #[test]
    fn a_trusted_proxy_is_believed_from_the_right() {
        let trusted: TrustedProxies = "127.0.0.1, 10.0.0.0/8".parse().unwrap();
        // The client forged the first hop; our proxies appended the rest.
        let h = headers(&[("x-forwarded-for", "6.6.6.6, 198.51.100.4, 10.1.2.3")]);
        assert_eq!(
            client_addr(ip("127.0.0.1"), &h, &trusted),
            ip("198.51.100.4")
        );
        // Split over two header lines: still one list.
        let h = headers(&[
            ("x-forwarded-for", "6.6.6.6"),
            ("x-forwarded-for", "198.51.100.4:5123"),
        ]);
        assert_eq!(
            client_addr(ip("10.9.9.9"), &h, &trusted),
            ip("198.51.100.4")
        );
        // An untrusted peer's headers are ignored.
        assert_eq!(client_addr(ip("192.0.2.1"), &h, &trusted), ip("192.0.2.1"));
        // X-Real-IP when there is no X-Forwarded-For.
        let h = headers(&[("x-real-ip", "[2001:db8::1]")]);
        assert_eq!(
            client_addr(ip("127.0.0.1"), &h, &trusted),
            ip("2001:db8::1")
        );
        // Garbage to the right of a trusted hop: the hop we trust answers.
        let h = headers(&[("x-forwarded-for", "198.51.100.4, junk, 10.0.0.7")]);
        assert_eq!(client_addr(ip("127.0.0.1"), &h, &trusted), ip("10.0.0.7"));
        // All hops ours: the left-most.
        let h = headers(&[("x-forwarded-for", "10.0.0.1, 10.0.0.2")]);
        assert_eq!(client_addr(ip("127.0.0.1"), &h, &trusted), ip("10.0.0.1"));
        // An IPv4 peer seen through an IPv6 socket is still the proxy.
        let h = headers(&[("x-forwarded-for", "198.51.100.4")]);
        assert_eq!(
            client_addr(ip("::ffff:127.0.0.1"), &h, &trusted),
            ip("198.51.100.4")
        );
    }

    #[test]
    fn proxy_lists_parse_or_name_the_bad_entry() {
        let t: TrustedProxies = "".parse().unwrap();
        assert!(t.is_empty());
        let t: TrustedProxies = "::1 192.168.0.0/16".parse().unwrap();
        assert!(t.contains(ip("192.168.4.4")) && t.contains(ip("::1")));
        assert_eq!(
            "10.0.0.1,proxy.local".parse::<TrustedProxies>(),
            Err(BadProxy("proxy.local".into()))
        );
    }
}
