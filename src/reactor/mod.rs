//! The master: it owns every client socket and speaks HTTP, on tokio threads that never
//! hold a zval.
//!
//! # Layout
//! - `listener.rs`: binds the main socket (TCP or unix) before any fork.
//! - `accept.rs`: the accept loop, and each connection served on its own task.
//! - `tls.rs`: the port's certificate and key, and each connection's TLS handshake.
//! - `http.rs`: one request in, one response out; limits and errors answered here.
//! - `strict.rs`: RFC 9112's Host rules and case-sensitive methods, checked first.
//! - `timeouts.rs`: the header timeout (408) and idle keep-alive timeout of HTTP/1.x.
//! - `forwarded.rs`: a trusted proxy's X-Real-IP, Scheme ... headers.
//! - `health.rs`: liveness and readiness answers (`health`), and the stop's drain flag.
//! - `fallback.rs`: `serving_mode` worker: the master serves the main port while no
//!   worker's front does.
//! - `handover.rs`: `serving_mode` worker: a front hands the master the connections only
//!   it serves (WebSocket, Pusher, metrics); the master serves them from there.
//! - `metrics.rs`: the master's Prometheus metrics (`metrics`), on a path or a port of their own.
//! - `static_files.rs`: `handle_static` without a worker, inside the document root only.
//! - `job.rs`: what a connection hands a worker (its frame, built once) and the answer.
//! - `deadline.rs`: `max_request_time` and `queue.max_wait_seconds`, per job, and who acts on them.
//! - `overload.rs`: the 503 + `Retry-After` of the overload policy (`queue`).
//! - `dispatch.rs`: the queues that carry jobs to HTTP workers (`dispatch_mode`).
//! - `slot/`: one worker connection per child of the manager: an HTTP worker's
//!   (`http.rs`), a task worker's and the task queue (`task.rs`), the timer's and the
//!   custom processes' (`timer.rs`).
//! - `push.rs`: the one-way frames any process sends (push, send, sendto, close).
//! - `fanout.rs`: pushes to many connections (`pushAll`, `pushToUid`), and what other
//!   instances publish for this one (`websocket.cluster`).
//! - `workers.rs`: which worker pids are connected, and what each is doing.
//! - `status.rs`: the status document `bin/laravels status` asks for.
//! - `spin.rs`: a reactor thread waits briefly for a worker's answer before it sleeps.
//! - `upload.rs`: multipart bodies parsed as they arrive, files spooled to disk.
//! - `body.rs`: the response body, whole or streamed.
//! - `compress.rs`: gzip for `http_compression`.
//! - `trim.rs`: gives the memory of closed connections back to the system (`malloc_trim`).
//! - `control.rs`: commands to the master (stop, reload) from signals, and the stop sequence.
//! - `websocket/`: upgrades, WebSocket connections, and pushes from any process.
//! - `sockets/`: the extra ports of `sockets` (TCP with framing, UDP, HTTP, WebSocket).

pub mod accept;
pub mod body;
pub mod compress;
pub mod control;
pub mod deadline;
pub mod dispatch;
pub mod fallback;
pub mod fanout;
pub mod forwarded;
pub mod handover;
pub mod health;
pub mod http;
pub mod job;
pub mod listener;
pub mod metrics;
pub mod overload;
pub mod push;
pub mod slot;
pub mod sockets;
pub mod spin;
pub mod static_files;
pub mod status;
pub mod strict;
pub mod timeouts;
pub mod tls;
pub mod trim;
pub mod upload;
pub mod websocket;
pub mod workers;

use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use hyper::header::HeaderValue;
use hyper_util::server::graceful::GracefulShutdown;
use nix::unistd::Pid;
use std::fmt::Write;
use tokio::sync::{mpsc, watch, Semaphore};

use crate::clients::Clients;
use crate::config::{ServerConfig, ServingMode};
use crate::log;
use crate::pool::{ProcessLayout, ProcessRole};
pub(crate) use accept::{accept_clients, connection_builder, refused_over_limit, spawn_connection, AcceptGate};
pub use control::Command;
use dispatch::Dispatcher;
pub use listener::{Listener, Socket};
use static_files::Statics;
use workers::Workers;

