//! `LaravelS\Runtime\Clients`: the shared client list, read from any process.
//!
//! The PHP server object (`app('swoole')`) builds `exists`, `isEstablished`,
//! `getClientInfo`, `getClientList`, `connections` and `stats()` on these calls.

use ext_php_rs::boxed::ZBox;
use ext_php_rs::prelude::*;
use ext_php_rs::types::ZendHashTable;

use crate::clients::{ClientInfo, Clients as Shared, Counter};
use crate::cluster::Owner;

#[php_class]
#[php(name = "LaravelS\\Runtime\\Clients")]
pub struct Clients;

fn fd_of(fd: i64) -> Option<u64> {
    u64::try_from(fd).ok()
}

#[php_impl]
impl Clients {
    /// Whether connection `$fd` is open (HTTP or WebSocket). Another instance's `$fd`
    /// (`websocket.cluster`): whether that instance is reachable now.
    pub fn exists(fd: i64) -> bool {
        fd_of(fd).is_some_and(|fd| answer(fd, Shared::exists))
    }

    /// Whether `$fd` is a WebSocket connection past its handshake; another instance's, as
    /// `exists()`.
    pub fn is_established(fd: i64) -> bool {
        fd_of(fd).is_some_and(|fd| answer(fd, Shared::is_established))
    }

    /// Swoole's `getClientInfo()` keys for `$fd`, or null when it is not open.
    pub fn info(fd: i64) -> Option<ZBox<ZendHashTable>> {
        let (fd, clients) = fd_of(fd).zip(Shared::shared())?;
        clients.info(fd).map(|info| info_array(&info))
    }

    /// Binds connection `$fd` to `$uid` (Swoole's `bind()`): false when `$fd` is not open,
    /// is already bound, or `$uid` is not a positive number.
    pub fn bind(fd: i64, uid: i64) -> bool {
        let (Some(fd), Ok(uid)) = (fd_of(fd), u64::try_from(uid)) else { return false };
        Shared::shared().is_some_and(|c| c.bind(fd, uid))
    }

    /// Up to `$pageSize` open connection fds above `$startFd`, ascending.
    pub fn list(start_fd: i64, page_size: i64) -> Vec<i64> {
        let Some(clients) = Shared::shared() else { return Vec::new() };
        let limit = usize::try_from(page_size).unwrap_or(0);
        clients.list(u64::try_from(start_fd).unwrap_or(0), limit).into_iter().map(|fd| fd as i64).collect()
    }

    /// Open connections.
    pub fn count() -> i64 {
        Shared::shared().map_or(0, |c| c.count() as i64)
    }

    /// The server-wide counters: `start_time`, `connection_num`, `accept_count`, `close_count`,
    /// `request_count`, `websocket_message_count`.
    pub fn counters() -> ZBox<ZendHashTable> {
        let mut out = ZendHashTable::with_capacity(6);
        if let Some(c) = Shared::shared() {
            let _ = out.insert("start_time", c.start_time());
            let _ = out.insert("connection_num", c.count() as i64);
            let _ = out.insert("accept_count", c.counter(Counter::AcceptCount));
            let _ = out.insert("close_count", c.counter(Counter::CloseCount));
            let _ = out.insert("request_count", c.counter(Counter::RequestCount));
            let _ = out.insert("websocket_message_count", c.counter(Counter::MessageCount));
        }
        out
    }
}

/// This instance's connection is looked up in the client list; only its own instance
/// knows whether another's is open, so that one counts while its instance is reachable.
fn answer(fd: u64, local: fn(&Shared, u64) -> bool) -> bool {
    match crate::cluster::owner(fd) {
        Owner::Local => Shared::shared().is_some_and(|c| local(c, fd)),
        Owner::Node(node) => crate::cluster::reachable(node),
    }
}

fn info_array(info: &ClientInfo) -> ZBox<ZendHashTable> {
    let mut ht = ZendHashTable::with_capacity(10);
    let _ = ht.insert("server_port", i64::from(info.server_port));
    let _ = ht.insert("server_fd", i64::from(info.server_fd));
    let _ = ht.insert("socket_type", 1_i64);
    let _ = ht.insert("remote_port", i64::from(info.remote_port));
    let _ = ht.insert("remote_ip", info.remote_ip.as_str());
    let _ = ht.insert("reactor_id", 0_i64);
    let _ = ht.insert("connect_time", info.connect_time);
    let _ = ht.insert("last_time", info.last_time);
    let _ = ht.insert("close_errno", 0_i64);
    let _ = ht.insert("websocket_status", info.websocket_status as i64);
    if info.uid != 0 {
        let _ = ht.insert("uid", i64::try_from(info.uid).unwrap_or(0));
    }
    ht
}
