//! A job's place in the queue and its deadlines: `max_request_time`, counted from when
//! the job was queued, and `queue.max_wait_seconds`, the longest it may wait for a worker;
//! and one place that acts on them at a time.
//!
//! While the job waits in a queue, the connection waiting for the answer is the only
//! party alive for it: at either deadline it withdraws the job and answers 504 or 503
//! itself (`Ticket::first` in `job.rs`), and a connection whose client left withdraws it
//! too, so no worker ever gets it. Once a slot has taken the job, the slot alone acts:
//! at the deadline it answers `Failed(Deadline)` (504, or the abort of a streamed body)
//! and kills the worker, which the manager replaces (`slot/http.rs`); the connection
//! observes that answer like any other. Which of the two holds the job is one atomic
//! state, so the two never both decide. The dispatcher's count of waiting requests
//! (`queue.max_requests`) follows that state: a job counts while it is `QUEUED`.

use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

/// Queued, waiting for a worker.
const QUEUED: u8 = 0;
/// A slot has it: the slot answers at the deadline.
const TAKEN: u8 = 1;
/// The waiting connection gave up on it (a deadline passed, or its client left); no slot
/// may take it.
const WITHDRAWN: u8 = 2;

/// The deadlines and the state of one job, shared by the connection that queued it and
/// the slot that takes it.
#[derive(Debug, Clone)]
pub struct Deadline {
    /// When the job was queued.
    queued_at: Instant,
    /// `max_request_time` from queueing; `None`: no limit.
    at: Option<Instant>,
    /// `queue.max_wait_seconds` from queueing; `None`: no limit.
    wait_until: Option<Instant>,
    state: Arc<AtomicU8>,
    /// The dispatcher's count of jobs in the `QUEUED` state.
    waiting: Arc<AtomicUsize>,
}

impl Deadline {
    /// The state of a job queued now, already counted in `waiting`, due within `limit`
    /// and taken by a worker within `max_wait` (`None`: no such limit).
    pub fn queued(limit: Option<Duration>, max_wait: Option<Duration>, waiting: Arc<AtomicUsize>) -> Self {
        let now = Instant::now();
        Deadline { queued_at: now, at: limit.map(|l| now + l), wait_until: max_wait.map(|w| now + w), state: Arc::new(AtomicU8::new(QUEUED)), waiting }
    }

    /// The same state for a job that already waited `before` elsewhere (a request a
    /// front forwards to another, `serving_mode` worker): its queue wait counts from
    /// then; its deadlines stay.
    #[must_use]
    pub fn waited_before(mut self, before: Duration) -> Self {
        self.queued_at = self.queued_at.checked_sub(before).unwrap_or(self.queued_at);
        self
    }

    /// When the job was queued (for `laravels_queue_wait_seconds`).
    pub fn queued_at(&self) -> Instant {
        self.queued_at
    }

    /// When the job's answer is due (`max_request_time`).
    pub fn at(&self) -> Option<Instant> {
        self.at
    }

    /// When a job still queued is given up (`queue.max_wait_seconds`).
    pub fn wait_until(&self) -> Option<Instant> {
        self.wait_until
    }

    /// Whether `max_request_time` has passed.
    pub fn is_past(&self) -> bool {
        self.at.is_some_and(|at| Instant::now() >= at)
    }

    /// A slot takes the job; false when it was withdrawn (its client has had its answer,
    /// or left).
    pub fn take(&self) -> bool {
        self.leave_queue(TAKEN)
    }

    /// A slot whose worker could not be given the job hands it back; true when the job
    /// should go back to the queue. When the deadline passed meanwhile, the waiting
    /// connection may have found the job taken and be waiting for this slot's answer:
    /// the job is withdrawn here instead, and false tells the slot to answer 504.
    pub fn put_back(&self) -> bool {
        self.waiting.fetch_add(1, Ordering::SeqCst);
        self.state.store(QUEUED, Ordering::SeqCst);
        !(self.is_past() && self.withdraw())
    }

    /// The waiting connection withdraws a job no slot has taken (at a deadline, or as its
    /// client left); false when a slot has it (the slot answers).
    pub(super) fn withdraw(&self) -> bool {
        self.leave_queue(WITHDRAWN)
    }

    fn leave_queue(&self, to: u8) -> bool {
        let left = self.state.compare_exchange(QUEUED, to, Ordering::SeqCst, Ordering::SeqCst).is_ok();
        if left {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
        }
        left
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counted(limit: u64, wait: Option<u64>) -> (Deadline, Arc<AtomicUsize>) {
        let waiting = Arc::new(AtomicUsize::new(1));
        (Deadline::queued(Some(Duration::from_secs(limit)), wait.map(Duration::from_secs), waiting.clone()), waiting)
    }

    #[tokio::test(start_paused = true)]
    async fn a_forwarded_job_keeps_the_wait_it_had_and_its_own_deadline() {
        tokio::time::advance(Duration::from_secs(10)).await;
        let (d, _) = counted(1, None);
        let d = d.waited_before(Duration::from_millis(1500));
        assert_eq!(d.queued_at().elapsed(), Duration::from_millis(1500));
        assert_eq!(d.at(), Some(Instant::now() + Duration::from_secs(1)), "max_request_time counts from here");
    }

    #[tokio::test(start_paused = true)]
    async fn a_queued_job_is_withdrawn_or_taken_never_both() {
        let (d, waiting) = counted(1, None);
        assert!(!d.is_past());
        assert!(d.take(), "a slot takes a queued job");
        assert_eq!(waiting.load(Ordering::SeqCst), 0, "a taken job no longer waits");
        assert!(!d.withdraw(), "a taken job is the slot's to answer");
        assert!(d.put_back(), "handed back before the deadline: queued again");
        assert_eq!(waiting.load(Ordering::SeqCst), 1);
        tokio::time::advance(Duration::from_secs(1)).await;
        assert!(d.is_past());
        assert!(d.withdraw(), "still queued at the deadline: the connection answers");
        assert!(!d.take(), "a withdrawn job is never taken");
        assert!(!d.withdraw(), "and leaves the queue once");
        assert_eq!(waiting.load(Ordering::SeqCst), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_job_handed_back_after_its_deadline_is_answered_by_the_slot() {
        let (d, waiting) = counted(1, Some(1));
        assert!(d.take());
        tokio::time::advance(Duration::from_secs(2)).await;
        assert!(!d.withdraw(), "the connection found it taken");
        assert!(!d.put_back(), "the slot must answer: nobody else will");
        assert!(!d.take(), "and no other slot takes it");
        assert_eq!(waiting.load(Ordering::SeqCst), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn no_limits_no_deadlines() {
        let d = Deadline::queued(None, None, Arc::new(AtomicUsize::new(1)));
        assert_eq!((d.at(), d.wait_until()), (None, None));
        tokio::time::advance(Duration::from_secs(3600)).await;
        assert!(!d.is_past());
    }
}
