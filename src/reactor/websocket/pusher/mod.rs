//! The Pusher protocol (Channels protocol 7) in the master, for Laravel Broadcasting and
//! Laravel Echo (`websocket.pusher`). Pusher connections never reach PHP: the master
//! answers their handshake, keeps their subscriptions and fans events out to them. PHP
//! only signs subscriptions (the app's `/broadcasting/auth`, through the `laravels`
//! broadcaster) and publishes (`ToMaster::Publish`).
//!
//! # Layout
//! - `protocol.rs`: the client's and the server's messages, error codes, channel kinds.
//! - `auth.rs`: subscription and HTTP API signatures (pure functions).
//! - `channels.rs`: channel => subscribers, presence members counted per user.
//! - `session.rs`: one Pusher connection: handshake, subscriptions, pings, client events.
//! - `http_api.rs`: the Pusher HTTP API (`/apps/{app_id}/events`, `batch_events`, `channels`).
//! - `relay.rs`: publications and presence members across instances (`websocket.cluster`).
//!
//! # The publication seam
//! Every event for subscribers, whatever its source (the broadcaster's frame, the HTTP
//! API, a client event), goes through [`publish`]: it fans the event out to this master's
//! connections and, with `websocket.cluster`, relays it once to the other instances,
//! which deliver it to theirs ([`deliver_local`]) and relay it no further.

pub mod auth;
pub mod channels;
pub mod http_api;
pub mod protocol;
pub mod relay;
pub mod session;

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::opcode;
use crate::config::PusherConfig;
use crate::reactor::Shared;
pub use channels::Channels;

/// The Pusher app this master serves, and its channels.
pub struct Pusher {
    /// `websocket.pusher`.
    pub config: PusherConfig,
    /// Who subscribes to what.
    pub channels: Channels,
}

impl Pusher {
    /// A Pusher app with no connection yet.
    pub fn new(config: PusherConfig) -> Self {
        Pusher { config, channels: Channels::default() }
    }

    /// The app key a WebSocket request for `path` connects with, when `path` is a Pusher
    /// connection path (`{path}/{key}`); the key may be wrong (answered 4001 later).
    pub fn key_in<'p>(&self, path: &'p str) -> Option<&'p str> {
        let base = self.config.path.trim_end_matches('/');
        path.strip_prefix(base)?.strip_prefix('/').filter(|key| !key.is_empty() && !key.contains('/'))
    }
}

/// One event for the subscribers of some channels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Publication {
    /// The channels, by full name (`private-orders.1`).
    pub channels: Vec<String>,
    /// The event's name (Laravel's `broadcastAs()`, or the event's class).
    pub event: String,
    /// Its data: a JSON-encoded string from Laravel and the HTTP API, any JSON from a
    /// client event.
    pub data: Value,
    /// The socket id not to send it to (Laravel's `toOthers()`, the API's `socket_id`,
    /// a client event's sender).
    pub except: Option<String>,
    /// A presence channel's client event: the sender's user id.
    pub user_id: Option<String>,
}

/// Sends `publication` to every subscriber of its channels, on this instance and the
/// others, except the socket it names; returns how many messages were queued here. The
/// one way events reach subscribers (see "The publication seam" above).
pub fn publish(shared: &Shared, publication: &Publication) -> usize {
    // The copy for the relay is made only when there are other instances to tell.
    if shared.cluster.get().is_some() {
        relay::forward(shared, &relay::Relay::Publish(publication.clone()));
    }
    deliver_local(shared, publication)
}

/// Sends `publication` to the subscribers of its channels on this instance alone.
pub fn deliver_local(shared: &Shared, publication: &Publication) -> usize {
    let Some(pusher) = &shared.pusher else { return 0 };
    let mut sent = 0;
    for channel in &publication.channels {
        let text = Bytes::from(protocol::channel_event(&publication.event, channel, &publication.data, publication.user_id.as_deref()));
        for subscriber in pusher.channels.subscribers(channel) {
            if publication.except.as_deref() == Some(&*subscriber.socket_id) {
                continue;
            }
            if shared.sockets.push(subscriber.fd, opcode::TEXT, text.clone(), shared.config.buffer_output_size) {
                sent += 1;
            }
        }
    }
    sent
}

/// Sends a server message to the subscribers of `channel` but `except_fd` (presence
/// members arriving and leaving).
fn tell_channel(shared: &Shared, channel: &str, text: &str, except_fd: Option<u64>) {
    let Some(pusher) = &shared.pusher else { return };
    let text = Bytes::copy_from_slice(text.as_bytes());
    for subscriber in pusher.channels.subscribers(channel) {
        if Some(subscriber.fd) != except_fd {
            shared.sockets.push(subscriber.fd, opcode::TEXT, text.clone(), shared.config.buffer_output_size);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn the_key_follows_the_configured_path() {
        let config = |path: &str| PusherConfig {
            path: path.to_owned(),
            app_id: "1".into(),
            key: "k".into(),
            secret: "s".into(),
            client_events: false,
            activity_timeout: Duration::from_secs(120),
        };
        let p = Pusher::new(config("/app"));
        assert_eq!(p.key_in("/app/k"), Some("k"));
        assert_eq!(p.key_in("/app/other"), Some("other"));
        assert_eq!(p.key_in("/app/"), None);
        assert_eq!(p.key_in("/app"), None);
        assert_eq!(p.key_in("/apps/k"), None);
        assert_eq!(p.key_in("/app/k/x"), None);
        assert_eq!(Pusher::new(config("/")).key_in("/k"), Some("k"));
    }
}
