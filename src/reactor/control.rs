//! Commands to the master (stop, reload), where they come from, and the stop sequence.
//!
//! In a real server the commands come from signals: SIGUSR1 reloads every worker, SIGUSR2
//! only the task workers (as Swoole's signals; `reload(true)` sends it), SIGTERM, SIGINT
//! and SIGQUIT stop, and the manager's death stops with exit code 1. Tests send the same
//! commands over a channel.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hyper_util::server::graceful::GracefulShutdown;
use nix::sys::signal::{kill, Signal};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::{mpsc, watch};

use super::Shared;
use crate::log;
use crate::pool::boot::GAVE_UP_STATUS;

/// How many reloads each kind of worker has seen: a slot's process must leave once the
/// count it watches moved (`slot::Generation`). Task workers watch both counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Generations {
    /// Reloads and the stop: every process leaves.
    pub all: u64,
    /// Task-only reloads: the task workers leave.
    pub tasks: u64,
}

impl Generations {
    /// The count a process watches: task workers leave on either kind of reload.
    pub fn watched(self, task_worker: bool) -> u64 {
        if task_worker {
            self.all + self.tasks
        } else {
            self.all
        }
    }
}

/// What the master is asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Replace every worker after its current request.
    Reload,
    /// Replace only the task workers (SIGUSR2, Swoole's `reload(true)`).
    ReloadTasks,
    /// Drain and stop; the master exits with `exit_code`.
    Stop {
        /// 0 when a signal asked for the stop.
        exit_code: i32,
    },
    /// The manager is gone: no worker can be replaced any more, so stop with exit code 1
    /// and let a supervisor start the server again.
    ManagerDied {
        /// It gave up because no worker could boot (it exited with
        /// `boot::GAVE_UP_STATUS`), rather than dying.
        gave_up: bool,
    },
}

/// PHP installs its own handlers for these at request start-up; a handler tokio chains to
/// would then re-raise and kill the process. Start from the defaults, and ignore SIGPIPE
/// so a client that hangs up is an error on its socket, not the end of the master.
pub fn reset_inherited_handlers() {
    crate::pool::process::reset_signals();
    crate::pool::process::ignore(Signal::SIGPIPE);
}

/// Turns the master's signals, and the manager's death, into commands on `tx` (the file
/// watcher of `inotify_reload` sends its reloads on a clone of it).
pub fn signal_commands(manager: Pid, tx: mpsc::Sender<Command>) -> std::io::Result<()> {
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut quit = signal(SignalKind::quit())?;
    let mut usr1 = signal(SignalKind::user_defined1())?;
    let mut usr2 = signal(SignalKind::user_defined2())?;
    let mut child = signal(SignalKind::child())?;
    tokio::spawn(async move {
        loop {
            let command = tokio::select! {
                _ = term.recv() => stop_by("SIGTERM"),
                _ = int.recv() => stop_by("SIGINT"),
                _ = quit.recv() => stop_by("SIGQUIT"),
                _ = usr1.recv() => Command::Reload,
                _ = usr2.recv() => Command::ReloadTasks,
                _ = child.recv() => match reap_children(manager) {
                    None => continue,
                    Some(status) => Command::ManagerDied { gave_up: status == Some(GAVE_UP_STATUS) },
                }
            };
            if tx.send(command).await.is_err() {
                return;
            }
        }
    });
    Ok(())
}

