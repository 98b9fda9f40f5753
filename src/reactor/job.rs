//! What a connection hands a worker, and the answer it gets back.
//!
//! A job carries the frame the worker will read, built once where the request or event
//! is read (`http.rs`, `websocket/`, `sockets/`): the slot writes it as it is, and puts
//! the job back in the queue unchanged if the worker died before it could read it. The
//! connection keeps a `Ticket`: the answer's channel and the job's deadlines
//! (`deadline.rs`). Whoever acts on the job first, a slot taking it or the connection
//! withdrawing it, takes its payload (`Parcel`): a withdrawn job's body and upload
//! files are freed at once, though its entry stays in the queue until a slot skips it.

use std::sync::Arc;

use bytes::Bytes;
use parking_lot::Mutex;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use super::deadline::Deadline;
use super::upload::TempFiles;
use crate::ipc::{Header, ToWorker};

/// What the worker gets for a job, and the files it may move.
#[derive(Debug)]
pub struct Payload {
    /// `Request` (the application), `Open` (a WebSocket handshake) or `PortRequest` (an
    /// extra port's Http handler), with the request's whole body.
    pub frame: ToWorker,
    /// Spooled upload files, removed when the payload is dropped.
    pub uploads: TempFiles,
}

/// A job's payload, reached by the queue's entry and by the connection waiting for it:
/// the first to act on the job takes it, so a job withdrawn while it waits in a queue
/// frees its body and removes its upload files at once, not when a worker would have
/// popped it.
type Parcel = Arc<Mutex<Option<Payload>>>;

/// A request waiting for, or being handled by, a worker.
pub struct Job {
    /// Where the worker's answer goes, part by part.
    pub reply: mpsc::Sender<Reply>,
    /// The client connection, which `dispatch_mode` 2 keeps on one worker.
    pub connection: u64,
    /// Who holds the job, and when its answer is due (`max_request_time`).
    pub deadline: Deadline,
    /// What the worker gets; empty once the job is taken or withdrawn.
    parcel: Parcel,
}

impl Job {
    /// A job for `frame` from connection `connection`, queued now with `deadline`, and
    /// the ticket its connection waits on.
    pub fn new(frame: ToWorker, connection: u64, uploads: TempFiles, deadline: Deadline) -> (Job, Ticket) {
        let (reply, replies) = mpsc::channel(16);
        let parcel = Arc::new(Mutex::new(Some(Payload { frame, uploads })));
        let place = Withdraw { deadline: deadline.clone(), parcel: parcel.clone() };
        (Job { reply, connection, deadline, parcel }, Ticket { replies, place })
    }

    /// A slot takes the job and what its worker gets; `None` when it was withdrawn (its
    /// client has had its 503 or 504, or left), and its payload is gone already.
    pub fn take(&self) -> Option<Payload> {
        if self.reply.is_closed() || !self.deadline.take() {
            return None;
        }
        self.parcel.lock().take()
    }

    /// A slot whose worker could not read the job hands it back with its payload; true
    /// when it is to be queued again, false when its deadline passed meanwhile (the slot
    /// answers 504, and the payload is freed).
    pub fn put_back(&self, payload: Payload) -> bool {
        *self.parcel.lock() = Some(payload);
        if self.deadline.put_back() {
            return true;
        }
        let freed = self.parcel.lock().take();
        drop(freed);
        false
    }

    /// Whether the job still holds its payload (queued, not withdrawn).
    #[cfg(test)]
    pub fn holds_payload(&self) -> bool {
        self.parcel.lock().is_some()
    }
}

/// What a connection keeps of the job it queued. Dropped while the job is still queued
/// (hyper drops a request's future when its client closes the connection), it withdraws
/// the job, so no worker runs a request nobody waits for.
pub struct Ticket {
    replies: mpsc::Receiver<Reply>,
    place: Withdraw,
}

/// Withdraws a job still queued when its connection stops waiting for it.
struct Withdraw {
    deadline: Deadline,
    parcel: Parcel,
}

impl Withdraw {
    /// Withdraws the job if no slot has taken it, and frees its payload then; false
    /// when a slot has it (the slot answers).
    fn withdraw(&self) -> bool {
        if !self.deadline.withdraw() {
            return false;
        }
        let freed = self.parcel.lock().take();
        drop(freed);
        true
    }
}

impl Drop for Withdraw {
    fn drop(&mut self) {
        self.withdraw();
    }
}

impl Ticket {
    /// The first part of the answer. `Failed(Deadline)` when `max_request_time` passed
    /// with the job still queued, `Failed(QueueWait)` when `queue.max_wait_seconds` did
    /// (this connection withdraws it); once a slot has the job, whatever the slot answers,
    /// which is `Failed(Deadline)` too if its worker ran past the deadline. `None` when
    /// the job was dropped unanswered.
    pub async fn first(&mut self) -> Option<Reply> {
        let at = self.place.deadline.at();
        let mut wait_until = self.place.deadline.wait_until();
        loop {
            tokio::select! {
                biased;
                reply = self.replies.recv() => return reply,
                () = sleep_until(at) => {
                    if self.place.withdraw() {
                        return Some(Reply::Failed(Failure::Deadline));
                    }
                    return self.replies.recv().await;
                }
                () = sleep_until(wait_until) => {
                    if self.place.withdraw() {
                        return Some(Reply::Failed(Failure::QueueWait));
                    }
                    // A slot has it: only `max_request_time` bounds it from now on.
                    wait_until = None;
                }
            }
        }
    }

    /// The rest of the answer (a streamed body's chunks), after `first`.
    pub fn rest(self) -> mpsc::Receiver<Reply> {
        self.replies
    }
}

/// Sleeps until `at`; forever when there is no such time.
async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// The head of a worker's response.
#[derive(Debug)]
pub struct ReplyHead {
    /// The HTTP status code; one hyper cannot use becomes a 500.
    pub status: u16,
    /// A custom reason phrase; `None` sends the status code's standard one.
    pub reason: Option<String>,
    /// Response headers in the worker's order; repeated names are all sent.
    pub headers: Vec<Header>,
    /// The whole body when `complete`, else the first part (maybe empty).
    pub body: Bytes,
    /// Whether `body` is the whole body; else `Chunk`s follow until the worker ends it.
    pub complete: bool,
}

/// A part of the answer to a job, in order: one `Head`, then for streams `Chunk`s; or a
/// `Failed` status when no worker answered.
#[derive(Debug)]
pub enum Reply {
    /// The status, headers and first body bytes of the worker's response.
    Head(ReplyHead),
    /// The next part of a streamed body.
    Chunk(Bytes),
    /// No worker answered: the master answers 502 or 504 (or cuts a started stream).
    Failed(Failure),
}

/// Why a job got no answer from PHP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The worker died while handling the request (502).
    WorkerLost,
    /// The request ran past `max_request_time` (504).
    Deadline,
    /// The request waited for a worker longer than `queue.max_wait_seconds` (503).
    QueueWait,
}

/// An event for a handler (a WebSocket message or close, a TCP port's connect, receive,
/// buffer and close, a UDP datagram) and who waits for the handler to finish it (the
/// connection reads its next message only then, so messages reach the handler in order).
#[derive(Debug)]
pub struct EventJob {
    /// The connection; for a UDP packet, a number derived from the sender's address, so
    /// `dispatch_mode` 2 keeps one sender on one worker.
    pub fd: u64,
    /// What the worker gets: `Frame`, `Close`, `Connect`, `Receive`, `Buffer` or `Packet`.
    pub frame: ToWorker,
    /// Dropped unsent if the worker died: the waiter goes on either way.
    pub done: oneshot::Sender<()>,
}
