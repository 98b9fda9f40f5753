//! The results a worker waits for inside its request: Swoole's `taskwait()` and
//! `taskWaitMulti()`, and `LaravelS\Concurrently` on top of them.
//!
//! The worker sends `TaskTo` with a wait id and blocks reading its connection. The task
//! carries a `Waiter`, the sending end of its connection's channel; when the task worker
//! is done, its slot answers through it, and the waiting worker's slot, which is reading
//! that worker's frames meanwhile (`next_frame`), writes the result as `TaskResult` on
//! the worker's connection. Nothing goes through the slot's job queue, which the worker
//! does not read while it is busy: the master never waits on the worker, nor the worker
//! on anything but its own connection.
//!
//! A result that comes after its worker's job ended is stale (the worker gave up at its
//! timeout): `forget` drops the channel at the end of each job, so it is not delivered.
//!
//! In `serving_mode` worker the requests come from the worker's own front, so the slot
//! sees the worker idle while it waits: the slot's idle loop writes the results too, and
//! the worker drops those of a wait that already gave up.

use bytes::Bytes;
use tokio::sync::mpsc;

/// A finished task's result (`None`: refused) for the wait id the worker gave it.
type Answer = (u64, Option<Bytes>);

/// Where the result of a waited-for task goes: the waiting worker's connection.
pub struct Waiter {
    id: u64,
    to: mpsc::UnboundedSender<Answer>,
}

impl Waiter {
    /// Hands the result to the waiting worker's slot; dropped when its job is over.
    pub fn answer(self, payload: Option<Bytes>) {
        let _ = self.to.send((self.id, payload));
    }
}

/// One connection's waits: the channel results come back on, and how many are out.
pub(super) struct Waits {
    tx: mpsc::UnboundedSender<Answer>,
    rx: mpsc::UnboundedReceiver<Answer>,
    pending: usize,
}

impl Waits {
    pub fn new() -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        Waits { tx, rx, pending: 0 }
    }

    /// A waiter for wait id `id`, counted as pending.
    pub fn waiter(&mut self, id: u64) -> Waiter {
        self.pending += 1;
        Waiter { id, to: self.tx.clone() }
    }

    /// The task of the last `waiter` was refused: it will not answer.
    pub fn refused(&mut self) {
        self.pending = self.pending.saturating_sub(1);
    }

    /// Whether results are still to come.
    pub fn pending(&self) -> bool {
        self.pending > 0
    }

    /// The next result. Cancel-safe (for `select!`): a result is taken only when returned.
    pub async fn next(&mut self) -> Option<Answer> {
        let answer = self.rx.recv().await;
        if answer.is_some() {
            self.pending = self.pending.saturating_sub(1);
        }
        answer
    }

    /// The job is over: results still to come are stale, and go nowhere.
    pub fn forget(&mut self) {
        if self.pending > 0 {
            *self = Waits::new();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn answers_come_back_by_id_and_forgotten_ones_go_nowhere() {
        let mut waits = Waits::new();
        let (a, b) = (waits.waiter(1), waits.waiter(2));
        b.answer(Some(Bytes::from_static(b"two")));
        assert_eq!(waits.next().await, Some((2, Some(Bytes::from_static(b"two")))));
        assert!(waits.pending());
        waits.forget();
        assert!(!waits.pending());
        a.answer(None);
        assert!(waits.rx.try_recv().is_err(), "a result after its job ended is not delivered");
    }
}
