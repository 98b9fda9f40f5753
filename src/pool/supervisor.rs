//! The manager's loop: fork `worker_num` workers, reap them, fork replacements.
//!
//! The manager runs no PHP and starts no thread. It waits on a signalfd for SIGCHLD (a
//! worker ended) and SIGTERM (the master is stopping). Reloads need nothing from it: the
//! master tells workers to leave over IPC, and each one that exits is replaced by a fresh
//! fork, which boots the application's current code.

use std::collections::HashMap;
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signal::{kill, SigSet, SigmaskHow, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;

use super::boot::{self, AfterExit, BootPolicy, GAVE_UP_STATUS};
use super::process::{fork_process, Forked};
use crate::log;

/// How the manager's loop ended, seen from the process that returns from it.
#[derive(Debug, PartialEq, Eq)]
pub enum SupervisorExit {
    /// This process is a newly forked worker and must go on to serve.
    BecomeWorker {
        /// The process id the manager forked it for (`ProcessLayout::role` decodes it).
        worker_id: u32,
    },
    /// This process was forked to report a worker's abnormal end (`WorkerError` handlers),
    /// then exit.
    ReportWorkerError(WorkerFailure),
    /// The manager is done: every worker has exited after a stop.
    Stopped,
    /// The manager gave up: no HTTP worker could boot (`boot::GIVE_UP_AFTER` tries each);
    /// every child has exited. The manager exits with `boot::GAVE_UP_STATUS`.
    GaveUp,
}

/// A booted worker that died this soon after its start is restarted after a pause, so a
/// worker that crashes at once does not fork in a tight loop (one that cannot boot at
/// all is `BootPolicy`'s).
const QUICK_DEATH: Duration = Duration::from_secs(1);
const RESTART_PAUSE: Duration = Duration::from_millis(500);

/// How a worker ended abnormally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkerFailure {
    /// The process id of the child that failed.
    pub worker_id: u32,
    /// Its pid when it ended.
    pub pid: i32,
    /// Its exit status, 0 if a signal killed it.
    pub exit_code: i32,
    /// The signal that killed it, 0 if none.
    pub signal: i32,
}

/// The manager's state: which children run, which wait to be forked again, and the stop
/// in progress.
pub struct Supervisor {
    worker_num: u32,
    /// How long to wait for workers after a stop before killing them.
    stop_grace: Duration,
    children: HashMap<Pid, (u32, Instant)>,
    /// Worker ids waiting to be forked, with the earliest time to do it.
    pending: Vec<(u32, Instant)>,
    stop_deadline: Option<Instant>,
    /// Fork a reporter for each abnormal worker end (`event_handlers.WorkerError` is set).
    report_failures: bool,
    failures: Vec<WorkerFailure>,
    reporters: std::collections::HashSet<Pid>,
    restart_delays: Vec<Option<Duration>>,
    /// Boot failures in a row, and when to give up.
    boot: BootPolicy,
    /// Set when the manager gave up on a server that cannot boot.
    gave_up: bool,
}

impl Supervisor {
    /// `restart_delays[id]`, when present, is how long to wait before starting process `id`
    /// again after it exited (custom processes' `restart_interval`). Ids below
    /// `http_workers` are HTTP workers (`ProcessLayout`).
    pub fn new(worker_num: u32, http_workers: u32, stop_grace: Duration, report_failures: bool, restart_delays: Vec<Option<Duration>>) -> Self {
        let now = Instant::now();
        Supervisor {
            worker_num,
            stop_grace,
            children: HashMap::new(),
            pending: (0..worker_num).map(|id| (id, now)).collect(),
            stop_deadline: None,
            report_failures,
            failures: Vec::new(),
            reporters: std::collections::HashSet::new(),
            restart_delays,
            boot: BootPolicy::new(worker_num, http_workers),
            gave_up: false,
        }
    }

    /// Runs until stopped; returns early, in the child, each time it forks a worker.
    pub fn run(&mut self) -> std::io::Result<SupervisorExit> {
        let mut mask = SigSet::empty();
        for sig in [Signal::SIGCHLD, Signal::SIGTERM, Signal::SIGINT, Signal::SIGQUIT] {
            mask.add(sig);
        }
        let mut old = SigSet::empty();
        nix::sys::signal::sigprocmask(SigmaskHow::SIG_BLOCK, Some(&mask), Some(&mut old))?;
        let sfd = SignalFd::with_flags(&mask, SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC)?;
        log::line("manager", &format!("started, keeping {} worker(s)", self.worker_num));

        loop {
            if let Some(exit) = self.fork_due(&old)? {
                return Ok(exit);
            }
            if self.stop_deadline.is_some() && self.children.is_empty() && self.reporters.is_empty() {
                if self.gave_up {
                    log::line("manager", &format!("every child has exited; the manager exits with status {GAVE_UP_STATUS}"));
                    return Ok(SupervisorExit::GaveUp);
                }
                log::line("manager", "all workers exited, manager stops");
                return Ok(SupervisorExit::Stopped);
            }
            let timeout =
                self.next_wakeup().map_or(PollTimeout::NONE, |d| PollTimeout::try_from(d.as_millis().min(60_000) as i32 + 1).unwrap_or(PollTimeout::MAX));
            let mut fds = [PollFd::new(sfd.as_fd(), PollFlags::POLLIN)];
            match poll(&mut fds, timeout) {
                Ok(_) | Err(nix::errno::Errno::EINTR) => {}
                Err(e) => return Err(e.into()),
            }
            while let Ok(Some(info)) = sfd.read_signal() {
                match Signal::try_from(info.ssi_signo as i32) {
                    Ok(Signal::SIGCHLD) | Err(_) => {}
                    Ok(_) => self.begin_stop(),
                }
            }
            self.reap();
            if let Some(deadline) = self.stop_deadline {
                if Instant::now() >= deadline && !self.children.is_empty() {
                    for pid in self.children.keys() {
                        log::line("manager", &format!("worker pid {pid} did not stop in time, killing it"));
                        let _ = kill(*pid, Signal::SIGKILL);
                    }
                    self.stop_deadline = Some(Instant::now() + Duration::from_secs(3600));
                }
            }
        }
    }

