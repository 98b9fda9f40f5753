//! Which connections subscribe to which channel, and who is present on each presence
//! channel. A user is one member however many of their connections subscribe, on this
//! instance or on others (`websocket.cluster`): the first connection in anywhere
//! announces them (`member_added`), the last one out everywhere removes them. Other
//! instances' members are kept per node, as their relay reported them (`relay.rs`), so
//! a node that goes away takes its members with it. A channel with no subscriber here and
//! no member elsewhere is forgotten.

use std::collections::BTreeMap;

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

/// Presence members by channel, then user id => `user_info`: what one instance tells the
/// others it has (sorted, so the same members encode alike).
pub type Roster = BTreeMap<String, BTreeMap<String, Value>>;

#[derive(Debug, Default)]
struct Channel {
    subscribers: HashMap<u64, Subscriber>,
    /// Presence channels: this instance's user id => member, in no particular order.
    members: HashMap<String, Member>,
    /// Presence channels: other instances' members, by node.
    remote: HashMap<u32, BTreeMap<String, Value>>,
}

impl Channel {
    /// Whether `user` is a member here or on another instance.
    fn present(&self, user: &str) -> bool {
        self.members.contains_key(user) || self.remote.values().any(|m| m.contains_key(user))
    }

    /// Every member's info, this instance's first (the latest subscription here wins).
    fn everyone(&self) -> BTreeMap<&str, &Value> {
        let mut all: BTreeMap<&str, &Value> = BTreeMap::new();
        for members in self.remote.values() {
            all.extend(members.iter().map(|(id, info)| (id.as_str(), info)));
        }
        all.extend(self.members.iter().map(|(id, m)| (id.as_str(), &m.info)));
        all
    }

    /// `{"presence": {"ids", "hash", "count"}}` for `subscription_succeeded`.
    fn presence_data(&self) -> Value {
        let all = self.everyone();
        let hash: serde_json::Map<String, Value> = all.iter().map(|(id, info)| ((*id).to_owned(), (*info).clone())).collect();
        json!({"presence": {"ids": all.keys().collect::<Vec<_>>(), "hash": hash, "count": all.len()}})
    }

    fn is_unused(&self) -> bool {
        self.subscribers.is_empty() && self.remote.is_empty()
    }
}

/// A member arriving or leaving as the subscribers of a channel see it.
#[derive(Debug, Clone, PartialEq)]
pub enum MemberChange {
    /// The user is a member now and was not before (`member_added`).
    Added {
        /// The channel.
        channel: String,
        /// The user.
        user_id: String,
        /// Their `user_info`.
        info: Value,
    },
    /// The user's last connection anywhere left (`member_removed`).
    Removed {
        /// The channel.
        channel: String,
        /// The user.
        user_id: String,
    },
}

