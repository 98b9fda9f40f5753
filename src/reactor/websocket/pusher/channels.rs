//! Which connections subscribe to which channel, and who is present on each presence
//! channel. A user is one member however many of their connections subscribe: the
//! first connection in announces them (`member_added`), the last one out removes them.
//! A channel with no subscriber is forgotten.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::RwLock;
use serde_json::{json, Value};

/// One subscribing connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscriber {
    /// Its number in the connection registry (`$fd`).
    pub fd: u64,
    /// Its Pusher socket id, for the exclusion of `socket_id` / `toOthers()`.
    pub socket_id: Arc<str>,
    /// On a presence channel, the user it subscribed as.
    pub user_id: Option<String>,
}

#[derive(Debug, Default)]
struct Member {
    info: Value,
    /// How many of the user's connections are subscribed.
    connections: usize,
}

#[derive(Debug, Default)]
struct Channel {
    subscribers: HashMap<u64, Subscriber>,
    /// Presence channels: user id => member, in no particular order.
    members: HashMap<String, Member>,
}

/// A presence subscription's user, from its signed `channel_data`.
#[derive(Debug, Clone, PartialEq)]
pub struct PresenceUser {
    /// `user_id`, as a string (Laravel sends the user's key, often a number).
    pub id: String,
    /// `user_info`, what the app's channel authorization returned.
    pub info: Value,
}

impl PresenceUser {
    /// Reads `channel_data` (`{"user_id": ..., "user_info": ...}`); `None` without a
    /// usable `user_id`.
    pub fn parse(channel_data: &str) -> Option<Self> {
        let data: Value = serde_json::from_str(channel_data).ok()?;
        let id = match data.get("user_id")? {
            Value::String(s) if !s.is_empty() => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => return None,
        };
        Some(PresenceUser { id, info: data.get("user_info").cloned().unwrap_or(Value::Null) })
    }
}

/// What a subscription changed.
#[derive(Debug, Clone, PartialEq)]
pub struct Joined {
    /// The connection was not subscribed yet.
    pub new: bool,
    /// A presence channel: this connection is the user's first, so the others learn of them.
    pub member_added: bool,
    /// A presence channel: the members (`{"presence": {"ids", "hash", "count"}}`), for
    /// `subscription_succeeded`; `{}` otherwise.
    pub data: Value,
}

/// Every channel with at least one subscriber.
#[derive(Debug, Default)]
pub struct Channels {
    channels: RwLock<HashMap<String, Channel>>,
}

impl Channels {
    /// Subscribes `fd` to `channel`, as `user` on a presence channel. Subscribing again is
    /// harmless: it changes nothing and reports the same members.
    pub fn subscribe(&self, channel: &str, fd: u64, socket_id: &Arc<str>, user: Option<PresenceUser>) -> Joined {
        let mut channels = self.channels.write();
        let entry = channels.entry(channel.to_owned()).or_default();
        let new = !entry.subscribers.contains_key(&fd);
        let mut member_added = false;
        if new {
            let user_id = user.as_ref().map(|u| u.id.clone());
            if let Some(user) = user {
                let member = entry.members.entry(user.id).or_default();
                member.connections += 1;
                member_added = member.connections == 1;
                // The latest subscription's info wins, as the app last described the user.
                member.info = user.info;
            }
            entry.subscribers.insert(fd, Subscriber { fd, socket_id: socket_id.clone(), user_id });
        }
        let data = if entry.subscribers.get(&fd).is_some_and(|s| s.user_id.is_some()) {
            let ids: Vec<&String> = entry.members.keys().collect();
            let hash: serde_json::Map<String, Value> = entry.members.iter().map(|(id, m)| (id.clone(), m.info.clone())).collect();
            json!({"presence": {"ids": ids, "hash": hash, "count": entry.members.len()}})
        } else {
            json!({})
        };
        Joined { new, member_added, data }
    }

    /// Unsubscribes `fd` from `channel`. Returns the user id when that was the user's last
    /// connection on a presence channel (the others learn they left).
    pub fn unsubscribe(&self, channel: &str, fd: u64) -> Option<String> {
        let mut channels = self.channels.write();
        let entry = channels.get_mut(channel)?;
        let subscriber = entry.subscribers.remove(&fd)?;
        let mut removed = None;
        if let Some(user_id) = subscriber.user_id {
            if let Some(member) = entry.members.get_mut(&user_id) {
                member.connections -= 1;
                if member.connections == 0 {
                    entry.members.remove(&user_id);
                    removed = Some(user_id);
                }
            }
        }
        if entry.subscribers.is_empty() {
            channels.remove(channel);
        }
        removed
    }

