//! Connection ids (`$fd`) that are unique across the instances of a cluster.
//!
//! With `websocket.cluster` on, an instance mints its ids as `node * 2^32 + n`, `n` counting
//! from 1 as it always did: the node is readable from the id alone, so every process can
//! tell its own connections from another instance's without a lookup, and ids stay below
//! 2^63 (a PHP int) for every node up to `MAX_NODE`. Off, ids are `n` exactly as before.
//! The ids are minted in this form, not translated: the client list, the worker frames and
//! PHP all see the same number.

/// Bits of an id that count connections within one instance.
pub const LOCAL_BITS: u32 = 32;

/// The highest node id: `MAX_NODE * 2^32 + n` is still a positive 64-bit PHP int.
pub const MAX_NODE: u32 = (1 << 31) - 1;

/// The first id an instance gives out: 1 without a node, `node * 2^32 + 1` with one.
pub fn first(node: Option<u32>) -> u64 {
    node.map_or(1, |node| compose(node, 1))
}

/// The id of connection `local` of instance `node`.
pub fn compose(node: u32, local: u32) -> u64 {
    (u64::from(node) << LOCAL_BITS) | u64::from(local)
}

/// The node that minted `fd`: 0 for an id minted without a cluster.
pub fn node_of(fd: u64) -> u32 {
    (fd >> LOCAL_BITS) as u32
}

/// Whose connection `fd` is, seen from instance `own` (`None`: the cluster is off).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// This instance's (every id, when the cluster is off).
    Local,
    /// Another instance's, reached through Redis.
    Node(u32),
}

/// Whose connection `fd` is. An id without a node, or any id with the cluster off, is
/// this instance's to look up (and not found, if it is not).
pub fn owner(fd: u64, own: Option<u32>) -> Owner {
    match (own, node_of(fd)) {
        (Some(own), node) if node != 0 && node != own => Owner::Node(node),
        _ => Owner::Local,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_cluster_ids_are_as_before() {
        assert_eq!(first(None), 1);
        assert_eq!(owner(1, None), Owner::Local);
        assert_eq!(owner(compose(7, 3), None), Owner::Local, "the cluster off: no id is another's");
    }

    #[test]
    fn the_node_is_read_from_the_id() {
        assert_eq!(first(Some(1)), 4_294_967_297);
        assert_eq!(compose(2, 5), 2 * (1 << 32) + 5);
        assert_eq!(node_of(compose(2, 5)), 2);
        assert_eq!(owner(compose(2, 5), Some(2)), Owner::Local);
        assert_eq!(owner(compose(2, 5), Some(1)), Owner::Node(2));
        assert_eq!(owner(5, Some(1)), Owner::Local, "an id without a node is looked up here");
    }

    #[test]
    fn the_highest_node_still_fits_a_php_int() {
        let fd = compose(MAX_NODE, u32::MAX);
        assert!(i64::try_from(fd).is_ok(), "{fd}");
        assert_eq!(node_of(fd), MAX_NODE);
    }
}