/// State every task of the master shares.
pub struct Shared {
    /// The parsed `config('laravels')`.
    pub config: ServerConfig,
    /// What each connecting process is, by its id.
    pub layout: ProcessLayout,
    /// The queues that carry requests and events to the HTTP workers.
    pub dispatcher: Dispatcher,
    /// The task queue, for every process that delivers tasks (`slot/task.rs`).
    pub tasks: slot::TaskQueue,
    /// The pid connected in each process id, for the ready table and reload lines.
    pub workers: Workers,
    /// `document_root` and its file cache, for `handle_static`.
    pub statics: Statics,
    /// The `Server` header added to responses without one (`laravels.server`); `None`
    /// when that is empty.
    pub server_header: Option<HeaderValue>,
    /// Set when the server stops (not reloads): custom processes get SIGTERM, not SIGUSR1.
    pub stopping: std::sync::atomic::AtomicBool,
    /// Set when a stop begins: readiness answers 503 (`health.drain_seconds`).
    pub drain: health::Drain,
    /// WebSocket connections and their outgoing queues.
    pub sockets: websocket::Registry,
    /// The Pusher app and its channels (`websocket.pusher`); `None` when it is off.
    pub pusher: Option<websocket::pusher::Pusher>,
    /// The client list in shared memory, which every process reads.
    pub clients: Arc<Clients>,
    /// The first connection number of this instance (`cluster::fd::first`); `mint_fd`
    /// counts up from it.
    fd_base: u64,
    /// The Redis link to the other instances (`websocket.cluster`); unset when it is off.
    pub cluster: std::sync::OnceLock<crate::cluster::Link>,
    /// `max_connection`, shared by all ports.
    pub connection_limit: Arc<Semaphore>,
    /// The UDP sockets of extra ports, by port index, for `sendto`.
    pub udp: sockets::UdpSockets,
    /// Server spans and their export (`tracing`); `None` when tracing is off.
    pub tracer: Option<crate::trace::Tracer>,
    /// The counters of the metrics (`metrics`), in shared memory mapped before the fork:
    /// the master and every front count into the same ones; `None` when they are off.
    pub metrics: Option<&'static crate::metrics::Metrics>,
    /// When the master started serving, in Unix seconds.
    pub started_unix: u64,
    /// When the last reload began (`pool::process::monotonic_ns`; 0: none yet).
    pub reloaded_at: AtomicU64,
    /// When the last task-only reload (SIGUSR2) began, likewise.
    pub tasks_reloaded_at: AtomicU64,
    /// Whether to accept the next connection now; `None`: always (`serving_mode` worker's
    /// front shares the listening socket with the other workers).
    pub accept_gate: Option<Arc<dyn AcceptGate>>,
    /// Whose reactor this is: the master's, or an HTTP worker's front.
    pub role: Role,
}

/// Whose reactor a `Shared` serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The master: it serves every port (in `serving_mode` worker, the main port only
    /// while no front does, and what the fronts hand it).
    Master,
    /// An HTTP worker's front (`serving_mode` worker): it serves the main port's
    /// requests in its own process and hands the master, in process `master_pid`, the
    /// connections only the master serves (`handover.rs`).
    Front {
        /// The master's pid, which names its hand-over socket.
        master_pid: u32,
    },
}

impl Role {
    /// The master to hand connections to; `None` in the master itself.
    pub fn master_pid(self) -> Option<u32> {
        match self {
            Role::Master => None,
            Role::Front { master_pid } => Some(master_pid),
        }
    }

    /// Whether this is an HTTP worker's front.
    pub fn is_front(self) -> bool {
        matches!(self, Role::Front { .. })
    }
}

