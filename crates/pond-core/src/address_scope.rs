//! Where an IP address leads: the public internet, or somewhere a server
//! should not be made to send requests on a stranger's say-so (its own
//! loopback, the shop's private network, a cloud's metadata service).
//!
//! Webhook targets are checked against this twice: when registered, and on
//! the address actually connected to at delivery, so a name that later
//! resolves somewhere private (DNS rebinding) is still refused.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The kind of network an address belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Reachable on the public internet.
    Public,
    /// `127.0.0.0/8`, `::1`.
    Loopback,
    /// RFC 1918: `10/8`, `172.16/12`, `192.168/16`.
    Private,
    /// Carrier-grade NAT, RFC 6598: `100.64/10`.
    SharedNat,
    /// `169.254/16` (where cloud metadata services live), `fe80::/10`.
    LinkLocal,
    /// IPv6 unique local addresses, `fc00::/7`.
    UniqueLocal,
    /// `224/4`, `ff00::/8`, and the broadcast address.
    Multicast,
    /// `0.0.0.0/8`, `::`.
    Unspecified,
    /// Reserved or special-purpose ranges that are no one's public host:
    /// `192.0.0/24`, `198.18/15` (benchmarking), `240/4`, documentation
    /// ranges, discard-only `100::/64`.
    Reserved,
}

impl Scope {
    /// Whether a server may send requests there without the operator's
    /// explicit permission.
    pub fn is_public(self) -> bool {
        self == Scope::Public
    }

    /// A stable name for messages and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Public => "public",
            Scope::Loopback => "loopback",
            Scope::Private => "private",
            Scope::SharedNat => "carrier-grade NAT",
            Scope::LinkLocal => "link-local",
            Scope::UniqueLocal => "unique-local",
            Scope::Multicast => "multicast",
            Scope::Unspecified => "unspecified",
            Scope::Reserved => "reserved",
        }
    }
}

/// The scope of an address. IPv4 addresses written in IPv6 (mapped
/// `::ffff:a.b.c.d`, NAT64 `64:ff9b::a.b.c.d`) are judged as the IPv4
/// address they reach.
pub fn scope(ip: IpAddr) -> Scope {
    match ip {
        IpAddr::V4(v4) => scope_v4(v4),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => scope_v4(v4),
            None => scope_v6(v6),
        },
    }
}

fn scope_v4(ip: Ipv4Addr) -> Scope {
    let [a, b, c, _] = ip.octets();
    match (a, b, c) {
        (0, _, _) => Scope::Unspecified,
        (127, _, _) => Scope::Loopback,
        (10, _, _) | (172, 16..=31, _) | (192, 168, _) => Scope::Private,
        (100, 64..=127, _) => Scope::SharedNat,
        (169, 254, _) => Scope::LinkLocal,
        (224..=239, _, _) => Scope::Multicast,
        (255, 255, 255) => Scope::Multicast,
        (192, 0, 0) | (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => Scope::Reserved,
        (198, 18..=19, _) | (240..=255, _, _) => Scope::Reserved,
        _ => Scope::Public,
    }
}

fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return Some(v4);
    }
    let s = ip.segments();
    // NAT64 (RFC 6052): the IPv4 address in the last 32 bits.
    (s[..6] == [0x64, 0xff9b, 0, 0, 0, 0]).then(|| {
        let [.., hi, lo] = s;
        Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo))
    })
}

fn scope_v6(ip: Ipv6Addr) -> Scope {
    let s = ip.segments();
    if ip.is_unspecified() {
        Scope::Unspecified
    } else if ip.is_loopback() {
        Scope::Loopback
    } else if s[0] & 0xffc0 == 0xfe80 {
        Scope::LinkLocal
    } else if s[0] & 0xfe00 == 0xfc00 {
        Scope::UniqueLocal
    } else if s[0] & 0xff00 == 0xff00 {
        Scope::Multicast
    } else if (s[0] == 0x2001 && s[1] == 0x0db8)
        || s[..4] == [0x100, 0, 0, 0]
        || s[0] & 0xffc0 == 0xfec0
    {
        // Documentation, discard-only, and the old site-local range.
        Scope::Reserved
    } else if s[..6] == [0, 0, 0, 0, 0, 0] {
        // IPv4-compatible (deprecated): never a public host today.
        Scope::Reserved
    } else {
        Scope::Public
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_private_range_is_refused_and_public_hosts_are_not() {
        let table = [
            ("127.0.0.1", Scope::Loopback),
            ("127.255.255.254", Scope::Loopback),
            ("::1", Scope::Loopback),
            ("::ffff:127.0.0.1", Scope::Loopback),
            ("10.0.0.1", Scope::Private),
            ("10.255.255.255", Scope::Private),
            ("172.16.0.1", Scope::Private),
            ("172.31.255.255", Scope::Private),
            ("192.168.1.1", Scope::Private),
            ("::ffff:192.168.1.1", Scope::Private),
            ("64:ff9b::10.0.0.1", Scope::Private),
            ("100.64.0.1", Scope::SharedNat),
            ("100.127.255.255", Scope::SharedNat),
            ("169.254.169.254", Scope::LinkLocal),
            ("fe80::1", Scope::LinkLocal),
            ("febf::1", Scope::LinkLocal),
            ("fc00::1", Scope::UniqueLocal),
            ("fd12:3456::1", Scope::UniqueLocal),
            ("224.0.0.1", Scope::Multicast),
            ("239.255.255.250", Scope::Multicast),
            ("255.255.255.255", Scope::Multicast),
            ("ff02::1", Scope::Multicast),
            ("0.0.0.0", Scope::Unspecified),
            ("0.1.2.3", Scope::Unspecified),
            ("::", Scope::Unspecified),
            ("192.0.2.10", Scope::Reserved),
            ("198.18.0.1", Scope::Reserved),
            ("240.0.0.1", Scope::Reserved),
            ("2001:db8::1", Scope::Reserved),
            // Public neighbours of the ranges above.
            ("172.15.255.255", Scope::Public),
            ("172.32.0.0", Scope::Public),
            ("100.63.255.255", Scope::Public),
            ("100.128.0.0", Scope::Public),
            ("169.253.0.1", Scope::Public),
            ("192.169.0.1", Scope::Public),
            ("11.0.0.1", Scope::Public),
            ("8.8.8.8", Scope::Public),
            ("2606:4700::1111", Scope::Public),
            ("64:ff9b::8.8.8.8", Scope::Public),
        ];
        for (text, want) in table {
            let ip: IpAddr = text.parse().unwrap();
            assert_eq!(scope(ip), want, "{text}");
            assert_eq!(scope(ip).is_public(), want == Scope::Public, "{text}");
        }
    }
}
