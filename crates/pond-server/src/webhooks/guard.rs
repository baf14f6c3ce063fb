//! The SSRF guard: a webhook may not send Pond's requests into the shop's
//! own network (loopback, private, link-local and the other ranges of
//! [`pond_core::address_scope`]) unless the operator allows it with
//! `--webhook-allow-private`.
//!
//! Checked twice. At registration, so a token holder learns at once (422
//! `webhook_url_not_allowed`). And at delivery, on the addresses the
//! client will actually connect to: the delivery client resolves names
//! through [`GuardedResolver`], which hands reqwest only allowed
//! addresses, so a name that resolves somewhere else by then (DNS
//! rebinding) still cannot pass. reqwest skips the resolver for IP
//! literals, which [`literal_allowed`] checks before sending.

use crate::error::{ApiError, ApiResult};
use pond_core::address_scope::{Scope, scope};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// How long registration waits for a name to resolve.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(3);

fn refused(url: &str, ip: IpAddr, s: Scope) -> ApiError {
    ApiError::unprocessable(
        "webhook_url_not_allowed",
        format!(
            "url `{url}` leads to {ip}, a {} address; webhooks go to public addresses \
             unless the server runs with --webhook-allow-private",
            s.as_str()
        ),
    )
    .field("url")
}

/// Host names that are loopback by definition (RFC 6761), never looked up.
fn is_localhost(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    host == "localhost" || host.ends_with(".localhost")
}

/// Names under the reserved TLDs of RFC 2606 and RFC 6761 resolve nowhere
/// on the public internet: not worth a lookup at registration.
fn is_reserved_name(host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    ["example", "test", "invalid"]
        .iter()
        .any(|tld| host == *tld || host.ends_with(&format!(".{tld}")))
}

/// Checks a webhook URL's target at registration: its IP literal, or every
/// address its name resolves to now. A name that does not resolve is let
/// through (the receiver may not exist yet); delivery checks again.
pub async fn check_target(url: &str, allow_private: bool) -> ApiResult<()> {
    if allow_private {
        return Ok(());
    }
    let parsed = reqwest::Url::parse(url.trim()).map_err(|e| {
        ApiError::unprocessable("invalid_url", format!("url `{url}` is not a URL ({e})"))
            .field("url")
    })?;
    let port = parsed.port_or_known_default().unwrap_or(443);
    let addrs: Vec<IpAddr> = match parsed.host() {
        None => return Ok(()),
        Some(url::Host::Ipv4(ip)) => vec![IpAddr::V4(ip)],
        Some(url::Host::Ipv6(ip)) => vec![IpAddr::V6(ip)],
        Some(url::Host::Domain(name)) if is_localhost(name) => {
            vec![IpAddr::from([127, 0, 0, 1])]
        }
        Some(url::Host::Domain(name)) if is_reserved_name(name) => return Ok(()),
        Some(url::Host::Domain(name)) => {
            match tokio::time::timeout(RESOLVE_TIMEOUT, tokio::net::lookup_host((name, port))).await
            {
                Ok(Ok(found)) => found.map(|a| a.ip()).collect(),
                _ => return Ok(()),
            }
        }
    };
    for ip in addrs {
        let s = scope(ip);
        if !s.is_public() {
            return Err(refused(url, ip, s));
        }
    }
    Ok(())
}

/// At delivery: whether a URL whose host is an IP literal may be sent to.
/// Names answer `Ok` here; the resolver judges them.
pub fn literal_allowed(url: &str, allow_private: bool) -> Result<(), String> {
    if allow_private {
        return Ok(());
    }
    let Ok(parsed) = reqwest::Url::parse(url) else {
        return Ok(());
    };
    let ip = match parsed.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip),
        _ => return Ok(()),
    };
    let s = scope(ip);
    if s.is_public() {
        Ok(())
    } else {
        Err(format!(
            "refused: {ip} is a {} address (--webhook-allow-private is off)",
            s.as_str()
        ))
    }
}

/// The delivery client's resolver: the system's answers, less every
/// address the guard refuses.
#[derive(Debug, Clone, Copy)]
pub struct GuardedResolver {
    /// Lets every address through.
    pub allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_string();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let kept: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| allow || scope(a.ip()).is_public())
                .collect();
            if kept.is_empty() {
                let seen: Vec<String> = found.iter().map(|a| a.ip().to_string()).collect();
                let why = format!(
                    "refused: {host} resolves only to addresses that are not public ({}); \
                     --webhook-allow-private is off",
                    seen.join(", ")
                );
                return Err(why.into());
            }
            let addrs: Addrs = Box::new(kept.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Nothing here connects anywhere: literals and reserved names only.
    #[tokio::test]
    async fn registration_refuses_private_targets_without_connecting() {
        for url in [
            "http://127.0.0.1:9/hooks",
            "http://localhost/hooks",
            "http://api.localhost./x",
            "http://10.1.2.3/",
            "http://172.20.0.5/",
            "http://192.168.0.10/",
            "http://100.100.100.100/",
            "http://169.254.169.254/latest/meta-data",
            "http://[::1]/",
            "http://[fd00::5]/",
            "http://[fe80::1]/",
            "http://[::ffff:10.0.0.1]/",
            "http://224.0.0.1/",
            "http://0.0.0.0/",
        ] {
            let e = check_target(url, false).await.unwrap_err();
            assert_eq!(e.code, "webhook_url_not_allowed", "{url}");
            assert!(check_target(url, true).await.is_ok(), "{url}");
            assert!(literal_allowed(url, false).is_err() || url.contains("localhost"));
        }
        assert!(
            check_target("https://93.184.216.34/hooks", false)
                .await
                .is_ok()
        );
        assert!(
            check_target("https://shop.example/hooks", false)
                .await
                .is_ok()
        );
        assert!(literal_allowed("https://93.184.216.34/", false).is_ok());
    }
}
