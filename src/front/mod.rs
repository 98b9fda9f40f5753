//! `serving_mode` worker: an HTTP worker's own front. The worker accepts connections on
//! the main socket it inherited from the master (every HTTP worker holds the same one,
//! and whichever is free takes the next connection), speaks HTTP on a thread of its own
//! with the master's code (`reactor::accept_clients`, `reactor::http`: limits, static
//! files, strict HTTP, health), and hands each request to its PHP thread in memory.
//! The master keeps the control socket, tasks, timers, tables and reloads; the worker's
//! link to it (`pool::worker`) carries those as in master mode.
//!
//! A long request holds up only its own worker: past a moment (`board::HELD_UP_AFTER`)
//! the front stops accepting while another worker is free, and passes the requests its
//! other connections send to a free worker's front (`sibling.rs`), which runs them and
//! sends the answers back. The same path takes the waiting requests of a worker that is
//! ending on a fatal error.
//!
//! # Layout
//! - this file: the front's thread and runtime, and the stop.
//! - `relay.rs`: hands requests to the PHP thread one at a time, forwards the waiting
//!   ones while it is held up, enforces `max_request_time`.
//! - `handoff.rs`: the inbox between the front and the PHP thread, and its wake-up.
//! - `board.rs`: each worker's state in shared memory, for the others to read.
//! - `gate.rs`: when the front accepts: its share of the connections, not while held up.
//! - `sibling.rs`: the socket between two fronts, offering and taking requests.

pub mod board;
mod gate;
mod handoff;
mod relay;
mod sibling;

pub use handoff::{Handed, Inbox, Woken};

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use hyper_util::server::graceful::GracefulShutdown;
use parking_lot::Mutex;

use crate::clients::Clients;
use crate::config::ServerConfig;
use crate::log;
use crate::reactor::{Listener, Shared};

/// What a freshly forked HTTP worker serves once its application is booted.
struct Pending {
    config: ServerConfig,
    listener: Listener,
    worker_id: u32,
    /// Whose hand-over socket takes the connections only the master serves.
    master_pid: u32,
}

static PENDING: Mutex<Option<Pending>> = Mutex::new(None);

/// How long a stopping front lets its keep-alive connections send one more request (to
/// be answered with `Connection: close`) before it closes those still idle.
const CLOSE_AFTER_NEXT: Duration = Duration::from_secs(1);

/// Remembers, in a worker just forked in `serving_mode` worker, the main socket and the
/// config its front serves with; `start` uses them once the application is booted.
pub fn prepare(config: ServerConfig, listener: Listener, worker_id: u32, master_pid: u32) {
    *PENDING.lock() = Some(Pending { config, listener, worker_id, master_pid });
}

/// The PHP thread's handle on its front.
pub struct Front {
    /// Requests from the front, and the wake-up.
    pub inbox: Arc<Inbox>,
    /// How long a stop waits for the front's connections (`max_wait_time`).
    pub max_wait: Duration,
    /// The CPUs this process may run on.
    cpus: usize,
}

impl Front {
    /// Whether the PHP thread, out of work, may watch its inbox for a moment before it
    /// sleeps (`pool::worker`): only while each serving worker's two threads (its front
    /// and its PHP thread) can have a CPU each. With fewer CPUs, a spinning PHP thread
    /// takes the CPU that a front or another PHP thread needs at that moment (measured
    /// in docs/benchmarks.md: with 2 workers on 2 CPUs, the plain handler served twice the
    /// requests without the spin; with 1 worker, less than half without it).
    pub fn may_spin(&self) -> bool {
        2 * board::shared().map_or(1, board::Board::present).max(1) <= self.cpus
    }
}

/// Starts the front prepared for this worker, if any: `None` in `serving_mode` master
/// and in every other process.
pub fn start() -> Option<std::io::Result<Front>> {
    let pending = PENDING.lock().take()?;
    Some(spawn(pending))
}

