//! What a connection hands a worker, and the answer it gets back.
//!
//! A job carries the frame the worker will read, built once where the request or event
//! is read (`http.rs`, `websocket/`, `sockets/`): the slot writes it as it is, and puts
//! the job back in the queue unchanged if the worker died before it could read it. The
//! connection keeps a `Ticket`: the answer's channel and the job's deadlines
//! (`deadline.rs`).

use bytes::Bytes;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use super::deadline::Deadline;
use super::upload::TempFiles;
use crate::ipc::{Header, ToWorker};

/// A request waiting for, or being handled by, a worker.
pub struct Job {
    /// What the worker gets: `Request` (the application), `Open` (a WebSocket handshake)
    /// or `PortRequest` (an extra port's Http handler).
    pub frame: ToWorker,
    /// Spooled upload files, removed when the job is dropped.
    pub uploads: TempFiles,
    /// Where the worker's answer goes, part by part.
    pub reply: mpsc::Sender<Reply>,
    /// The client connection, which `dispatch_mode` 2 keeps on one worker.
    pub connection: u64,
    /// Who holds the job, and when its answer is due (`max_request_time`).
    pub deadline: Deadline,
}

impl Job {
    /// A job for `frame` from connection `connection`, queued now with `deadline`, and
    /// the ticket its connection waits on.
    pub fn new(frame: ToWorker, connection: u64, uploads: TempFiles, deadline: Deadline) -> (Job, Ticket) {
        let (reply, replies) = mpsc::channel(16);
        (Job { frame, uploads, reply, connection, deadline: deadline.clone() }, Ticket { replies, place: Withdraw(deadline) })
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
struct Withdraw(Deadline);

impl Drop for Withdraw {
    fn drop(&mut self) {
        self.0.withdraw();
    }
}

impl Ticket {
    /// The first part of the answer. `Failed(Deadline)` when `max_request_time` passed
    /// with the job still queued, `Failed(QueueWait)` when `queue.max_wait_seconds` did
    /// (this connection withdraws it); once a slot has the job, whatever the slot answers,
    /// which is `Failed(Deadline)` too if its worker ran past the deadline. `None` when
    /// the job was dropped unanswered.
    pub async fn first(&mut self) -> Option<Reply> {
        let place = self.place.0.clone();
        let mut wait_until = place.wait_until();
        loop {
            tokio::select! {
                biased;
                reply = self.replies.recv() => return reply,
                () = sleep_until(place.at()) => {
                    if place.withdraw() {
                        return Some(Reply::Failed(Failure::Deadline));
                    }
                    return self.replies.recv().await;
                }
                () = sleep_until(wait_until) => {
                    if place.withdraw() {
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