/// A presence subscriber leaving.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Departure {
    /// Who.
    pub user_id: String,
    /// No other connection of theirs subscribes here: the other instances are told.
    pub last_here: bool,
    /// Nor anywhere else: the subscribers are told (`member_removed`).
    pub gone: bool,
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
    /// A presence channel: this connection is the user's first anywhere, so the
    /// subscribers learn of them.
    pub member_added: bool,
    /// A presence channel: this connection is the user's first on this instance, so the
    /// other instances learn of them.
    pub first_here: bool,
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
        let (mut member_added, mut first_here) = (false, false);
        if new {
            let user_id = user.as_ref().map(|u| u.id.clone());
            if let Some(user) = user {
                member_added = !entry.present(&user.id);
                let member = entry.members.entry(user.id).or_default();
                member.connections += 1;
                first_here = member.connections == 1;
                // The latest subscription's info wins, as the app last described the user.
                member.info = user.info;
            }
            entry.subscribers.insert(fd, Subscriber { fd, socket_id: socket_id.clone(), user_id });
        }
        let data = if entry.subscribers.get(&fd).is_some_and(|s| s.user_id.is_some()) { entry.presence_data() } else { json!({}) };
        Joined { new, member_added, first_here, data }
    }

    /// Unsubscribes `fd` from `channel`. On a presence channel, says who left and whether
    /// that was their last connection here, and anywhere.
    pub fn unsubscribe(&self, channel: &str, fd: u64) -> Option<Departure> {
        let mut channels = self.channels.write();
        let entry = channels.get_mut(channel)?;
        let subscriber = entry.subscribers.remove(&fd)?;
        let mut departure = None;
        if let Some(user_id) = subscriber.user_id {
            if let Some(member) = entry.members.get_mut(&user_id) {
                member.connections -= 1;
                let last_here = member.connections == 0;
                if last_here {
                    entry.members.remove(&user_id);
                }
                let gone = !entry.present(&user_id);
                departure = Some(Departure { user_id, last_here, gone });
            }
        }
        if entry.is_unused() {
            channels.remove(channel);
        }
        departure
    }

    /// This instance's presence members, for the other instances.
    pub fn roster(&self) -> Roster {
        let channels = self.channels.read();
        channels
            .iter()
            .filter(|(_, c)| !c.members.is_empty())
            .map(|(name, c)| (name.clone(), c.members.iter().map(|(id, m)| (id.clone(), m.info.clone())).collect()))
            .collect()
    }

    /// Node `node` has `user_id` on `channel` now (`Some(info)`) or not any more (`None`);
    /// the change the subscribers see, if any.
    pub fn remote_member(&self, node: u32, channel: &str, user_id: &str, info: Option<Value>) -> Option<MemberChange> {
        let mut channels = self.channels.write();
        let before = channels.get(channel).is_some_and(|c| c.present(user_id));
        if let Some(info) = info.clone() {
            channels.entry(channel.to_owned()).or_default().remote.entry(node).or_default().insert(user_id.to_owned(), info);
        } else {
            let entry = channels.get_mut(channel)?;
            if let Some(members) = entry.remote.get_mut(&node) {
                members.remove(user_id);
                if members.is_empty() {
                    entry.remote.remove(&node);
                }
            }
            if entry.is_unused() {
                channels.remove(channel);
            }
        }
        let after = channels.get(channel).is_some_and(|c| c.present(user_id));
        change(channel, user_id, before, after, info)
    }

    /// Node `node` has exactly `roster` now (empty: it is gone); the changes the
    /// subscribers see, channel by channel.
    pub fn replace_remote(&self, node: u32, roster: Roster) -> Vec<MemberChange> {
        let mut channels = self.channels.write();
        let mut names: Vec<String> = channels.iter().filter(|(_, c)| c.remote.contains_key(&node)).map(|(name, _)| name.clone()).collect();
        names.extend(roster.keys().filter(|name| !channels.get(*name).is_some_and(|c| c.remote.contains_key(&node))).cloned());
        let mut roster = roster;
        let mut changes = Vec::new();
        for name in names {
            let entry = channels.entry(name.clone()).or_default();
            let old = entry.remote.remove(&node).unwrap_or_default();
            let new = roster.remove(&name).unwrap_or_default();
            let users: std::collections::BTreeSet<String> = old.keys().chain(new.keys()).cloned().collect();
            let before: Vec<bool> = users.iter().map(|u| entry.present(u) || old.contains_key(u)).collect();
            if !new.is_empty() {
                entry.remote.insert(node, new.clone());
            }
            for (user, was) in users.iter().zip(before) {
                let is = entry.present(user);
                changes.extend(change(&name, user, was, is, new.get(user).cloned()));
            }
            if entry.is_unused() {
                channels.remove(&name);
            }
        }
        changes
    }

    /// The nodes whose members are kept.
    pub fn remote_nodes(&self) -> Vec<u32> {
        let mut nodes: Vec<u32> = self.channels.read().values().flat_map(|c| c.remote.keys().copied()).collect();
        nodes.sort_unstable();
        nodes.dedup();
        nodes
    }

    /// The subscribers of `channel`, for a fan-out.
    pub fn subscribers(&self, channel: &str) -> Vec<Subscriber> {
        self.channels.read().get(channel).map(|c| c.subscribers.values().cloned().collect()).unwrap_or_default()
    }

    /// Whether `fd` subscribes to `channel`; its presence user id when it does as one.
    pub fn subscription(&self, channel: &str, fd: u64) -> Option<Option<String>> {
        self.channels.read().get(channel)?.subscribers.get(&fd).map(|s| s.user_id.clone())
    }

    /// Every channel with a subscriber here, with its subscriber count here and its
    /// member count everywhere, sorted by name.
    pub fn occupied(&self) -> Vec<(String, usize, usize)> {
        let channels = self.channels.read();
        let mut out: Vec<_> =
            channels.iter().filter(|(_, c)| !c.subscribers.is_empty()).map(|(name, c)| (name.clone(), c.subscribers.len(), c.everyone().len())).collect();
        out.sort();
        out
    }
}

