//! Pushes that reach many connections, and what other instances publish for this one.
//!
//! `pushAll()` and `pushToUid()` arrive as one `Fanout` frame: the master pushes to each
//! matching connection it holds (read from the client list) and, with `websocket.cluster`,
//! publishes the same fan-out once for the other instances. A push or close a worker
//! addressed to another instance's `$fd` is published to that instance's channel
//! (`push.rs`); the instance that holds the connection carries it out here, as if one of
//! its own workers had sent it.

use std::sync::Arc;

use bytes::Bytes;

use super::websocket::pusher::relay;
use super::websocket::registry::Outbound;
use super::Shared;
use crate::cluster::presence::HELLO_EVERY_MS;
use crate::cluster::{Audience, Delivery, Inbound, Link, Target};

/// Starts the Redis link when `websocket.cluster` is on; what it receives is delivered
/// through `deliver`. With the Pusher server on, also sweeps the presence members of
/// nodes gone silent, every hello period.
pub fn link(shared: &Arc<Shared>) {
    let Some(config) = &shared.config.cluster else { return };
    let weak = Arc::downgrade(shared);
    let link = Link::start(config, move |inbound| {
        let Some(shared) = weak.upgrade() else { return };
        match inbound {
            Inbound::Delivery { from, delivery } => deliver(&shared, from.node, delivery),
            Inbound::Linked | Inbound::Met(_) => relay::resync(&shared),
        }
    });
    if let Some(link) = link {
        let _ = shared.cluster.set(link);
    }
    if shared.pusher.is_some() {
        let weak = Arc::downgrade(shared);
        tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_millis(HELLO_EVERY_MS));
            loop {
                every.tick().await;
                let Some(shared) = weak.upgrade() else { return };
                relay::sweep(&shared);
            }
        });
    }
}

/// Publishes `delivery` for `target` when the cluster is on and linked; false otherwise.
pub fn publish(shared: &Shared, target: Target, delivery: Delivery) -> bool {
    shared.cluster.get().is_some_and(|link| link.publish(target, delivery))
}

/// A fan-out from one of this instance's processes: here, then on every other instance.
pub fn fan_out(shared: &Shared, audience: Audience, opcode: u8, data: Bytes) {
    local(shared, audience, opcode, &data);
    publish(shared, Target::All, Delivery::Fanout { audience, opcode, data });
}

/// Carries out what node `from` published for this one.
pub fn deliver(shared: &Shared, from: u32, delivery: Delivery) {
    match delivery {
        Delivery::Push { fd, opcode, data } => {
            // The sender could not see our client list: check it here, as push() would.
            if shared.clients.is_established(fd) {
                shared.sockets.push(fd, opcode, data, shared.config.buffer_output_size);
            }
        }
        Delivery::Close { fd, code, reason } => {
            let how = match code {
                Some(code) => Outbound::Close { code, reason },
                None => Outbound::Drop,
            };
            shared.sockets.close(fd, how);
        }
        Delivery::Fanout { audience, opcode, data } => local(shared, audience, opcode, &data),
        Delivery::Pusher(bytes) => relay::receive(shared, from, &bytes),
        Delivery::Hello => {}
    }
}

/// Pushes to every established WebSocket connection of `audience` this instance holds.
fn local(shared: &Shared, audience: Audience, opcode: u8, data: &Bytes) {
    let uid = match audience {
        Audience::All => None,
        Audience::Uid(uid) => Some(uid),
    };
    for fd in shared.clients.websockets(uid) {
        shared.sockets.push(fd, opcode, data.clone(), shared.config.buffer_output_size);
    }
}
