//! Which instances are alive, as this one last heard, in shared memory: the master writes
//! it (its Redis link's state, each node's last hello), every process reads it, so
//! `exists()` and `push()` for another instance's `$fd` answer without asking the master.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::table::{ColumnType, RowData, SharedAtomic, Table, TableError, TableSpec, Value};

/// How often an instance says hello on the shared channel.
pub const HELLO_EVERY_MS: u64 = 2_000;

/// An instance not heard from for this long counts as gone (three hellos missed, plus slack).
pub const ALIVE_MS: i64 = 7_000;

/// Nodes remembered; more are served but not reported alive.
const MAX_NODES: i64 = 1024;

/// The two connections of the master's Redis link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Half {
    /// The one that publishes.
    Publisher,
    /// The one subscribed to this node's channel and the shared one.
    Subscriber,
}

/// The link's state and every node's last hello.
pub struct Presence {
    publisher: SharedAtomic,
    subscriber: SharedAtomic,
    nodes: Table,
}

impl Presence {
    /// Maps the shared memory; call before forking.
    pub fn new() -> Result<Self, TableError> {
        let mut spec = TableSpec::new(MAX_NODES, 0.25)?;
        spec.column("seen_ms", ColumnType::Int, 8)?;
        Ok(Presence { publisher: SharedAtomic::new(0)?, subscriber: SharedAtomic::new(0)?, nodes: spec.create()? })
    }

    /// Records whether one connection of the link is up.
    pub fn set(&self, half: Half, up: bool) {
        match half {
            Half::Publisher => &self.publisher,
            Half::Subscriber => &self.subscriber,
        }
        .set(i64::from(up));
    }

    /// Whether both connections to Redis are up: only then can anything reach another node.
    pub fn is_up(&self) -> bool {
        self.publisher.get() == 1 && self.subscriber.get() == 1
    }

    /// Notes a hello from `node` at `now_ms`; true when the node was unknown or had gone,
    /// so the caller says hello back at once and the newcomer learns of it without waiting.
    pub fn saw(&self, node: u32, now_ms: i64) -> bool {
        let fresh = !self.heard_within(node, now_ms);
        let _ = self.nodes.set(node.to_string().as_bytes(), &[(0, Value::Int(now_ms))]);
        fresh
    }

    /// Whether `node` can be reached now: the link is up and the node said hello lately.
    pub fn alive(&self, node: u32, now_ms: i64) -> bool {
        self.is_up() && self.heard_within(node, now_ms)
    }

    fn heard_within(&self, node: u32, now_ms: i64) -> bool {
        let mut row = RowData::default();
        if !self.nodes.get(node.to_string().as_bytes(), &mut row).unwrap_or(false) {
            return false;
        }
        matches!(row.value(self.nodes.schema(), 0), Value::Int(seen) if now_ms - seen <= ALIVE_MS)
    }
}

/// Milliseconds since the epoch: comparable between processes.
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_is_alive_while_it_says_hello_and_the_link_is_up() {
        let p = Presence::new().unwrap();
        assert!(!p.alive(2, 10_000), "never heard of");
        assert!(p.saw(2, 10_000), "new");
        assert!(!p.saw(2, 11_000), "known");
        assert!(!p.alive(2, 11_000), "the link is down");
        p.set(Half::Publisher, true);
        assert!(!p.alive(2, 11_000), "half a link reaches nobody");
        p.set(Half::Subscriber, true);
        assert!(p.alive(2, 11_000));
        assert!(!p.alive(2, 11_000 + ALIVE_MS + 1), "silent too long");
        assert!(p.saw(2, 30_000), "back after being gone counts as new");
        p.set(Half::Subscriber, false);
        assert!(!p.alive(2, 30_000));
    }
}