fn spawn(pending: Pending) -> std::io::Result<Front> {
    let inbox = Arc::new(Inbox::new()?);
    let max_wait = pending.config.max_wait_time;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let theirs = inbox.clone();
    std::thread::Builder::new().name("laravels-front".into()).spawn(move || {
        // Signals are the PHP thread's: PHP's handlers and the worker's own settings.
        let _ = nix::sys::signal::pthread_sigmask(nix::sys::signal::SigmaskHow::SIG_BLOCK, Some(&nix::sys::signal::SigSet::all()), None);
        runtime.block_on(serve(pending, theirs));
    })?;
    let cpus = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    Ok(Front { inbox, max_wait, cpus })
}

/// Accepts and serves connections until the PHP thread asks to stop, then lets the open
/// connections finish their requests (up to `max_wait_time`) and says it is done.
async fn serve(pending: Pending, inbox: Arc<Inbox>) {
    let Pending { mut config, listener, worker_id, master_pid } = pending;
    // The front's own queue has one PHP thread to feed; `dispatch_mode` is the master's,
    // for what it dispatches (WebSocket and extra-port events).
    config.dispatch_mode = crate::config::DispatchMode::Idle;
    let max_wait = config.max_wait_time;
    let Some(clients) = Clients::shared().cloned() else {
        log::line("worker", "the client list is missing; this worker cannot serve");
        inbox.finish();
        return;
    };
    let mut shared = Shared::new(config, clients, crate::reactor::sockets::UdpSockets::default());
    let board = board::shared();
    let gate = board.map(|board| Arc::new(gate::Gate::new(worker_id, board)));
    shared.accept_gate = gate.clone().map(|g| g as Arc<dyn crate::reactor::AcceptGate>);
    // WebSocket, Pusher and metrics requests go to the master with their connection.
    shared.role = crate::reactor::Role::Front { master_pid };
    let shared = Arc::new(shared);
    // Readiness (`health`) counts this worker as booted: it is, since it serves.
    shared.workers.attach(worker_id, std::process::id());
    let leaving = Arc::new(AtomicBool::new(false));
    // Without its socket this front neither takes nor offers requests (no board entry).
    let board = board.filter(|&board| match sibling::bind() {
        Ok(socket) => {
            let taker = sibling::Taker { me: worker_id, board, shared: shared.clone(), leaving: leaving.clone() };
            tokio::spawn(sibling::listen(socket, Arc::new(taker)));
            true
        }
        Err(e) => {
            log::line("worker", &format!("cannot listen for requests from the other workers: {e}"));
            false
        }
    });
    let relay = relay::Relay { shared: shared.clone(), inbox: inbox.clone(), me: worker_id, board, gate, leaving: leaving.clone() };
    tokio::spawn(relay.run());
    // The front's connections allocate in this thread's malloc arena: give the memory
    // of closed ones back, as the master does.
    tokio::spawn(crate::reactor::trim::run(shared.clone()));
    let graceful = GracefulShutdown::new();
    tokio::select! {
        () = crate::reactor::accept_clients(listener, shared.clone(), &graceful) => {}
        () = inbox.stop_asked() => {}
    }
    leaving.store(true, Ordering::SeqCst);
    if let Some(board) = board {
        board.clear(worker_id, std::process::id());
    }
    shared.drain.start();
    // Keep-alive connections get their next request answered with `Connection: close`
    // (`reactor::http`) for a moment before the idle ones are closed.
    let stopping = tokio::time::Instant::now();
    let (graced, closed_by) = (stopping + max_wait.min(CLOSE_AFTER_NEXT), stopping + max_wait);
    while graceful.count() > 0 && tokio::time::Instant::now() < graced {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    if tokio::time::timeout_at(closed_by, graceful.shutdown()).await.is_err() {
        log::line("worker", "max_wait_time passed; closing the remaining connections");
    }
    inbox.finish();
}