    fn begin_stop(&mut self) {
        if self.stop_deadline.is_none() {
            log::line("manager", "stopping: no more workers will be forked");
            self.stop_deadline = Some(Instant::now() + self.stop_grace);
            self.pending.clear();
        }
    }

    /// Forks every worker whose time has come. Returns `BecomeWorker` in a child.
    fn fork_due(&mut self, child_mask: &SigSet) -> std::io::Result<Option<SupervisorExit>> {
        while let Some(failure) = self.failures.pop() {
            match fork_process()? {
                Forked::Child => {
                    let _ = nix::sys::signal::sigprocmask(SigmaskHow::SIG_SETMASK, Some(child_mask), None);
                    return Ok(Some(SupervisorExit::ReportWorkerError(failure)));
                }
                Forked::Parent(pid) => {
                    self.reporters.insert(pid);
                }
            }
        }
        let now = Instant::now();
        while let Some(pos) = self.pending.iter().position(|(_, at)| *at <= now) {
            let (worker_id, _) = self.pending.swap_remove(pos);
            match fork_process()? {
                Forked::Child => {
                    let _ = nix::sys::signal::sigprocmask(SigmaskHow::SIG_SETMASK, Some(child_mask), None);
                    return Ok(Some(SupervisorExit::BecomeWorker { worker_id }));
                }
                Forked::Parent(pid) => {
                    self.children.insert(pid, (worker_id, Instant::now()));
                }
            }
        }
        Ok(None)
    }

    fn next_wakeup(&self) -> Option<Duration> {
        let now = Instant::now();
        self.pending.iter().map(|(_, at)| *at).chain(self.stop_deadline).min().map(|at| at.saturating_duration_since(now))
    }

    /// Collects every exited child and schedules its replacement unless stopping.
    fn reap(&mut self) {
        // Children up and booted now: their slot holds their pid.
        if let Some(board) = boot::board() {
            for (pid, (id, _)) in &self.children {
                if board.booted(*id, pid.as_raw().unsigned_abs()) {
                    self.boot.booted(*id);
                }
            }
        }
        loop {
            let status = match waitpid(Pid::from_raw(-1), Some(WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::StillAlive) | Err(_) => return,
                Ok(s) => s,
            };
            let (pid, how, exit_code, signal) = match status {
                WaitStatus::Exited(pid, code) => (pid, format!("exited with status {code}"), code, 0),
                WaitStatus::Signaled(pid, sig, _) => (pid, format!("was killed by {sig}"), 0, sig as i32),
                _ => continue,
            };
            if self.reporters.remove(&pid) {
                continue;
            }
            let Some((worker_id, started)) = self.children.remove(&pid) else { continue };
            // `serving_mode` worker: the other fronts stop counting on it at once.
            if let Some(board) = crate::front::board::shared() {
                board.clear(worker_id, pid.as_raw().unsigned_abs());
            }
            if self.report_failures && (exit_code != 0 || signal != 0) {
                self.failures.push(WorkerFailure { worker_id, pid: pid.as_raw(), exit_code, signal });
            }
            if self.stop_deadline.is_some() {
                log::line("manager", &format!("worker #{worker_id} (pid {pid}) {how}"));
                continue;
            }
            // Without a board (a test supervisor) every child counts as booted.
            let booted = boot::board().is_none_or(|b| b.booted(worker_id, pid.as_raw().unsigned_abs()));
            let delay = self.restart_delays.get(worker_id as usize).copied().flatten();
            let at = match self.boot.exited(worker_id, booted) {
                AfterExit::Replace => {
                    log::line("manager", &format!("worker #{worker_id} (pid {pid}) {how}; starting a new one"));
                    match delay {
                        Some(delay) => Instant::now() + delay,
                        None if started.elapsed() < QUICK_DEATH => Instant::now() + RESTART_PAUSE,
                        None => Instant::now(),
                    }
                }
                AfterExit::Retry { in_a_row, pause } => {
                    if let Some(board) = boot::board() {
                        board.set_failures(worker_id, in_a_row);
                    }
                    let pause = delay.map_or(pause, |d| d.max(pause));
                    log::line(
                        "manager",
                        &format!(
                            "worker #{worker_id} (pid {pid}) failed to boot ({how}; {in_a_row} time(s) in a row, the error is above); trying again in {:.1}s",
                            pause.as_secs_f64()
                        ),
                    );
                    Instant::now() + pause
                }
                AfterExit::GiveUp { in_a_row } => {
                    log::line(
                        "manager",
                        &format!(
                            "no worker could boot: worker #{worker_id} (pid {pid}) failed {in_a_row} times in a row ({how}), as did every other; \
                             stopping the server. Fix the error above, then start it again"
                        ),
                    );
                    self.give_up();
                    continue;
                }
            };
            self.pending.push((worker_id, at));
        }
    }

    /// Stops every child and forks no more: the server cannot boot.
    fn give_up(&mut self) {
        self.gave_up = true;
        self.begin_stop();
        for pid in self.children.keys() {
            let _ = kill(*pid, Signal::SIGTERM);
        }
    }
}
