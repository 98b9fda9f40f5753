//! The headers a reverse proxy sets about the client (the README's nginx block:
//! `X-Real-IP`, `X-Real-PORT`, `Scheme`, `Server-Addr`, `Server-Port`, and
//! `X-Forwarded-Proto`), believed only when the peer is one of `trusted_proxies`.
//! `LaravelS` believes them from anyone, so any client could claim any address; here
//! nobody is trusted until listed, and headers from anyone else are logged (throttled).

use std::net::IpAddr;

use ipnet::IpNet;

use crate::ipc::RequestHead;

/// Who may tell us about the client.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    /// Peer addresses whose headers are believed (`trusted_proxies`; none by default).
    pub nets: Vec<IpNet>,
    /// Peers on the unix socket (`socket_type` `UNIX_STREAM`), listed as "unix".
    pub unix: bool,
}

impl TrustedProxies {
    pub(crate) fn trusts(&self, peer: &str) -> bool {
        if peer.is_empty() {
            return self.unix;
        }
        peer.parse::<IpAddr>().is_ok_and(|ip| self.nets.iter().any(|net| net.contains(&ip)))
    }
}

/// The headers `apply` reads, lowercase as hyper gives them.
const FORWARDED: [&str; 6] = ["x-real-ip", "x-real-port", "scheme", "x-forwarded-proto", "server-addr", "server-port"];

/// One line a minute at most: a proxy left out of `trusted_proxies` is a configuration
/// mistake worth seeing, a client that sends such headers is not worth a line each.
fn untrusted(peer: &str) {
    static UNTRUSTED: crate::log::Throttled = crate::log::Throttled::new("master", 60);
    let peer = if peer.is_empty() { "unix" } else { peer };
    UNTRUSTED.event(|count| {
        format!(
            "ignored X-Real-IP/Scheme/Server-Port headers on {count} request(s), the last from {peer}, which is not in trusted_proxies. Fix: if that peer is your proxy, list it in trusted_proxies (nginx on this machine: '127.0.0.1', '::1', or 'unix' on the unix socket)"
        )
    });
}

/// Rewrites the client's address, port, scheme and the server's address and port from the
/// proxy's headers, when the peer is trusted. The headers themselves stay as sent.
pub fn apply(head: &mut RequestHead, trusted: &TrustedProxies) {
    if !trusted.trusts(&head.remote_addr) {
        if head.headers.iter().any(|(n, _)| FORWARDED.contains(&n.as_str())) {
            untrusted(&head.remote_addr);
        }
        return;
    }
    let header = |name: &str| head.headers.iter().find(|(n, _)| n == name).and_then(|(_, v)| std::str::from_utf8(v).ok()).map(|v| v.trim().to_owned());
    // An IPv4-mapped IPv6 address (::ffff:1.2.3.4) is given as the IPv4 address, as the
    // peer's own address is.
    let address = |v: String| v.parse::<IpAddr>().ok().map(|ip| ip.to_canonical().to_string());
    let client = header("x-real-ip").and_then(address);
    let client_port = header("x-real-port").and_then(|v| v.parse::<u16>().ok());
    let scheme = header("scheme").or_else(|| header("x-forwarded-proto")).map(|v| v.to_ascii_lowercase());
    let server_addr = header("server-addr").and_then(address);
    let server_port = header("server-port").and_then(|v| v.parse::<u16>().ok());
    if let Some(ip) = client {
        head.remote_addr = ip;
    }
    if let Some(port) = client_port {
        head.remote_port = port;
    }
    if let Some(scheme) = scheme {
        head.https = scheme == "https";
    }
    if let Some(addr) = server_addr {
        head.server_addr = addr;
    }
    if let Some(port) = server_port {
        head.server_port = port;
    }
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;

    fn head(peer: &str) -> RequestHead {
        let h = |n: &str, v: &'static str| (n.to_owned(), Bytes::from_static(v.as_bytes()));
        RequestHead {
            method: "GET".into(),
            uri: "/".into(),
            protocol: "HTTP/1.1",
            headers: vec![h("x-real-ip", "203.0.113.9"), h("x-real-port", "40000"), h("scheme", "https"), h("server-port", "443")],
            remote_addr: peer.into(),
            remote_port: 1234,
            server_addr: "127.0.0.1".into(),
            server_port: 5200,
            https: false,
            time: 0.0,
        }
    }

    fn trusted(list: &[&str], unix: bool) -> TrustedProxies {
        TrustedProxies { nets: list.iter().map(|n| n.parse().unwrap()).collect(), unix }
    }

    #[test]
    fn a_trusted_proxy_speaks_for_the_client() {
        let mut h = head("10.0.0.5");
        apply(&mut h, &trusted(&["10.0.0.0/8"], false));
        assert_eq!((h.remote_addr.as_str(), h.remote_port, h.https, h.server_port), ("203.0.113.9", 40000, true, 443));
    }

    #[test]
    fn an_ipv4_mapped_address_is_given_as_ipv4() {
        let mut h = head("10.0.0.5");
        h.headers.retain(|(n, _)| n != "x-real-ip");
        h.headers.push(("x-real-ip".into(), Bytes::from_static(b"::ffff:203.0.113.7")));
        apply(&mut h, &trusted(&["10.0.0.0/8"], false));
        assert_eq!(h.remote_addr, "203.0.113.7");
    }

    #[test]
    fn anyone_else_cannot_claim_an_address() {
        let mut h = head("192.0.2.1");
        apply(&mut h, &trusted(&["10.0.0.0/8", "::1/128"], true));
        assert_eq!((h.remote_addr.as_str(), h.remote_port, h.https, h.server_port), ("192.0.2.1", 1234, false, 5200));
    }

    #[test]
    fn unix_socket_peers_only_when_listed() {
        let mut h = head("");
        apply(&mut h, &trusted(&[], false));
        assert_eq!(h.remote_addr, "");
        apply(&mut h, &trusted(&[], true));
        assert_eq!(h.remote_addr, "203.0.113.9");
    }
}
