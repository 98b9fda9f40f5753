//! `max_request_time`: one deadline per job, counted from when the job was queued, and
//! one place that acts on it at a time.
//!
//! While the job waits in a queue, the connection waiting for the answer is the only
//! party alive for it: at the deadline it withdraws the job and answers 504 itself
//! (`Ticket::first` in `job.rs`). Once a slot has taken the job, the slot alone acts:
//! at the deadline it answers `Failed(Deadline)` (504, or the abort of a streamed body)
//! and kills the worker, which the manager replaces (`slot/http.rs`); the connection
//! observes that answer like any other. Which of the two holds the job is one atomic
//! state, so the two never both decide.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

/// Queued, waiting for a worker.
const QUEUED: u8 = 0;
/// A slot has it: the slot answers at the deadline.
const TAKEN: u8 = 1;
/// The waiting connection gave up on it at the deadline; no slot may take it.
const WITHDRAWN: u8 = 2;

/// The deadline of one job, shared by the connection that queued it and the slot that
/// takes it.
#[derive(Debug, Clone)]
pub struct Deadline {
    at: Instant,
    state: Arc<AtomicU8>,
}

impl Deadline {
    /// The deadline of a job queued now, if `max_request_time` is set.
    pub fn after(limit: Option<Duration>) -> Option<Self> {
        limit.map(|limit| Deadline { at: Instant::now() + limit, state: Arc::new(AtomicU8::new(QUEUED)) })
    }

    /// When the job's answer is due.
    pub fn at(&self) -> Instant {
        self.at
    }

    /// Whether the deadline has passed.
    pub fn is_past(&self) -> bool {
        Instant::now() >= self.at
    }

    /// A slot takes the job; false when it was withdrawn (its client has had its 504).
    pub fn take(&self) -> bool {
        self.swap(QUEUED, TAKEN)
    }

    /// A slot whose worker could not be given the job hands it back; true when the job
    /// should go back to the queue. When the deadline passed meanwhile, the waiting
    /// connection may have found the job taken and be waiting for this slot's answer:
    /// the job is withdrawn here instead, and false tells the slot to answer 504.
    pub fn put_back(&self) -> bool {
        self.state.store(QUEUED, Ordering::SeqCst);
        !(self.is_past() && self.withdraw())
    }

    /// The waiting connection, at the deadline, withdraws a job no slot has taken; false
    /// when a slot has it (the slot answers).
    pub(super) fn withdraw(&self) -> bool {
        self.swap(QUEUED, WITHDRAWN)
    }

    fn swap(&self, from: u8, to: u8) -> bool {
        self.state.compare_exchange(from, to, Ordering::SeqCst, Ordering::SeqCst).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_queued_job_is_withdrawn_or_taken_never_both() {
        let d = Deadline::after(Some(Duration::from_secs(1))).unwrap();
        assert!(Deadline::after(None).is_none(), "no max_request_time, no deadline");
        assert!(!d.is_past());
        assert!(d.take(), "a slot takes a queued job");
        assert!(!d.withdraw(), "a taken job is the slot's to answer");
        assert!(d.put_back(), "handed back before the deadline: queued again");
        tokio::time::advance(Duration::from_secs(1)).await;
        assert!(d.is_past());
        assert!(d.withdraw(), "still queued at the deadline: the connection answers");
        assert!(!d.take(), "a withdrawn job is never taken");
    }

    #[tokio::test(start_paused = true)]
    async fn a_job_handed_back_after_its_deadline_is_answered_by_the_slot() {
        let d = Deadline::after(Some(Duration::from_secs(1))).unwrap();
        assert!(d.take());
        tokio::time::advance(Duration::from_secs(2)).await;
        assert!(!d.withdraw(), "the connection found it taken");
        assert!(!d.put_back(), "the slot must answer: nobody else will");
        assert!(!d.take(), "and no other slot takes it");
    }
}
