//! Repairing a stripe whose lock holder died while writing.
//!
//! Runs in the next process that takes the lock (it got EOWNERDEAD), before anything
//! else touches the stripe. It is idempotent: if this process dies too, the next one
//! starts over.

use std::sync::atomic::Ordering;

use super::store::{Store, NO_ROW};

/// Restores stripe `s` to a consistent state: an update cut short is rolled back, rows
/// claimed but not linked (an insert or a delete cut short) are released, and the row
/// count is recounted from the chains.
pub fn repair(store: &Store, s: u32) {
    let stripe = store.stripe(s);
    let undo_row = stripe.undo_row.load(Ordering::Acquire);
    if undo_row != NO_ROW && undo_row <= store.capacity {
        // SAFETY: we hold the lock; the undo area holds that row's data from before the
        // update, and both areas are data_size bytes.
        unsafe { std::ptr::copy_nonoverlapping(store.undo(s), store.data(undo_row), store.data_size()) };
    }
    stripe.undo_row.store(NO_ROW, Ordering::Release);

    let mark = s + 1;
    let mut linked = vec![false; store.capacity as usize + 1];
    let mut count = 0;
    for bucket in (s..store.buckets).step_by(store.stripes as usize) {
        let mut prev = NO_ROW;
        let mut link = store.head(bucket).load(Ordering::Acquire);
        while link != NO_ROW {
            // Links are published by single stores, so a chain is always whole; this
            // check only guards against walking off the pool if that were ever untrue.
            if link > store.capacity || linked[link as usize] || store.row(link).owner.load(Ordering::Acquire) != mark {
                match prev {
                    NO_ROW => store.head(bucket).store(NO_ROW, Ordering::Release),
                    p => store.row(p).next.store(NO_ROW, Ordering::Release),
                }
                break;
            }
            linked[link as usize] = true;
            count += 1;
            prev = link;
            link = store.row(link).next.load(Ordering::Relaxed);
        }
    }
    for link in 1..=store.capacity {
        let owner = &store.row(link).owner;
        if owner.load(Ordering::Acquire) == mark && !linked[link as usize] {
            owner.store(0, Ordering::Release);
        }
    }
    stripe.count.store(count, Ordering::Relaxed);
}