    /// The subscribers of `channel`, for a fan-out.
    pub fn subscribers(&self, channel: &str) -> Vec<Subscriber> {
        self.channels.read().get(channel).map(|c| c.subscribers.values().cloned().collect()).unwrap_or_default()
    }

    /// Whether `fd` subscribes to `channel`; its presence user id when it does as one.
    pub fn subscription(&self, channel: &str, fd: u64) -> Option<Option<String>> {
        self.channels.read().get(channel)?.subscribers.get(&fd).map(|s| s.user_id.clone())
    }

    /// Every occupied channel with its subscriber and member counts, sorted by name.
    pub fn occupied(&self) -> Vec<(String, usize, usize)> {
        let mut out: Vec<_> = self.channels.read().iter().map(|(name, c)| (name.clone(), c.subscribers.len(), c.members.len())).collect();
        out.sort();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str) -> PresenceUser {
        PresenceUser { id: id.to_owned(), info: json!({"name": id}) }
    }

    #[test]
    fn public_subscribers_come_and_go() {
        let c = Channels::default();
        let s: Arc<str> = Arc::from("1.1");
        let joined = c.subscribe("news", 1, &s, None);
        assert_eq!(joined, Joined { new: true, member_added: false, data: json!({}) });
        assert!(!c.subscribe("news", 1, &s, None).new, "a second subscribe is harmless");
        c.subscribe("news", 2, &Arc::from("2.2"), None);
        let mut fds: Vec<u64> = c.subscribers("news").iter().map(|s| s.fd).collect();
        fds.sort_unstable();
        assert_eq!(fds, [1, 2]);
        assert_eq!(c.unsubscribe("news", 1), None);
        assert_eq!(c.unsubscribe("news", 1), None, "not subscribed any more");
        assert_eq!(c.occupied(), [("news".to_owned(), 1, 0)]);
        c.unsubscribe("news", 2);
        assert!(c.occupied().is_empty(), "an empty channel is forgotten");
        assert!(c.subscribers("news").is_empty());
    }

    #[test]
    fn a_user_is_one_member_across_connections() {
        let c = Channels::default();
        let (a, b) = (Arc::from("1.1"), Arc::from("2.2"));
        let first = c.subscribe("presence-room", 1, &a, Some(user("7")));
        assert!(first.member_added);
        assert_eq!(first.data, json!({"presence": {"ids": ["7"], "hash": {"7": {"name": "7"}}, "count": 1}}));
        let second = c.subscribe("presence-room", 2, &b, Some(user("7")));
        assert!(second.new && !second.member_added, "the same user on a second connection is not a new member");
        assert_eq!(second.data["presence"]["count"], 1);
        let other = c.subscribe("presence-room", 3, &Arc::from("3.3"), Some(user("8")));
        assert!(other.member_added);
        assert_eq!(other.data["presence"]["count"], 2);
        let mut ids: Vec<String> = serde_json::from_value(other.data["presence"]["ids"].clone()).unwrap();
        ids.sort();
        assert_eq!(ids, ["7", "8"]);
        assert_eq!(c.unsubscribe("presence-room", 1), None, "user 7 still has connection 2");
        assert_eq!(c.unsubscribe("presence-room", 2), Some("7".to_owned()), "the last connection of user 7 left");
        assert_eq!(c.occupied(), [("presence-room".to_owned(), 1, 1)]);
        assert_eq!(c.subscription("presence-room", 3), Some(Some("8".to_owned())));
        assert_eq!(c.subscription("presence-room", 1), None);
    }

    #[test]
    fn presence_channel_data_names_the_user() {
        assert_eq!(PresenceUser::parse(r#"{"user_id":5,"user_info":{"name":"A"}}"#), Some(PresenceUser { id: "5".into(), info: json!({"name": "A"}) }));
        assert_eq!(PresenceUser::parse(r#"{"user_id":"u-1"}"#).map(|u| (u.id, u.info)), Some(("u-1".into(), Value::Null)));
        assert_eq!(PresenceUser::parse(r#"{"user_info":{}}"#), None);
        assert_eq!(PresenceUser::parse(r#"{"user_id":""}"#), None);
        assert_eq!(PresenceUser::parse("nope"), None);
    }
}
