//! Forking and per-role process set-up.

use std::sync::atomic::{AtomicU64, Ordering};

use nix::sys::signal::{self, SigHandler, SigSet, SigmaskHow, Signal};
use nix::unistd::{fork, ForkResult, Pid};

/// Which side of a fork we are on.
pub enum Forked {
    /// The calling process; the pid is the new child's.
    Parent(Pid),
    /// The new child process.
    Child,
}

/// Forks the calling process.
///
/// Callers must hold that the process has a single thread: the child gets a copy of the
/// calling thread only, and any lock held by another thread would stay locked forever.
pub fn fork_process() -> std::io::Result<Forked> {
    // SAFETY: every caller forks from a single-threaded process (the master before its
    // runtime starts, or the manager, which never starts threads), so the child cannot
    // inherit a lock held by another thread.
    match unsafe { fork() }.map_err(std::io::Error::from)? {
        ForkResult::Parent { child } => Ok(Forked::Parent(child)),
        ForkResult::Child => {
            FORKED_AT.store(monotonic_ns(), Ordering::Relaxed);
            Ok(Forked::Child)
        }
    }
}

/// When this process was forked (`monotonic_ns`); 0 in a process nobody forked here.
static FORKED_AT: AtomicU64 = AtomicU64::new(0);

/// `CLOCK_MONOTONIC` in nanoseconds: one clock for every process of the machine, so the
/// master can tell whether a worker was forked before or after a reload.
pub fn monotonic_ns() -> u64 {
    nix::time::clock_gettime(nix::time::ClockId::CLOCK_MONOTONIC)
        .map_or(0, |t| u64::try_from(t.tv_sec()).unwrap_or(0).saturating_mul(1_000_000_000).saturating_add(u64::try_from(t.tv_nsec()).unwrap_or(0)))
}

/// When this process was forked, as `monotonic_ns` read it in the child.
pub fn forked_at() -> u64 {
    FORKED_AT.load(Ordering::Relaxed)
}

/// Asks the kernel to send `sig` to this process when its parent dies, so no role
/// outlives the process that supervises it.
pub fn die_with_parent(sig: Signal) {
    // SAFETY: prctl(PR_SET_PDEATHSIG) takes a plain integer and touches no memory of ours.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, sig as libc::c_ulong, 0, 0, 0);
    }
}

/// Restores the default disposition of the signals PHP and the master touch, and unblocks
/// all signals: a fresh child starts from a known state whatever its parent did.
pub fn reset_signals() {
    for sig in [Signal::SIGTERM, Signal::SIGINT, Signal::SIGQUIT, Signal::SIGHUP, Signal::SIGUSR1, Signal::SIGUSR2, Signal::SIGCHLD] {
        // SAFETY: installing SIG_DFL runs no code of ours in signal context.
        let _ = unsafe { signal::signal(sig, SigHandler::SigDfl) };
    }
    let _ = signal::sigprocmask(SigmaskHow::SIG_SETMASK, Some(&SigSet::empty()), None);
}

/// Ignores a signal in this process (workers ignore SIGINT: the master decides when they stop).
pub fn ignore(sig: Signal) {
    // SAFETY: SIG_IGN runs no code.
    let _ = unsafe { signal::signal(sig, SigHandler::SigIgn) };
}

/// Moves this process into a process group of its own, so a Ctrl-C on the terminal
/// reaches the master only and the master decides how the others stop.
pub fn own_process_group() {
    let _ = nix::unistd::setpgid(Pid::from_raw(0), Pid::from_raw(0));
}

/// Resident memory of this process, in bytes, at its peak so far.
pub fn peak_rss_bytes() -> u64 {
    nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_SELF).map_or(0, |u| u.max_rss() as u64 * 1024)
}

/// Closes a file descriptor inherited across fork that this role must not keep.
pub fn close_fd(fd: std::os::fd::RawFd) {
    let _ = nix::unistd::close(fd);
}
