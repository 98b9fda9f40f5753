//! What `Swoole\Table::stats()` reports: counters kept in shared memory, so every
//! process sees the totals of all of them.
//!
//! Each stripe keeps its own counters, written only by the holder of its lock (a plain
//! load and store, like the stripe's row count): processes writing to different stripes
//! never share a counter's cache line, so counting costs no contention. `collect` sums
//! them without locks; a total read while others write may lag by the operations in
//! flight. A process killed mid-operation may leave one operation uncounted.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use super::store::Store;

/// One stripe's counters, inside its `Stripe`.
#[repr(C)]
#[derive(Default)]
pub struct StripeCounters {
    /// Writes (set, incr, decr) to a row that existed.
    updates: AtomicU64,
    /// Rows created (set or incr of a new key).
    inserts: AtomicU64,
    /// Rows removed.
    deletes: AtomicU64,
    /// Rows created in a bucket that already held rows.
    conflicts: AtomicU64,
    /// The most rows a bucket held when a row was added to it.
    max_chain: AtomicU32,
}

impl StripeCounters {
    // Every method below is called by the holder of the stripe's lock only.

    pub fn updated(&self) {
        bump(&self.updates);
    }

    /// A row was added to a bucket that held `chain` rows before.
    pub fn inserted(&self, chain: u32) {
        bump(&self.inserts);
        if chain > 0 {
            bump(&self.conflicts);
            if chain > self.max_chain.load(Ordering::Relaxed) {
                self.max_chain.store(chain, Ordering::Relaxed);
            }
        }
    }

    pub fn deleted(&self) {
        bump(&self.deletes);
    }
}

fn bump(counter: &AtomicU64) {
    counter.store(counter.load(Ordering::Relaxed).wrapping_add(1), Ordering::Relaxed);
}

/// A table's statistics, under Swoole's names in `ext/table.rs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableStats {
    /// Rows in the table (`num`).
    pub rows: u64,
    /// Rows added to a bucket that already held rows (`conflict_count`).
    pub conflicts: u64,
    /// The longest bucket a row was added to, counted before the addition
    /// (`conflict_max_level`; 0 when no row ever met another).
    pub max_chain: u32,
    /// Rows added since the table was created, by every process (`insert_count`).
    pub inserts: u64,
    /// Writes to existing rows, `incr` and `decr` included (`update_count`).
    pub updates: u64,
    /// Rows removed (`delete_count`).
    pub deletes: u64,
    /// Rows the pool holds (`total_slice_num`). Every row comes from one pool here,
    /// where Swoole's pool holds only the rows beyond one per bucket.
    pub capacity: u32,
    /// Rows still free (`available_slice_num`): 0 means the next new key fails.
    pub free: u32,
}

/// Sums the counters of every stripe.
pub fn collect(store: &Store) -> TableStats {
    let mut stats = TableStats { rows: 0, conflicts: 0, max_chain: 0, inserts: 0, updates: 0, deletes: 0, capacity: store.capacity, free: 0 };
    for s in 0..store.stripes {
        let stripe = store.stripe(s);
        let c = &stripe.counters;
        stats.rows += u64::from(stripe.count.load(Ordering::Relaxed));
        stats.updates = stats.updates.wrapping_add(c.updates.load(Ordering::Relaxed));
        stats.inserts = stats.inserts.wrapping_add(c.inserts.load(Ordering::Relaxed));
        stats.deletes = stats.deletes.wrapping_add(c.deletes.load(Ordering::Relaxed));
        stats.conflicts = stats.conflicts.wrapping_add(c.conflicts.load(Ordering::Relaxed));
        stats.max_chain = stats.max_chain.max(c.max_chain.load(Ordering::Relaxed));
    }
    stats.free = u64::from(store.capacity).saturating_sub(stats.rows) as u32;
    stats
}
