//! Several instances behind a load balancer, one Redis between them (`websocket.cluster`):
//! a push, close or disconnect for another instance's connection, and a fan-out to every
//! connection or to a uid's, reach the instance that holds the connection.
//!
//! # Layout
//! - `fd.rs`: connection ids minted as `node * 2^32 + n`, and whose an id is.
//! - `envelope.rs`: what instances publish to each other, and its versioned encoding.
//! - `resp.rs`: the few RESP2 commands and replies the link uses.
//! - `link.rs`: the master's two Redis connections (publish; subscribe), reconnecting
//!   with backoff, logging an outage once.
//! - `presence.rs`: the link's state and each node's last hello, in shared memory.
//!
//! Pub/sub delivers at most once: what is published while an instance is cut off from
//! Redis does not reach it later, and nothing is sent twice. A connection held by this
//! instance never touches Redis; only ids of other nodes and fan-outs do.

pub mod envelope;
pub mod fd;
mod link;
pub mod presence;
pub mod resp;

use std::sync::OnceLock;

pub use envelope::{Audience, Delivery, Envelope, Origin};
pub use fd::Owner;
pub use link::{Inbound, Link, Target};
use presence::Presence;

use crate::config::ClusterConfig;
use crate::table::TableError;

/// What every process knows of the cluster: this instance's node and who is alive.
struct Membership {
    node: u32,
    presence: Presence,
}

static MEMBERSHIP: OnceLock<Membership> = OnceLock::new();

/// Maps the shared state for `config`; call before forking. Nothing when the cluster is off.
pub fn install(config: Option<&ClusterConfig>) -> Result<(), TableError> {
    if let Some(config) = config {
        let _ = MEMBERSHIP.set(Membership { node: config.node, presence: Presence::new()? });
    }
    Ok(())
}

/// This instance's node id; `None` when the cluster is off.
pub fn node() -> Option<u32> {
    MEMBERSHIP.get().map(|m| m.node)
}

/// Whose connection `fd` is.
pub fn owner(fd: u64) -> Owner {
    fd::owner(fd, node())
}

/// Whether another node's connections can be reached now: this instance's link is up and
/// `node` said hello lately. Used for `exists()`, `isEstablished()` and `push()` of a remote id.
pub fn reachable(node: u32) -> bool {
    MEMBERSHIP.get().is_some_and(|m| m.presence.alive(node, presence::now_ms()))
}

/// Whether this instance's link to Redis is up (a fan-out then reaches the other nodes).
pub fn linked() -> bool {
    MEMBERSHIP.get().is_some_and(|m| m.presence.is_up())
}

fn presence() -> Option<&'static Presence> {
    MEMBERSHIP.get().map(|m| &m.presence)
}
