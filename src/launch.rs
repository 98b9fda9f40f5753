//! Starting the server: daemonize, pid file, the manager fork, then the master's reactor.
//!
//! `launch` returns in every process it creates, each with its `Role`, so the caller (the
//! PHP binding) can go on as that role: a worker boots the application and serves.
//!
//! ```text
//! php bin/laravels start
//!   └─ master (tokio threads, sockets)          Role::Master when it stops
//!        └─ manager (one thread, forks)         Role::Manager when it stops
//!             ├─ worker #0 (PHP, the app)       Role::Worker right after its fork,
//!             └─ worker #1 ...                  with its ProcessRole (HTTP, task, timer, custom)
//! ```

use std::io::{Read, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::net::UnixListener;
use std::time::Duration;

use nix::sys::signal::Signal;

use crate::clients::Clients;
use crate::config::{ServerConfig, ServingMode};
use crate::error::StartError;
use crate::ipc::address;
use crate::log;
use crate::pool::process::{self, fork_process, Forked};
use crate::pool::{ProcessLayout, ProcessRole, Supervisor, SupervisorExit, WorkerFailure};
use crate::reactor::sockets::ExtraPort;
use crate::reactor::{self, Listener, MasterParts};
use std::sync::Arc;

/// What the current process is after `launch` returns in it.
#[derive(Debug, PartialEq, Eq)]
pub enum Role {
    /// A new child of the manager: boot the application, connect to `socket`, serve as
    /// `process` says (`worker_id` is its process id, which `process` was decoded from).
    Worker {
        /// The process id (Swoole's `$workerId`), 0 .. the layout's length.
        worker_id: u32,
        /// What this child is: HTTP worker, task worker, timer or custom process.
        process: ProcessRole,
        /// The master's abstract worker socket name, which `WorkerLink::connect` dials.
        socket: String,
        /// The master's pid, reported to PHP as `master_pid`.
        master_pid: u32,
        /// The manager's pid, reported to PHP as `manager_pid`.
        manager_pid: u32,
    },
    /// The manager after all workers stopped.
    Manager {
        /// 0 after a stop; `boot::GAVE_UP_STATUS` when no worker could boot.
        exit_code: i32,
    },
    /// Forked by the manager to run `WorkerError` handlers for a worker that failed.
    WorkerError(WorkerFailure),
    /// The master after the server stopped.
    Master {
        /// The status the master process exits with: 0 after a signal's stop, 1 when it
        /// could not serve (reactor, signals, a socket) or the manager died.
        exit_code: i32,
    },
    /// The process that started a daemonized server, after it is up (or failed).
    Launcher {
        /// 0 once the daemon reported it is ready, 1 when it never did.
        exit_code: i32,
    },
}

/// Process titles, set through whatever the binding offers.
pub trait Titles {
    /// Sets this process's title as `ps` shows it (`laravels: manager process`, ...).
    fn set(&self, title: &str);
}

/// Starts the server from the bound `listener` and `extra` ports: daemonizes if asked,
/// writes the pid file, forks the manager, then runs the master's reactor until it stops.
/// Returns in every process it creates, with that process's `Role`.
pub fn launch(config: ServerConfig, listener: Listener, extra: Vec<ExtraPort>, titles: &dyn Titles) -> Result<Role, StartError> {
    let mut ready_pipe = None;
    if config.daemonize {
        let (read, write) = nix::unistd::pipe().map_err(|e| StartError::Fork(e.into()))?;
        match fork_process().map_err(StartError::Fork)? {
            Forked::Parent(_) => {
                drop(write);
                return Ok(Role::Launcher { exit_code: wait_for_daemon(read) });
            }
            Forked::Child => {
                drop(read);
                let _ = nix::unistd::setsid();
                redirect_stdio(&config);
                ready_pipe = Some(write);
            }
        }
    }

    let master_pid = std::process::id();
    write_pid_file(&config, master_pid)?;
    let socket = address::name_for(master_pid, listener.port());
    let ipc = UnixListener::bind_addr(&address::socket_addr(&socket).map_err(StartError::Ipc)?).map_err(StartError::Ipc)?;
    ipc.set_nonblocking(true).map_err(StartError::Ipc)?;
    // Mapped before the fork so the master and every worker share it.
    let clients = Arc::new(Clients::new(config.max_connection).map_err(|source| StartError::Clients { max_connection: config.max_connection, source })?);
    Clients::install(clients.clone());
    crate::cluster::install(config.cluster.as_ref()).map_err(StartError::Cluster)?;
    crate::ipc::doorbell::install().map_err(StartError::Doorbell)?;
    crate::pool::boot::install(ProcessLayout::of(&config).len() as usize).map_err(StartError::BootBoard)?;
    crate::pool::receipts::install(ProcessLayout::of(&config).len() as usize).map_err(StartError::ReceiptBoard)?;
    if config.metrics.path.is_some() {
        // One set of counters for the master and every front (`serving_mode` worker).
        crate::metrics::install().map_err(StartError::Metrics)?;
    }
    let mut handover = None;
    if config.serving_mode == ServingMode::Worker {
        crate::front::board::install(config.worker_num as usize).map_err(StartError::FrontBoard)?;
        handover = Some(reactor::handover::bind(master_pid).map_err(StartError::Ipc)?);
    }

    let manager = match fork_process().map_err(StartError::Fork)? {
        Forked::Child => {
            if let Some(metrics) = &listener.metrics {
                process::close_fd(std::os::fd::AsRawFd::as_raw_fd(metrics));
            }
            // In `serving_mode` worker the HTTP workers accept on the main socket: the
            // manager keeps it for every worker it forks.
            let main_port = match config.serving_mode {
                ServingMode::Worker => Some(listener),
                ServingMode::Master => {
                    process::close_fd(listener.raw_fd());
                    std::mem::forget(listener);
                    None
                }
            };
            process::close_fd(ipc.as_raw_fd());
            if let Some(socket) = handover {
                process::close_fd(socket.as_raw_fd());
                std::mem::forget(socket);
            }
            for port in extra {
                process::close_fd(port.raw_fd());
                std::mem::forget(port);
            }
            std::mem::forget(ipc);
            drop(ready_pipe);
            return Ok(run_manager(&config, main_port, socket, master_pid, titles));
        }
        Forked::Parent(pid) => pid,
    };

    let pid_file = config.pid_file.clone();
    let on_ready: Box<dyn FnOnce(String) + Send> = match ready_pipe {
        Some(pipe) => Box::new(move |table: String| {
            let mut f = std::fs::File::from(pipe);
            let _ = f.write_all(table.as_bytes());
        }),
        None => Box::new(|table: String| {
            let _ = std::io::stdout().write_all(table.as_bytes());
            let _ = std::io::stdout().flush();
        }),
    };
    let exit_code = reactor::run(config, MasterParts { listener, ipc, manager: Some(manager), on_ready, clients, extra, handover });
    let _ = std::fs::remove_file(&pid_file);
    Ok(Role::Master { exit_code })
}

/// The manager's whole life; returns in each forked worker too.
fn run_manager(config: &ServerConfig, main_port: Option<Listener>, socket: String, master_pid: u32, titles: &dyn Titles) -> Role {
    process::reset_signals();
    process::ignore(Signal::SIGPIPE);
    process::own_process_group();
    process::die_with_parent(Signal::SIGTERM);
    titles.set("laravels: manager process");
    let manager_pid = std::process::id();
    let grace = config.max_wait_time + Duration::from_secs(1);
    let layout = ProcessLayout::of(config);
    // Only custom processes have restart delays; the others use the quick-death pause.
    let delays: Vec<Option<Duration>> = layout
        .roles()
        .map(|(_, role)| match role {
            ProcessRole::Custom { process, .. } => Some(config.processes[process].restart_interval),
            _ => None,
        })
        .collect();
    match Supervisor::new(layout.len(), config.worker_num, grace, config.report_worker_errors, delays).run() {
        Ok(SupervisorExit::BecomeWorker { worker_id }) => {
            let process = layout.role(worker_id).expect("the supervisor forks the ids of the layout only");
            process::reset_signals();
            process::ignore(Signal::SIGPIPE);
            // The master decides when workers stop; a terminal's Ctrl-C must not cut a
            // request in half.
            process::ignore(Signal::SIGINT);
            process::die_with_parent(Signal::SIGTERM);
            if let Some(listener) = main_port {
                if matches!(process, ProcessRole::Http { .. }) {
                    crate::front::prepare(config.clone(), listener, worker_id, master_pid);
                } else {
                    process::close_fd(listener.raw_fd());
                    std::mem::forget(listener);
                }
            }
            Role::Worker { worker_id, process, socket, master_pid, manager_pid }
        }
        Ok(SupervisorExit::ReportWorkerError(failure)) => {
            process::reset_signals();
            process::die_with_parent(Signal::SIGTERM);
            Role::WorkerError(failure)
        }
        Ok(SupervisorExit::Stopped) => Role::Manager { exit_code: 0 },
        Ok(SupervisorExit::GaveUp) => Role::Manager { exit_code: crate::pool::boot::GAVE_UP_STATUS },
        Err(e) => {
            log::line("manager", &format!("stopped on an error: {e}"));
            Role::Manager { exit_code: 1 }
        }
    }
}

fn write_pid_file(config: &ServerConfig, pid: u32) -> Result<(), StartError> {
    let path = &config.pid_file;
    let err = |source| StartError::PidFile { path: path.display().to_string(), source };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    std::fs::write(path, format!("{pid}\n")).map_err(err)
}

/// A daemon writes to its log file; without one, its output is discarded.
fn redirect_stdio(config: &ServerConfig) {
    let null = std::fs::OpenOptions::new().read(true).write(true).open("/dev/null");
    let log = config.log_file.as_ref().and_then(|p| {
        if let Some(dir) = p.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        std::fs::OpenOptions::new().create(true).append(true).open(p).ok()
    });
    let null_fd = null.as_ref().ok().map(std::os::fd::AsRawFd::as_raw_fd);
    let out = log.as_ref().map(std::os::fd::AsRawFd::as_raw_fd).or(null_fd);
    // Taken before the redirection: what the launcher's caller holds open.
    let caller_input = caller_stream(0, null_fd);
    let caller_output = [caller_stream(1, null_fd), caller_stream(2, null_fd)];
    if let Some(null) = null_fd {
        let _ = nix::unistd::dup2(null, 0);
    }
    if let Some(fd) = out {
        let _ = nix::unistd::dup2(fd, 1);
        let _ = nix::unistd::dup2(fd, 2);
    }
    // PHP may hold copies of them too: Symfony's ConsoleOutput dup()s stdout, and Laravel
    // 9+ makes one for its dumper while booting, before this fork. A copy left alone keeps
    // the caller's pipe open (`bin/laravels start -d | cat` would never end) or the
    // terminal attached; it is pointed where the standard streams now go.
    for fd in open_fds().into_iter().filter(|&fd| fd > 2) {
        let Some(id) = stream_id(fd) else { continue };
        let target = if caller_output.contains(&Some(id)) {
            out
        } else if caller_input == Some(id) {
            null_fd
        } else {
            None
        };
        if let Some(target) = target.filter(|&t| t != fd) {
            let _ = nix::unistd::dup2(target, fd);
        }
    }
}

/// Device and inode of an open pipe, socket or terminal.
fn stream_id(fd: std::os::fd::RawFd) -> Option<(libc::dev_t, libc::ino_t)> {
    let st = nix::sys::stat::fstat(fd).ok()?;
    let kind = st.st_mode & libc::S_IFMT;
    [libc::S_IFIFO, libc::S_IFSOCK, libc::S_IFCHR].contains(&kind).then_some((st.st_dev, st.st_ino))
}

/// The stream standard fd `fd` is, unless it is /dev/null (whose copies are harmless).
fn caller_stream(fd: std::os::fd::RawFd, null: Option<std::os::fd::RawFd>) -> Option<(libc::dev_t, libc::ino_t)> {
    let id = stream_id(fd)?;
    (null.and_then(stream_id) != Some(id)).then_some(id)
}

fn open_fds() -> Vec<std::os::fd::RawFd> {
    let Ok(dir) = std::fs::read_dir("/proc/self/fd") else { return Vec::new() };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok()).collect()
}

/// The launcher prints what the daemon reports once it is ready; no report means the
/// daemon failed to start (its reasons are in the log file).
fn wait_for_daemon(read: OwnedFd) -> i32 {
    let mut f = std::fs::File::from(read);
    let mut text = String::new();
    let _ = f.read_to_string(&mut text);
    if text.is_empty() {
        eprintln!("the server did not start; see the log file (laravels.swoole.log_file)");
        1
    } else {
        print!("{text}");
        let _ = std::io::stdout().flush();
        0
    }
}
