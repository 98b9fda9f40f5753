//! Signals to the master and the stop sequence.
//!
//! SIGUSR1 (and SIGUSR2, which LaravelS uses for task workers) reloads: the worker
//! generation goes up, each worker is told to leave once its current request is done, and
//! the manager forks fresh ones. SIGTERM, SIGINT and SIGQUIT stop: accept no more, let
//! in-flight requests finish for up to `max_wait_time`, then stop the workers and the manager.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hyper_util::server::graceful::GracefulShutdown;
use nix::sys::signal::{kill, Signal};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;
use tokio::signal::unix::{signal, Signal as SignalStream, SignalKind};
use tokio::sync::watch;

use super::Shared;
use crate::log;

pub struct Control {
    stop: Vec<SignalStream>,
    reload: Vec<SignalStream>,
    child: SignalStream,
}

enum Event {
    Stop(&'static str),
    Reload,
    Child,
}

impl Control {
    pub fn listen() -> std::io::Result<Self> {
        Ok(Control {
            stop: vec![signal(SignalKind::terminate())?, signal(SignalKind::interrupt())?, signal(SignalKind::quit())?],
            reload: vec![signal(SignalKind::user_defined1())?, signal(SignalKind::user_defined2())?],
            child: signal(SignalKind::child())?,
        })
    }

    async fn next(&mut self) -> Event {
        let [term, int, quit] = &mut self.stop[..] else { unreachable!() };
        let [usr1, usr2] = &mut self.reload[..] else { unreachable!() };
        tokio::select! {
            _ = term.recv() => Event::Stop("SIGTERM"),
            _ = int.recv() => Event::Stop("SIGINT"),
            _ = quit.recv() => Event::Stop("SIGQUIT"),
            _ = usr1.recv() => Event::Reload,
            _ = usr2.recv() => Event::Reload,
            _ = self.child.recv() => Event::Child,
        }
    }
}

/// PHP installs its own handlers for these at request start-up; a handler tokio chains to
/// would then re-raise and kill the process. Start from the defaults, and ignore SIGPIPE
/// so a client that hangs up is an error on its socket, not the end of the master.
pub fn reset_inherited_handlers() {
    crate::pool::process::reset_signals();
    crate::pool::process::ignore(Signal::SIGPIPE);
}

/// Serves until a stop signal, or until the manager dies; returns the exit code.
pub async fn run_until_stopped(
    accepting: impl Future<Output = ()>,
    mut control: Control,
    shared: &Shared,
    generation: &watch::Sender<u64>,
    manager: Pid,
) -> i32 {
    tokio::pin!(accepting);
    let code = loop {
        tokio::select! {
            _ = &mut accepting => break 1,
            event = control.next() => match event {
                Event::Stop(name) => {
                    log::line("master", &format!("received {name}, stopping"));
                    break 0;
                }
                Event::Reload => {
                    generation.send_modify(|g| *g += 1);
                    log::line("master", &format!(
                        "reloading: {} worker(s) finish their current request and are replaced",
                        shared.workers.connected()
                    ));
                }
                Event::Child => {
                    if !matches!(waitpid(manager, Some(WaitPidFlag::WNOHANG)), Ok(WaitStatus::StillAlive)) {
                        log::line("master", "the manager process died; stopping so a supervisor can restart the server");
                        break 1;
                    }
                }
            }
        }
    };
    code
}

/// Lets in-flight and queued requests finish, then stops the manager (so it forks no
/// more) and the workers.
pub async fn drain_and_stop(graceful: GracefulShutdown, shared: &Arc<Shared>, generation: watch::Sender<u64>, manager: Pid) {
    let wait = shared.config.max_wait_time;
    log::line("master", &format!("waiting up to {}s for in-flight requests", wait.as_secs()));
    if tokio::time::timeout(wait, graceful.shutdown()).await.is_err() {
        log::line("master", "max_wait_time passed; closing the remaining connections");
    }
    let _ = kill(manager, Signal::SIGTERM);
    generation.send_modify(|g| *g += 1);
    let deadline = Instant::now() + wait + Duration::from_secs(5);
    loop {
        match waitpid(manager, Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(20)).await,
            Ok(WaitStatus::StillAlive) => {
                log::line("master", "the manager did not stop in time; killing its process group");
                let _ = kill(Pid::from_raw(-manager.as_raw()), Signal::SIGKILL);
                let _ = waitpid(manager, None);
                break;
            }
            _ => break,
        }
    }
    log::line("master", "stopped");
}
