//! The Pusher server across instances (`websocket.cluster` with `websocket.pusher`): every
//! publication, and every change of this instance's presence members, goes to the other
//! instances on the cluster's shared channel; what they send is applied here.
//!
//! Presence state is each instance's own, copied to the others: a member change is sent
//! when it happens, and the whole roster when the link comes up (at start and after every
//! Redis outage, asking the others for theirs) and when a node is met again after a
//! silence, so what was missed while cut off is put right. A node that stops saying hello
//! takes its members with it (`sweep`). Subscribers see one `member_added` when a user
//! first appears anywhere and one `member_removed` when their last connection anywhere
//! goes.
//!
//! The encoding is JSON (`serde`): it is small, versioned by the cluster envelope around
//! it, and readable with `redis-cli subscribe` when debugging.

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::channels::{MemberChange, Roster};
use super::protocol::ServerMessage;
use super::{deliver_local, tell_channel, Publication};
use crate::cluster::{self, Delivery, Target};
use crate::reactor::{fanout, Shared};

/// One message between the Pusher servers of two instances.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relay {
    /// An event for subscribers, published on the sender.
    Publish(Publication),
    /// A user's first connection on the sender subscribed to a presence channel.
    Joined {
        /// The channel.
        channel: String,
        /// The user.
        user_id: String,
        /// Their `user_info`.
        user_info: Value,
    },
    /// A user's last connection on the sender left a presence channel.
    Left {
        /// The channel.
        channel: String,
        /// The user.
        user_id: String,
    },
    /// Every presence member the sender has; with `reply`, the receivers send theirs back.
    Roster {
        /// Channel => user id => info.
        members: Roster,
        /// The sender has just linked and may have missed changes.
        reply: bool,
    },
}

/// Sends `relay` to every other instance; nothing when the cluster is off or cut off
/// (the roster sent when the link is back puts presence right; events are not kept).
pub fn forward(shared: &Shared, relay: &Relay) {
    if shared.cluster.get().is_none() {
        return;
    }
    match serde_json::to_vec(relay) {
        Ok(json) => {
            fanout::publish(shared, Target::All, Delivery::Pusher(Bytes::from(json)));
        }
        Err(e) => crate::log::line("master", &format!("pusher: a relay message could not be encoded: {e}")),
    }
}

/// Applies what node `from` sent.
pub fn receive(shared: &Shared, from: u32, bytes: &[u8]) {
    let Some(pusher) = &shared.pusher else { return };
    let relay = match serde_json::from_slice::<Relay>(bytes) {
        Ok(relay) => relay,
        Err(e) => return crate::log::line("master", &format!("pusher: dropped a message from node {from} this build cannot read ({e})")),
    };
    match relay {
        Relay::Publish(publication) => {
            deliver_local(shared, &publication);
        }
        Relay::Joined { channel, user_id, user_info } => tell(shared, pusher.channels.remote_member(from, &channel, &user_id, Some(user_info))),
        Relay::Left { channel, user_id } => tell(shared, pusher.channels.remote_member(from, &channel, &user_id, None)),
        Relay::Roster { members, reply } => {
            for change in pusher.channels.replace_remote(from, members) {
                tell(shared, Some(change));
            }
            if reply {
                forward(shared, &Relay::Roster { members: pusher.channels.roster(), reply: false });
            }
        }
    }
}

/// The link is up, or a node was met after a silence: send this instance's members and
/// ask for the others'.
pub fn resync(shared: &Shared) {
    if let Some(pusher) = &shared.pusher {
        forward(shared, &Relay::Roster { members: pusher.channels.roster(), reply: true });
    }
}

/// Forgets the members of nodes that cannot be reached any more (silent, or this
/// instance's own link is down). Called every few seconds.
pub fn sweep(shared: &Shared) {
    let Some(pusher) = &shared.pusher else { return };
    for node in pusher.channels.remote_nodes() {
        if !cluster::reachable(node) {
            for change in pusher.channels.replace_remote(node, Roster::new()) {
                tell(shared, Some(change));
            }
        }
    }
}

/// Tells a channel's subscribers here that a member arrived or left.
fn tell(shared: &Shared, change: Option<MemberChange>) {
    match change {
        Some(MemberChange::Added { channel, user_id, info }) => {
            tell_channel(shared, &channel, &ServerMessage::MemberAdded { channel: &channel, user_id: &user_id, user_info: &info }.to_json(), None);
        }
        Some(MemberChange::Removed { channel, user_id }) => {
            tell_channel(shared, &channel, &ServerMessage::MemberRemoved { channel: &channel, user_id: &user_id }.to_json(), None);
        }
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;

    #[test]
    fn relay_messages_keep_their_shape_on_the_wire() {
        let publish = Relay::Publish(Publication {
            channels: vec!["private-orders.1".into()],
            event: "App\\Events\\Shipped".into(),
            data: json!("{\"id\":1}"),
            except: Some("1.4294967297".into()),
            user_id: None,
        });
        let roster =
            Relay::Roster { members: Roster::from([("presence-room".to_owned(), BTreeMap::from([("7".to_owned(), json!({"name": "A"}))]))]), reply: true };
        for relay in [publish, roster, Relay::Left { channel: "presence-room".into(), user_id: "7".into() }] {
            let json = serde_json::to_vec(&relay).unwrap();
            assert_eq!(serde_json::from_slice::<Relay>(&json).unwrap(), relay);
        }
        let joined = Relay::Joined { channel: "presence-room".into(), user_id: "7".into(), user_info: json!({"name": "A"}) };
        assert_eq!(serde_json::to_value(&joined).unwrap(), json!({"joined": {"channel": "presence-room", "user_id": "7", "user_info": {"name": "A"}}}));
    }
}
