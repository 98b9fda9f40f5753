//! How a table's shared region is laid out, and typed access to its parts.
//!
//! ```text
//! stripes   S × 128 bytes    lock, row count, the row an update may have left half-done,
//!                            counters for stats()
//! undo      S × data size    that row's data before the update
//! buckets   B × u32          the first row of each bucket's chain
//! rows      capacity × row   owner, next, hash, key, then the columns
//! ```
//! A link is a row number plus one, so zeroed memory reads as "no row" and "free".
//! Bucket `b` is guarded by the lock of stripe `b % S`. Rows are a pool shared by all
//! buckets: a row is free (owner 0) or claimed by one stripe (owner `s + 1`), and only
//! a holder of that stripe's lock links, unlinks or releases it. The owner mark is what
//! lets `recovery.rs` find a row a dead process claimed but never linked.

// Pointers into the shared region are cast to wider types at offsets that the layout
// keeps aligned; each cast's SAFETY note says why.
#![allow(clippy::cast_ptr_alignment)]

use std::cell::UnsafeCell;
use std::sync::atomic::AtomicU32;

use super::error::TableError;
use super::lock::RobustMutex;
use super::region::SharedRegion;
use super::stats::StripeCounters;

/// The end of a chain, and an empty bucket.
pub const NO_ROW: u32 = 0;
/// Bytes reserved for a key: 63 usable, as in Swoole.
pub const KEY_SLOT: usize = 64;
/// At most this many lock stripes: enough that a few dozen processes rarely meet on one.
const MAX_STRIPES: u32 = 256;

#[repr(C, align(64))]
pub struct Stripe {
    pub lock: RobustMutex,
    /// Rows linked from this stripe's buckets.
    pub count: AtomicU32,
    /// While an update of several columns runs: the row being written, whose previous
    /// data sits in this stripe's undo area. `NO_ROW` otherwise.
    pub undo_row: AtomicU32,
    /// Inserts, updates, deletes, conflicts; updates first, so that the commonest write
    /// shares the lock's cache line.
    pub counters: StripeCounters,
}

// Two cache lines: the lock, the row count and the update counter in the first.
const _: () = assert!(size_of::<Stripe>() == 128);

#[repr(C)]
pub struct RowHead {
    /// 0: free; `s + 1`: claimed by stripe `s`. Claimed by compare-and-swap.
    pub owner: AtomicU32,
    /// The next row of the same bucket.
    pub next: AtomicU32,
    pub hash: AtomicU32,
    pub key_len: AtomicU32,
    key: UnsafeCell<[u8; KEY_SLOT]>,
}

impl RowHead {
    /// # Safety
    /// The caller holds the lock of the stripe that owns this row.
    pub unsafe fn key(&self) -> &[u8] {
        let len = (self.key_len.load(std::sync::atomic::Ordering::Relaxed) as usize).min(KEY_SLOT);
        // SAFETY: per the contract nobody writes the key meanwhile; len is clamped.
        unsafe { std::slice::from_raw_parts(self.key.get().cast::<u8>(), len) }
    }

    /// # Safety
    /// As for `key`; `key.len() <= KEY_SLOT`.
    pub unsafe fn set_key(&self, key: &[u8]) {
        // SAFETY: per the contract.
        unsafe { std::ptr::copy_nonoverlapping(key.as_ptr(), self.key.get().cast::<u8>(), key.len()) };
        self.key_len.store(key.len() as u32, std::sync::atomic::Ordering::Relaxed);
    }
}

pub struct Store {
    region: SharedRegion,
    /// A power of two.
    pub buckets: u32,
    /// A power of two, at most `buckets`.
    pub stripes: u32,
    /// Rows in the pool.
    pub capacity: u32,
    data_size: usize,
    undo_at: usize,
    buckets_at: usize,
    rows_at: usize,
    row_size: usize,
}

impl Store {
    /// Maps and initialises a region for `capacity` rows of `data_size` bytes of columns.
    pub fn new(buckets: u32, capacity: u32, data_size: usize) -> Result<Self, TableError> {
        debug_assert!(buckets.is_power_of_two() && data_size % 8 == 0);
        let stripes = buckets.min(MAX_STRIPES);
        let row_size = size_of::<RowHead>() + data_size;
        let undo_at = stripes as usize * size_of::<Stripe>();
        let buckets_at = undo_at + stripes as usize * data_size;
        let rows_at = (buckets_at + buckets as usize * 4).next_multiple_of(64);
        let total = (capacity as usize).checked_mul(row_size).and_then(|rows| rows.checked_add(rows_at));
        let total = total.ok_or(TableError::Size(i64::from(capacity)))?;
        let region = SharedRegion::new(total).map_err(|source| TableError::Map { bytes: total, source })?;
        let store = Store { region, buckets, stripes, capacity, data_size, undo_at, buckets_at, rows_at, row_size };
        for s in 0..stripes {
            // SAFETY: each stripe's lock lies in the fresh region, 64-aligned, unused yet.
            unsafe { RobustMutex::init((&raw const store.stripe(s).lock).cast_mut()) }.map_err(TableError::Lock)?;
        }
        Ok(store)
    }

    pub fn memory_size(&self) -> usize {
        self.region.len()
    }

    pub fn stripe_of(&self, bucket: u32) -> u32 {
        bucket & (self.stripes - 1)
    }

    pub fn stripe(&self, s: u32) -> &Stripe {
        debug_assert!(s < self.stripes);
        // SAFETY: stripes are at the start of the region, 64-aligned, zero or initialised.
        unsafe { &*self.region.base().cast::<Stripe>().add(s as usize) }
    }

    /// Stripe `s`'s undo area: one row's data.
    pub fn undo(&self, s: u32) -> *mut u8 {
        // SAFETY: within the undo area of the region.
        unsafe { self.region.base().add(self.undo_at + s as usize * self.data_size) }
    }

    /// The head link of bucket `b`.
    pub fn head(&self, b: u32) -> &AtomicU32 {
        debug_assert!(b < self.buckets);
        // SAFETY: within the bucket array; 4-aligned since undo_at and data_size are multiples of 8.
        unsafe { &*self.region.base().add(self.buckets_at).cast::<AtomicU32>().add(b as usize) }
    }

    /// The row a link names; `link` is in `1..=capacity`.
    pub fn row(&self, link: u32) -> &RowHead {
        debug_assert!(link != NO_ROW && link <= self.capacity);
        // SAFETY: within the row pool; rows are 8-aligned (row_size is a multiple of 8).
        unsafe { &*self.row_ptr(link).cast::<RowHead>() }
    }

    /// The column data of a row.
    pub fn data(&self, link: u32) -> *mut u8 {
        // SAFETY: the data follows the head within the same row.
        unsafe { self.row_ptr(link).add(size_of::<RowHead>()) }
    }

    pub fn data_size(&self) -> usize {
        self.data_size
    }

    fn row_ptr(&self, link: u32) -> *mut u8 {
        // SAFETY: link - 1 < capacity, so the row lies within the region.
        unsafe { self.region.base().add(self.rows_at + (link as usize - 1) * self.row_size) }
    }
}