impl Shared {
    /// The next connection number (Swoole's `$fd`): unique across all ports and every
    /// process that accepts (the master, and the HTTP workers' fronts in `serving_mode`
    /// worker, through the shared client list), and across instances with
    /// `websocket.cluster` (`cluster::fd`).
    pub fn mint_fd(&self) -> u64 {
        self.fd_base + self.clients.mint()
    }

    /// The state of a reactor serving `config`: the master's, or an HTTP worker's own in
    /// `serving_mode` worker (`src/front/`). Starts the span exporter when tracing is on,
    /// so it is called on the runtime that serves.
    pub fn new(config: ServerConfig, clients: Arc<Clients>, udp: sockets::UdpSockets) -> Self {
        Shared {
            fd_base: crate::cluster::fd::first(config.cluster.as_ref().map(|c| c.node)),
            cluster: std::sync::OnceLock::new(),
            connection_limit: Arc::new(Semaphore::new(config.max_connection)),
            udp,
            dispatcher: Dispatcher::new(config.dispatch_mode, config.worker_num, config.queue.clone()),
            tasks: slot::TaskQueue::new(config.task_worker_num),
            layout: ProcessLayout::of(&config),
            workers: Workers::new(ProcessLayout::of(&config).len()),
            statics: Statics::new(&config.document_root),
            stopping: std::sync::atomic::AtomicBool::new(false),
            drain: health::Drain::default(),
            sockets: websocket::Registry::default(),
            pusher: config.pusher.clone().map(websocket::pusher::Pusher::new),
            clients,
            server_header: (!config.server_header.is_empty()).then(|| HeaderValue::from_str(&config.server_header).ok()).flatten(),
            tracer: crate::trace::Tracer::start_exporter(&config.tracing),
            metrics: config.metrics.path.is_some().then(metrics_store).flatten(),
            reloaded_at: AtomicU64::new(0),
            tasks_reloaded_at: AtomicU64::new(0),
            accept_gate: None,
            role: Role::Master,
            started_unix: std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs()),
            config,
        }
    }
}

/// The shared counters (`metrics::install`: mapped before the fork by `launch.rs`, so this
/// finds the master's mapping in a front); `None` when they cannot be mapped here.
fn metrics_store() -> Option<&'static crate::metrics::Metrics> {
    match crate::metrics::install() {
        Ok(metrics) => Some(metrics),
        Err(e) => {
            log::line("master", &format!("metrics are off: cannot map their counters: {e}"));
            None
        }
    }
}

/// What the master needs besides its config, all made before the fork.
pub struct MasterParts {
    /// The main port.
    pub listener: Listener,
    /// The worker socket every child of the manager connects to.
    pub ipc: std::os::unix::net::UnixListener,
    /// The manager process; `None` when workers are not forked by one (tests).
    pub manager: Option<Pid>,
    /// Called once, when every worker has connected for the first time, with a table of
    /// the server's processes.
    pub on_ready: Box<dyn FnOnce(String) + Send>,
    /// The shared client list, mapped before the fork.
    pub clients: Arc<Clients>,
    /// The extra ports of `sockets`, bound before the fork.
    pub extra: Vec<sockets::ExtraPort>,
    /// `serving_mode` worker: the socket the fronts hand connections over on.
    pub handover: Option<std::os::unix::net::UnixListener>,
}

/// Runs the master until it is stopped; returns the process exit code.
pub fn run(config: ServerConfig, parts: MasterParts) -> i32 {
    control::reset_inherited_handlers();
    let threads = config.reactor_num;
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder.worker_threads(threads).thread_name("laravels-reactor").enable_all();
    spin::hook(&mut builder, spin::install(config.reactor_spin));
    let runtime = builder.build();
    let runtime = match runtime {
        Ok(rt) => rt,
        Err(e) => {
            log::line("master", &format!("cannot start the reactor: {e}"));
            return 1;
        }
    };
    runtime.block_on(async {
        let manager = parts.manager.expect("a forked server has a manager");
        let (tx, commands) = mpsc::channel(8);
        crate::watch::start(&config.package.inotify_reload, tx.clone());
        match control::signal_commands(manager, tx) {
            Ok(()) => serve(config, parts, commands).await,
            Err(e) => {
                log::line("master", &format!("cannot install signal handlers: {e}"));
                1
            }
        }
    })
}