/// What a user's presence going from `before` to `after` shows the subscribers.
fn change(channel: &str, user_id: &str, before: bool, after: bool, info: Option<Value>) -> Option<MemberChange> {
    match (before, after) {
        (false, true) => Some(MemberChange::Added { channel: channel.to_owned(), user_id: user_id.to_owned(), info: info.unwrap_or(Value::Null) }),
        (true, false) => Some(MemberChange::Removed { channel: channel.to_owned(), user_id: user_id.to_owned() }),
        _ => None,
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
        assert_eq!(joined, Joined { new: true, member_added: false, first_here: false, data: json!({}) });
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
        assert_eq!(c.unsubscribe("presence-room", 1), Some(Departure { user_id: "7".into(), last_here: false, gone: false }), "user 7 still has connection 2");
        assert_eq!(
            c.unsubscribe("presence-room", 2),
            Some(Departure { user_id: "7".into(), last_here: true, gone: true }),
            "the last connection of user 7 left"
        );
        assert_eq!(c.occupied(), [("presence-room".to_owned(), 1, 1)]);
        assert_eq!(c.subscription("presence-room", 3), Some(Some("8".to_owned())));
        assert_eq!(c.subscription("presence-room", 1), None);
    }

    fn added(user: &str) -> MemberChange {
        MemberChange::Added { channel: "presence-room".into(), user_id: user.into(), info: json!({"name": user}) }
    }

    fn removed(user: &str) -> MemberChange {
        MemberChange::Removed { channel: "presence-room".into(), user_id: user.into() }
    }

    #[test]
    fn members_of_other_instances_count_once_with_ours() {
        let c = Channels::default();
        assert_eq!(c.remote_member(2, "presence-room", "8", Some(json!({"name": "8"}))), Some(added("8")), "a newcomer on node 2");
        assert_eq!(c.remote_member(3, "presence-room", "8", Some(json!({"name": "8"}))), None, "also on node 3: still one member");
        assert!(c.occupied().is_empty(), "no subscriber here");
        let mine = c.subscribe("presence-room", 1, &Arc::from("1.1"), Some(user("8")));
        assert!(!mine.member_added && mine.first_here, "user 8 was present elsewhere: the subscribers are not told, the other nodes are");
        let other = c.subscribe("presence-room", 2, &Arc::from("2.2"), Some(user("9")));
        assert!(other.member_added && other.first_here);
        assert_eq!(other.data, json!({"presence": {"ids": ["8", "9"], "hash": {"8": {"name": "8"}, "9": {"name": "9"}}, "count": 2}}));
        assert_eq!(c.occupied(), [("presence-room".to_owned(), 2, 2)]);
        assert_eq!(
            c.roster(),
            Roster::from([("presence-room".to_owned(), BTreeMap::from([("8".to_owned(), json!({"name": "8"})), ("9".to_owned(), json!({"name": "9"}))]))])
        );
        assert_eq!(c.unsubscribe("presence-room", 1), Some(Departure { user_id: "8".into(), last_here: true, gone: false }), "8 is still on nodes 2 and 3");
        assert_eq!(c.remote_member(2, "presence-room", "8", None), None);
        assert_eq!(c.remote_member(3, "presence-room", "8", None), Some(removed("8")), "the last of user 8");
        assert_eq!(c.remote_member(3, "presence-room", "8", None), None, "leaving twice changes nothing");
    }

    #[test]
    fn a_roster_replaces_what_a_node_had() {
        let c = Channels::default();
        let roster = |users: &[&str]| Roster::from([("presence-room".to_owned(), users.iter().map(|u| ((*u).to_owned(), json!({"name": u}))).collect())]);
        let mut first = c.replace_remote(2, roster(&["7", "8"]));
        first.sort_by_key(|m| format!("{m:?}"));
        assert_eq!(first, [added("7"), added("8")]);
        c.subscribe("presence-room", 1, &Arc::from("1.1"), Some(user("7")));
        let second = c.replace_remote(2, roster(&["8", "10"]));
        assert_eq!(second, [added("10")], "7 is still here, 8 still on node 2");
        assert_eq!(c.remote_nodes(), [2]);
        let mut gone = c.replace_remote(2, Roster::new());
        gone.sort_by_key(|m| format!("{m:?}"));
        assert_eq!(gone, [removed("10"), removed("8")], "node 2 went away with its members, 7 stays");
        assert!(c.remote_nodes().is_empty());
        c.unsubscribe("presence-room", 1);
        assert!(c.roster().is_empty() && c.occupied().is_empty(), "nothing left of the channel");
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
