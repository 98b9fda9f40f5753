//! `serving_mode` worker: an HTTP worker's own front. The worker accepts connections on
//! the main socket it inherited from the master (every HTTP worker holds the same one,
//! and whichever is free takes the next connection), speaks HTTP on a thread of its own
//! with the master's code (`reactor::accept_clients`, `reactor::http`: limits, static
//! files, strict HTTP, health), and hands each request to its PHP thread in memory.
//! The master keeps the control socket, tasks, timers, tables and reloads; the worker's
//! link to it (`pool::worker`) carries those as in master mode.
//!
//! # Layout
//! - this file: the front's thread and runtime, the relay that hands requests over one
//!   at a time and enforces `max_request_time`, and the stop.
//! - `handoff.rs`: the inbox between the front and the PHP thread, and its wake-up.

mod handoff;

pub use handoff::{Handed, Inbox, Woken};

use std::sync::Arc;
use std::time::Duration;

use hyper_util::server::graceful::GracefulShutdown;
use parking_lot::Mutex;
use tokio::sync::oneshot;

use crate::clients::Clients;
use crate::config::ServerConfig;
use crate::log;
use crate::reactor::dispatch::Work;
use crate::reactor::job::{Failure, Reply};
use crate::reactor::{Listener, Shared};

/// What a freshly forked HTTP worker serves once its application is booted.
struct Pending {
    config: ServerConfig,
    listener: Listener,
    worker_id: u32,
}

static PENDING: Mutex<Option<Pending>> = Mutex::new(None);

/// Remembers, in a worker just forked in `serving_mode` worker, the main socket and the
/// config its front serves with; `start` uses them once the application is booted.
pub fn prepare(config: ServerConfig, listener: Listener, worker_id: u32) {
    *PENDING.lock() = Some(Pending { config, listener, worker_id });
}

/// The PHP thread's handle on its front.
pub struct Front {
    /// Requests from the front, and the wake-up.
    pub inbox: Arc<Inbox>,
    /// How long a stop waits for the front's connections (`max_wait_time`).
    pub max_wait: Duration,
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
    Ok(Front { inbox, max_wait })
}

/// Accepts and serves connections until the PHP thread asks to stop, then lets the open
/// connections finish their requests (up to `max_wait_time`) and says it is done.
async fn serve(pending: Pending, inbox: Arc<Inbox>) {
    let Pending { config, listener, worker_id } = pending;
    let max_wait = config.max_wait_time;
    let Some(clients) = Clients::shared().cloned() else {
        log::line("worker", "the client list is missing; this worker cannot serve");
        inbox.finish();
        return;
    };
    let shared = Arc::new(Shared::new(config, clients, crate::reactor::sockets::UdpSockets::default()));
    // Readiness (`health`) counts this worker as booted: it is, since it serves.
    shared.workers.attach(worker_id, std::process::id());
    tokio::spawn(relay(shared.clone(), inbox.clone()));
    let graceful = GracefulShutdown::new();
    tokio::select! {
        () = crate::reactor::accept_clients(listener, shared.clone(), &graceful) => {}
        () = inbox.stop_asked() => {}
    }
    shared.drain.start();
    if tokio::time::timeout(max_wait, graceful.shutdown()).await.is_err() {
        log::line("worker", "max_wait_time passed; closing the remaining connections");
    }
    inbox.finish();
}

/// Hands the queued requests to the PHP thread one at a time, as a master's slot does
/// over a socket. Past a request's `max_request_time` its client gets 504 and the worker
/// ends itself, as the master's slot would kill it; the manager replaces it.
async fn relay(shared: Arc<Shared>, inbox: Arc<Inbox>) {
    let Some(queues) = shared.dispatcher.queues_for(0) else { return };
    loop {
        let Work::Request(job) = queues.next().await else { continue };
        // Dropped unanswered, its client gets 502: the PHP thread is ending.
        if inbox.aborting() {
            continue;
        }
        // Its client left while it was queued, or had its 503 or 504.
        let Some(payload) = job.take() else { continue };
        if job.deadline.is_past() {
            let _ = job.reply.try_send(Reply::Failed(Failure::Deadline));
            continue;
        }
        let (done, finished) = oneshot::channel();
        inbox.hand(Handed::new(payload, job.reply.clone(), done));
        let answered = if let Some(at) = job.deadline.at() {
            tokio::time::timeout_at(at, finished).await.is_ok()
        } else {
            let _ = finished.await;
            true
        };
        if !answered {
            log::line("worker", &format!("pid {} passed max_request_time; answering 504 and ending this worker", std::process::id()));
            let _ = job.reply.try_send(Reply::Failed(Failure::Deadline));
            // Long enough for hyper to write the 504 on this runtime.
            tokio::time::sleep(Duration::from_millis(200)).await;
            let _ = nix::sys::signal::kill(nix::unistd::Pid::this(), nix::sys::signal::Signal::SIGKILL);
        }
    }
}