/// Serves until a `Command::Stop` arrives on `commands`; returns the exit code.
pub async fn serve(config: ServerConfig, mut parts: MasterParts, commands: mpsc::Receiver<Command>) -> i32 {
    let (extra, udp) = match sockets::adopt(std::mem::take(&mut parts.extra)) {
        Ok(adopted) => adopted,
        Err(e) => {
            log::line("master", &format!("cannot use an extra port: {e}"));
            return 1;
        }
    };
    let shared = Arc::new(Shared::new(config, parts.clients.clone(), udp));
    let (generation_tx, generation_rx) = watch::channel(control::Generations::default());

    let ipc = match tokio::net::UnixListener::from_std(parts.ipc) {
        Ok(l) => l,
        Err(e) => {
            log::line("master", &format!("cannot use the worker socket: {e}"));
            return 1;
        }
    };
    fanout::link(&shared);
    tokio::spawn(accept_workers(ipc, shared.clone(), generation_rx));
    tokio::spawn(report_ready(shared.clone(), parts.listener.describe(), parts.manager, parts.on_ready));
    tokio::spawn(trim::run(shared.clone()));
    if let Some(port) = parts.listener.metrics.take() {
        tokio::spawn(metrics::serve_port(port, shared.clone()));
    }

    let graceful = GracefulShutdown::new();
    // In `serving_mode` worker the HTTP workers accept on the main port (`src/front/`).
    let main_port = async {
        match shared.config.serving_mode {
            ServingMode::Master => accept_clients(parts.listener, shared.clone(), &graceful).await,
            ServingMode::Worker => {
                let handed = async {
                    match parts.handover.take() {
                        Some(socket) => handover::receive(socket, shared.clone(), &graceful).await,
                        None => std::future::pending().await,
                    }
                };
                tokio::join!(handed, fallback::serve_while_no_front(parts.listener, shared.clone(), &graceful));
            }
        }
    };
    let accepting = async {
        tokio::join!(main_port, sockets::serve(extra, shared.clone(), &graceful));
    };
    let code = control::run_until_stopped(accepting, commands, &shared, &generation_tx).await;
    control::drain_and_stop(graceful, &shared, generation_tx, parts.manager).await;
    code
}

async fn accept_workers(ipc: tokio::net::UnixListener, shared: Arc<Shared>, generation: watch::Receiver<control::Generations>) {
    loop {
        match ipc.accept().await {
            Ok((stream, _)) => {
                tokio::spawn(slot::serve(stream, shared.clone(), generation.clone()));
            }
            Err(e) => log::line("master", &format!("worker socket accept failed: {e}")),
        }
    }
}

/// Waits for every worker to connect, then reports the process table once.
async fn report_ready(shared: Arc<Shared>, address: String, manager: Option<Pid>, on_ready: Box<dyn FnOnce(String) + Send>) {
    let all = shared.layout.len() as usize;
    while shared.workers.connected() < all {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    fallback::until_fronts_serve(&shared).await;
    let mut table = format!("laravels-rs {} listening on {address}\n", env!("CARGO_PKG_VERSION"));
    let _ = writeln!(table, "  {:<15} {:>8}", "master", std::process::id());
    if let Some(manager) = manager {
        let _ = writeln!(table, "  {:<15} {:>8}", "manager", manager);
    }
    for (id, pid) in shared.workers.pids().iter().enumerate() {
        if let Some(pid) = pid {
            let role = match shared.layout.role(id as u32) {
                Some(ProcessRole::Http { .. }) => "worker",
                Some(ProcessRole::Timer) => "timer",
                Some(ProcessRole::Custom { .. }) => "process",
                Some(ProcessRole::Task { .. }) | None => "task worker",
            };
            let _ = writeln!(table, "  {:<15} {:>8}", format!("{role} #{id}"), pid);
        }
    }
    on_ready(table);
}
