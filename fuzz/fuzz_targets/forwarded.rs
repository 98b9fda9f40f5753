//! The proxy headers (src/reactor/forwarded.rs): whatever the headers say, a peer not
//! in `trusted_proxies` changes nothing, and a trusted one changes only what a header
//! it sent says, as the first such header says it (a valid address, a port, a scheme).
#![no_main]

use std::net::IpAddr;

use arbitrary::Arbitrary;
use bytes::Bytes;
use laravels::ipc::RequestHead;
use laravels::reactor::forwarded::{apply, TrustedProxies};
use libfuzzer_sys::fuzz_target;

/// Header names: the ones `apply` reads, their case variants, and another.
const NAMES: [&str; 9] = ["x-real-ip", "x-real-port", "scheme", "x-forwarded-proto", "server-addr", "server-port", "X-Real-IP", "host", "x-forwarded-for"];
/// Peers: inside and outside the trusted nets, the unix socket (""), and junk.
const PEERS: [&str; 6] = ["10.1.2.3", "192.0.2.1", "::1", "", "2001:db8::1", "not-an-ip"];

#[derive(Arbitrary, Debug)]
struct Input {
    peer: u8,
    unix: bool,
    headers: Vec<(u8, Vec<u8>)>,
}

fn first(head: &RequestHead, name: &str) -> Option<String> {
    let (_, v) = head.headers.iter().find(|(n, _)| n == name)?;
    std::str::from_utf8(v).ok().map(|v| v.trim().to_owned())
}

fuzz_target!(|input: Input| {
    let trusted = TrustedProxies { nets: vec!["10.0.0.0/8".parse().unwrap(), "::1/128".parse().unwrap()], unix: input.unix };
    let peer = PEERS[input.peer as usize % PEERS.len()];
    let before = RequestHead {
        method: "GET".into(),
        uri: "/".into(),
        protocol: "HTTP/1.1",
        headers: input.headers.into_iter().map(|(n, v)| (NAMES[n as usize % NAMES.len()].to_owned(), Bytes::from(v))).collect(),
        remote_addr: peer.into(),
        remote_port: 1234,
        server_addr: "127.0.0.1".into(),
        server_port: 5200,
        https: false,
        time: 0.0,
    };
    let mut after = before.clone();
    apply(&mut after, &trusted);
    let is_trusted = if peer.is_empty() { input.unix } else { peer.parse::<IpAddr>().is_ok_and(|ip| trusted.nets.iter().any(|n| n.contains(&ip))) };
    if !is_trusted {
        assert_eq!(after, before, "an untrusted peer changed the request");
        return;
    }
    assert_eq!((&after.method, &after.uri, &after.headers), (&before.method, &before.uri, &before.headers), "the headers stay as sent");
    // Each field is the first header's value when that value is valid, else unchanged.
    let ip = |name| first(&before, name).filter(|v| v.parse::<IpAddr>().is_ok());
    let port = |name, old: u16| first(&before, name).and_then(|v| v.parse::<u16>().ok()).unwrap_or(old);
    assert_eq!(after.remote_addr, ip("x-real-ip").unwrap_or_else(|| before.remote_addr.clone()));
    assert_eq!(after.server_addr, ip("server-addr").unwrap_or_else(|| before.server_addr.clone()));
    assert_eq!(after.remote_port, port("x-real-port", before.remote_port));
    assert_eq!(after.server_port, port("server-port", before.server_port));
    let scheme = first(&before, "scheme").or_else(|| first(&before, "x-forwarded-proto"));
    assert_eq!(after.https, scheme.map_or(before.https, |s| s.eq_ignore_ascii_case("https")));
});
