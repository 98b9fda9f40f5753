//! Runtime metrics of the server (`metrics`), without PHP: counters bumped as requests go
//! through, and gauges read at scrape time, rendered in Prometheus' text exposition
//! format under `laravels_*` names.
//!
//! # Layout
//! - `histogram.rs`: a histogram in atomics.
//! - `render.rs`: the exposition text from the counters here and a `Gauges` snapshot.
//! - `store.rs`: the one `Metrics` in shared memory, mapped before the fork.
//! - this file: the counters (`Metrics`) and the causes of a worker's replacement.
//!
//! Every reactor (the master's, and each front's in `serving_mode` worker) counts into the
//! shared `Metrics`; the master fills `Gauges` from its own state and the fronts' board
//! (`reactor/metrics.rs`), so this module knows nothing of sockets or workers.

mod histogram;
mod render;
mod store;

pub use histogram::{Histogram, BOUNDS};
pub use render::{render, Gauges, ProcessGauge, RoleGauges, CONTENT_TYPE};
pub use store::{install, SharedMetrics};

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Why a worker process left the master's pool, the `cause` of
/// `laravels_worker_restarts_total` (the manager replaces it in every case).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Restart {
    /// `max_request` or `task_max_request` reached.
    MaxRequest,
    /// Its resident memory passed `worker_memory_limit`.
    Memory,
    /// A request passed `max_request_time`: the master killed it.
    Deadline,
    /// The application ended the process: `exit()`, a fatal error, `memory_limit`.
    Exit,
    /// It died without a word (a signal, a segfault, the OOM killer).
    Crash,
    /// A reload or stop replaced it.
    Reload,
}

impl Restart {
    /// Every cause, in the order they are rendered.
    pub const ALL: [Restart; 6] = [Restart::MaxRequest, Restart::Memory, Restart::Deadline, Restart::Exit, Restart::Crash, Restart::Reload];

    /// The `cause` label.
    pub fn label(self) -> &'static str {
        match self {
            Restart::MaxRequest => "max_request",
            Restart::Memory => "memory",
            Restart::Deadline => "deadline",
            Restart::Exit => "exit",
            Restart::Crash => "crash",
            Restart::Reload => "reload",
        }
    }

    /// Its place in `ALL`.
    pub fn index(self) -> usize {
        Restart::ALL.iter().position(|&c| c == self).unwrap_or(0)
    }
}

impl From<crate::ipc::Retire> for Restart {
    /// The restart a worker's announced retirement counts as.
    fn from(retire: crate::ipc::Retire) -> Self {
        use crate::ipc::Retire;
        match retire {
            Retire::MaxRequest => Restart::MaxRequest,
            Retire::Memory => Restart::Memory,
            Retire::Ending | Retire::Stays => Restart::Exit,
        }
    }
}

/// The counters. Every method is a few relaxed atomic increments. Only `AtomicU64`s, so
/// zeroed memory is an empty `Metrics` (`store.rs` maps it in shared memory).
#[derive(Debug, Default)]
pub struct Metrics {
    /// Responses by status class: 1xx .. 5xx.
    responses: [AtomicU64; 5],
    /// From the request head read to the response head ready.
    duration: Histogram,
    /// From queued to taken by an HTTP worker.
    queue_wait: Histogram,
    restarts: [AtomicU64; Restart::ALL.len()],
}

impl Metrics {
    /// One HTTP response of `status`, `took` after its request head was read.
    pub fn response(&self, status: u16, took: Duration) {
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        self.responses[class].fetch_add(1, Ordering::Relaxed);
        self.duration.observe(took);
    }

    /// A request taken by a worker after waiting `waited` in the queue.
    pub fn dequeued(&self, waited: Duration) {
        self.queue_wait.observe(waited);
    }

    /// A worker left the pool for `cause`.
    pub fn restart(&self, cause: Restart) {
        self.restarts[cause.index()].fetch_add(1, Ordering::Relaxed);
    }

    /// Restarts for `cause` so far.
    pub fn restarts(&self, cause: Restart) -> u64 {
        self.restarts[cause.index()].load(Ordering::Relaxed)
    }

    /// Responses of status class `class` (1 to 5) so far.
    pub fn responses(&self, class: u16) -> u64 {
        self.responses.get(usize::from(class).wrapping_sub(1)).map_or(0, |c| c.load(Ordering::Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_count_by_class_and_restarts_by_cause() {
        let m = Metrics::default();
        m.response(200, Duration::from_millis(3));
        m.response(204, Duration::from_millis(3));
        m.response(503, Duration::from_millis(3));
        m.response(99, Duration::ZERO); // no such class: counted with 1xx
        assert_eq!((m.responses(1), m.responses(2), m.responses(4), m.responses(5)), (1, 2, 0, 1));
        m.restart(Restart::Deadline);
        m.restart(Restart::Deadline);
        m.restart(Restart::Crash);
        assert_eq!((m.restarts(Restart::Deadline), m.restarts(Restart::Crash), m.restarts(Restart::Reload)), (2, 1, 0));
    }
}
