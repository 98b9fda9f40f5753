//! Where the counters live: one `Metrics` in shared memory, mapped by the master before
//! the fork, so every process that answers HTTP (the master, and each HTTP worker's front
//! in `serving_mode` worker) counts into the same atomics, and the master's scrape
//! renders them all in one exposition.
//!
//! `Metrics` is nothing but `AtomicU64`s (in arrays and `Histogram`s), so a zero-filled
//! region is a valid, empty `Metrics`, and every process reaches those bytes through
//! atomics only.

use std::ops::Deref;
use std::sync::OnceLock;

use super::Metrics;
use crate::table::SharedRegion;

/// A `Metrics` in a `MAP_SHARED` region: what one process counts, every process it
/// forked afterwards (and its parent) sees.
pub struct SharedMetrics {
    region: SharedRegion,
}

impl SharedMetrics {
    /// Maps a zeroed (empty) `Metrics`.
    pub fn new() -> std::io::Result<Self> {
        Ok(SharedMetrics { region: SharedRegion::new(std::mem::size_of::<Metrics>())? })
    }
}

impl Deref for SharedMetrics {
    type Target = Metrics;

    fn deref(&self) -> &Metrics {
        // The region's base is page-aligned (mmap), above `Metrics`' alignment of 8.
        #[allow(clippy::cast_ptr_alignment)]
        // SAFETY: the region is `size_of::<Metrics>()` zero-filled, page-aligned bytes,
        // and `Metrics` is made of `AtomicU64`s only (the counters, and `Histogram`s of
        // the same), for which all-zero bytes are a valid value; the reference lives no
        // longer than `self`, which owns the mapping, and all access is atomic.
        unsafe {
            &*self.region.base().cast::<Metrics>()
        }
    }
}

static STORE: OnceLock<SharedMetrics> = OnceLock::new();

/// The process's counters, mapped on the first call. The master calls this before it
/// forks (`launch.rs`), so its children inherit the same mapping; a later call returns it.
pub fn install() -> std::io::Result<&'static Metrics> {
    if STORE.get().is_none() {
        let _ = STORE.set(SharedMetrics::new()?);
    }
    Ok(STORE.get().expect("set just above"))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::metrics::Restart;

    #[test]
    fn what_a_forked_child_counts_the_parent_sees() {
        let shared = SharedMetrics::new().unwrap();
        assert_eq!(shared.responses(2), 0, "a fresh region is an empty Metrics");
        shared.response(200, Duration::from_millis(1));
        // SAFETY: the child only bumps atomics in the shared region and leaves at once.
        match unsafe { libc::fork() } {
            0 => {
                shared.response(204, Duration::from_millis(2));
                shared.response(503, Duration::from_millis(2));
                shared.dequeued(Duration::from_millis(700));
                shared.restart(Restart::Deadline);
                // SAFETY: leaves the forked child without running the parent's destructors.
                unsafe { libc::_exit(0) }
            }
            pid => {
                let mut status = 0;
                // SAFETY: waits for our own child, with a live status variable.
                unsafe { libc::waitpid(pid, &raw mut status, 0) };
            }
        }
        assert_eq!((shared.responses(2), shared.responses(5)), (2, 1));
        assert_eq!(shared.restarts(Restart::Deadline), 1);
        let text = crate::metrics::render(&shared, &crate::metrics::Gauges::default());
        assert!(text.contains("laravels_request_duration_seconds_count 3\n"), "{text}");
        assert!(text.contains("laravels_queue_wait_seconds_count 1\n"), "{text}");
    }

    #[test]
    fn install_maps_once() {
        let a: *const Metrics = install().unwrap();
        let b: *const Metrics = install().unwrap();
        assert_eq!(a, b);
    }
}
