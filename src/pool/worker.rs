//! The worker's end of the master connection: take a request, send its response.
//!
//! A worker serves one request at a time, so the link is a plain blocking socket.
//! `WorkerLink` tracks where the current response is (`Exchange`) and decides, when a
//! response ends, whether the worker retires (`max_request`, memory ceiling) so the
//! master learns it in the same frame and sends nothing more.
//!
//! # Layout
//! - this file: the link itself (its state, `Exchange`, `LinkError`), connecting, and
//!   writing a frame to the master.
//! - `recv.rs`: waiting for and reading the master's frames: the next job, input for an
//!   idle worker with timers, the timer's wait for `Stop`.
//! - `respond.rs`: ending an exchange: a whole or streamed response, an event, and the
//!   decision to retire that goes with it.
//! - `tasks.rs`: tasks: delivering them, `taskwait()`'s results, a task worker's results.
//! - `oneway.rs`: frames the master never answers (pushes, `sendMessage()`, UDP, ...).
//! - `front.rs`: `serving_mode` worker: requests from the worker's own HTTP front
//!   (`crate::front`) beside the master's frames.

use std::io::{self, BufReader, BufWriter, Write};
use std::os::unix::net::UnixStream;
use std::time::Duration;

use bytes::Bytes;

mod front;
mod oneway;
mod recv;
mod respond;
mod tasks;

use crate::ipc::{self, Retire, ToMaster, ToWorker};
use front::Local;

/// How long an idle worker polls for the next request before it blocks.
const SPIN: Duration = Duration::from_micros(50);

/// When a worker leaves after the response it is sending.
#[derive(Debug, Clone, Copy, Default)]
pub struct WorkerLimits {
    /// Leave after this many requests; 0 means never.
    pub max_request: u64,
    /// Leave once peak resident memory passes this many bytes.
    pub memory_limit: Option<u64>,
}

/// Where the current exchange with the master stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exchange {
    /// No request in hand.
    Idle,
    /// A request was taken; no byte of its response was sent.
    Received,
    /// The head of a streamed response was sent; chunks may follow.
    Streaming,
    /// A task is running; `task_done` ends it.
    Task,
    /// A task's `finish()` is running; `finish_done` ends it.
    Finish,
    /// The timer: no request in hand, but working on its own.
    Unprompted,
    /// A WebSocket message or close is being handled; `event_done` ends it.
    Event,
}

/// Why a call on the worker's link to the master failed.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// Reading or writing the master socket failed: the master is gone.
    #[error("lost the connection to the master: {0}")]
    Io(#[from] io::Error),
    /// A frame from the master did not decode.
    #[error("the master sent a malformed frame: {0}")]
    Decode(#[from] ipc::DecodeError),
    /// A response call while no request is in hand.
    #[error("no request is waiting for a response")]
    NoRequest,
    /// `respond` or `start_stream` after a streamed response's head went out.
    #[error("the response head was already sent")]
    HeadSent,
    /// A call for another exchange than the current one (say `task_done` during a request).
    #[error("this call does not fit what the worker is doing now")]
    WrongState,
    /// A frame the master should not send now, named.
    #[error("the master sent {0} out of turn")]
    Unexpected(&'static str),
}

/// A worker's blocking connection to the master: one exchange at a time, and the
/// `WorkerLimits` that decide when the worker retires.
pub struct WorkerLink {
    reader: BufReader<UnixStream>,
    writer: BufWriter<UnixStream>,
    /// This process's id (Swoole's `$workerId`), sent to the master in `Hello`.
    pub worker_id: u32,
    limits: WorkerLimits,
    served: u64,
    /// Requests read since connecting, the count `pool::receipts` publishes.
    taken: u32,
    exchange: Exchange,
    /// Set once the worker has told the master it leaves; `recv` then yields nothing.
    retiring: bool,
    /// Why it retires, once the exchange that decided it finished.
    why: Retire,
    /// Set when the process is ending whatever the limits say.
    leaving: bool,
    /// Results of waited-for tasks that came while waiting for something else.
    results: Vec<(u64, Option<Bytes>)>,
    /// A job the master sent while this worker, idle, waited for the answer to a task
    /// it delivered from a timer: `recv` hands it out next.
    stashed: Option<ToWorker>,
    /// Its own HTTP front (`serving_mode` worker; `src/front/`), and the request of it in
    /// hand, whose answer goes there instead of to the master.
    local: Option<Local>,
}

impl WorkerLink {
    /// Connects to the master's worker socket and introduces this worker.
    pub fn connect(socket_name: &str, worker_id: u32, limits: WorkerLimits) -> Result<Self, LinkError> {
        let stream = UnixStream::connect_addr(&ipc::address::socket_addr(socket_name)?)?;
        let mut link = WorkerLink {
            reader: BufReader::with_capacity(64 * 1024, stream.try_clone()?),
            writer: BufWriter::with_capacity(64 * 1024, stream),
            worker_id,
            limits,
            served: 0,
            taken: 0,
            exchange: Exchange::Idle,
            retiring: false,
            why: Retire::Stays,
            leaving: false,
            results: Vec::new(),
            stashed: None,
            local: None,
        };
        if let Some(board) = super::receipts::board() {
            board.record(worker_id, std::process::id(), 0);
        }
        link.send(&ToMaster::Hello { worker_id, pid: std::process::id(), forked_at: super::process::forked_at() })?;
        super::boot::mark_booted(worker_id);
        // `serving_mode` worker: from here this worker accepts its own connections.
        if let Some(front) = crate::front::start() {
            link.local = Some(Local { front: front?, handed: None, draining: false, master_gone: false });
        }
        Ok(link)
    }

    /// Where the current exchange stands; PHP reads it as the worker's state.
    pub fn exchange(&self) -> Exchange {
        self.exchange
    }

    /// Exchanges finished so far (responses, tasks, `finish()` runs, events), the count
    /// `max_request` is checked against.
    pub fn served(&self) -> u64 {
        self.served
    }

    fn expect(&self, state: Exchange) -> Result<(), LinkError> {
        match (self.exchange, state) {
            (a, b) if a == b => Ok(()),
            (Exchange::Idle, _) => Err(LinkError::NoRequest),
            (Exchange::Streaming, Exchange::Received) => Err(LinkError::HeadSent),
            _ => Err(LinkError::WrongState),
        }
    }

    fn send(&mut self, msg: &ToMaster) -> Result<(), LinkError> {
        self.writer.write_all(&ipc::encode_to_master(msg))?;
        self.writer.flush()?;
        ipc::doorbell::ring();
        Ok(())
    }
}