/// Reaps every child that ended: the manager, and any orphan re-parented to the master
/// (as PID 1 of a container, every orphan of the tree is; nothing else reaps them, and
/// they would stay zombies). The master runs no PHP after the fork, so no other code
/// waits for a child of its own. Returns the manager's exit status (`None` for a
/// signal) once it has ended, `None` while it runs.
#[allow(clippy::option_option, reason = "whether the manager ended, then how")]
fn reap_children(manager: Pid) -> Option<Option<i32>> {
    loop {
        match waitpid(Pid::from_raw(-1), Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::Exited(pid, status)) if pid == manager => return Some(Some(status)),
            Ok(WaitStatus::Signaled(pid, ..)) if pid == manager => return Some(None),
            // ECHILD: nothing left to wait for, the manager included.
            Err(nix::errno::Errno::ECHILD) => return Some(None),
            Ok(WaitStatus::StillAlive) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

fn stop_by(name: &str) -> Command {
    log::line("master", &format!("received {name}, stopping"));
    Command::Stop { exit_code: 0 }
}

/// Serves until told to stop; returns the exit code.
///
/// A stop turns readiness to 503 (`health.rs`) at once; with `health.drain_seconds`, the
/// listeners keep serving for that long before this returns, so a load balancer that
/// polls readiness takes the server out before it closes. A second stop ends the drain.
pub async fn run_until_stopped(
    accepting: impl Future<Output = ()>,
    mut commands: mpsc::Receiver<Command>,
    shared: &Shared,
    generation: &watch::Sender<Generations>,
) -> i32 {
    tokio::pin!(accepting);
    let drain_end = tokio::time::sleep(Duration::ZERO);
    tokio::pin!(drain_end);
    let mut draining: Option<i32> = None;
    loop {
        tokio::select! {
            () = &mut accepting => return 1,
            () = &mut drain_end, if draining.is_some() => {
                log::line("master", "drain period over; closing the listeners");
                return draining.unwrap_or(0);
            }
            command = commands.recv() => match command {
                Some(Command::Reload) => {
                    // Counted first: a slot leaves the count as soon as it told its worker
                    // to stop, which another reactor thread may do before this line.
                    let replaced = shared.workers.connected();
                    shared.reloaded_at.store(crate::pool::process::monotonic_ns(), std::sync::atomic::Ordering::SeqCst);
                    generation.send_modify(|g| g.all += 1);
                    log::line("master", &format!("reloading: {replaced} worker(s) finish their current request and are replaced"));
                }
                Some(Command::ReloadTasks) => {
                    let replaced = shared.config.task_worker_num;
                    shared.tasks_reloaded_at.store(crate::pool::process::monotonic_ns(), std::sync::atomic::Ordering::SeqCst);
                    generation.send_modify(|g| g.tasks += 1);
                    log::line("master", &format!("reloading the task workers: {replaced} task worker(s) finish their current task and are replaced"));
                }
                Some(Command::Stop { exit_code }) => {
                    shared.drain.start();
                    // `serving_mode` worker: the fronts answer readiness.
                    if let Some(board) = crate::front::board::shared() {
                        board.start_drain();
                    }
                    let drain = shared.config.health.drain;
                    if drain.is_zero() || draining.is_some() {
                        return exit_code;
                    }
                    log::line("master", &format!("draining: readiness answers 503; still serving for {}s before the listeners close", drain.as_secs()));
                    drain_end.as_mut().reset(tokio::time::Instant::now() + drain);
                    draining = Some(exit_code);
                }
                Some(Command::ManagerDied { gave_up: true }) => {
                    log::line("master", "no worker could boot; the server stops (the error is above)");
                    return 1;
                }
                Some(Command::ManagerDied { gave_up: false }) => {
                    log::line("master", "the manager process died; stopping so a supervisor can restart the server");
                    return 1;
                }
                None => return 0,
            }
        }
    }
}

/// Lets in-flight and queued requests finish, then stops the manager (so it forks no
/// more) and the workers.
pub async fn drain_and_stop(graceful: GracefulShutdown, shared: &Arc<Shared>, generation: watch::Sender<Generations>, manager: Option<Pid>) {
    let wait = shared.config.max_wait_time;
    log::line("master", &format!("waiting up to {}s for in-flight requests", wait.as_secs()));
    if tokio::time::timeout(wait, graceful.shutdown()).await.is_err() {
        log::line("master", "max_wait_time passed; closing the remaining connections");
    }
    close_websockets(shared, wait).await;
    if let Some(manager) = manager {
        let _ = kill(manager, Signal::SIGTERM);
    }
    shared.stopping.store(true, std::sync::atomic::Ordering::SeqCst);
    generation.send_modify(|g| g.all += 1);
    if let Some(manager) = manager {
        wait_for_manager(manager, wait + Duration::from_secs(5)).await;
    }
    log::line("master", "stopped");
}

/// Closes every WebSocket connection with 1001 (going away) while the workers still run,
/// so each handler's `onClose` sees its connection end.
async fn close_websockets(shared: &Arc<Shared>, wait: Duration) {
    let open = shared.sockets.close_all(1001, "server stopping");
    if open == 0 {
        return;
    }
    log::line("master", &format!("closing {open} WebSocket connection(s)"));
    let deadline = Instant::now() + wait;
    while !shared.sockets.is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn wait_for_manager(manager: Pid, limit: Duration) {
    let deadline = Instant::now() + limit;
    loop {
        match waitpid(manager, Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(20)).await,
            Ok(WaitStatus::StillAlive) => {
                log::line("master", "the manager did not stop in time; killing its process group");
                let _ = kill(Pid::from_raw(-manager.as_raw()), Signal::SIGKILL);
                let _ = waitpid(manager, None);
                return;
            }
            _ => return,
        }
    }
}
