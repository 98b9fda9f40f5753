//! The server's status as `bin/laravels status` shows it, from what the master already
//! knows: each process id's pid, whether it is busy and on what, for how long, how many
//! jobs it finished, its resident memory (read from /proc at the time of asking), and
//! how many times in a row it failed to boot (from the boot board the manager keeps).
//! Answered from memory, without asking any worker: a probe costs microseconds.
//!
//! In `serving_mode` worker the HTTP workers' requests never pass the master: their
//! fronts write what each PHP thread runs, since when, and how many requests it answered
//! on the shared board (`front::board`), which this reads beside the master's own slots
//! (the `finish()` runs and events it still hands the worker).

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::Shared;
use crate::front::board::{self, Board};
use crate::pool::process::monotonic_ns;
use crate::pool::{boot, ProcessRole};

/// The status document (JSON): the master, then one entry per process id.
pub fn report(shared: &Shared) -> Value {
    let now = Instant::now();
    let processes: Vec<Value> = shared
        .workers
        .snapshot()
        .into_iter()
        .enumerate()
        .map(|(id, slot)| {
            let id = id as u32;
            let role = shared.layout.role(id).map(|role| role_name(shared, role)).unwrap_or_default();
            // Failures in a row since it last booted (the manager counts them on the board).
            let boot_failures = boot::board().map_or(0, |b| b.failures(id));
            let Some(pid) = slot.pid else {
                let state = if boot_failures > 0 { "failing to boot" } else { "down" };
                return json!({"id": id, "role": role, "pid": null, "state": state, "boot_failures": boot_failures});
            };
            let front = front_of(id, pid);
            let (state, current, busy_ms) = match (&slot.busy, front.and_then(|board| board.running(id))) {
                (Some((what, since)), _) => ("busy", Some(what.clone()), Some(now.duration_since(*since).as_millis() as u64)),
                (None, Some((what, since_ns))) => ("busy", Some(what), Some(Duration::from_nanos(monotonic_ns().saturating_sub(since_ns)).as_millis() as u64)),
                (None, None) => ("idle", None, None),
            };
            let served = slot.served + front.map_or(0, |board| board.served(id));
            json!({
                "id": id,
                "role": role,
                "pid": pid,
                "state": state,
                "current": current,
                "busy_ms": busy_ms,
                "served": served,
                "uptime_s": slot.since.map_or(0, |s| now.duration_since(s).as_secs()),
                "rss_bytes": rss_bytes(pid),
                "boot_failures": boot_failures,
            })
        })
        .collect();
    json!({
        "master": {
            "pid": std::process::id(),
            "rss_bytes": rss_bytes(std::process::id()),
            "draining": shared.drain.started(),
            "connections": shared.config.max_connection - shared.connection_limit.available_permits(),
            "queued": shared.dispatcher.waiting() + front_waiting(shared),
            "shed": shed(shared),
        },
        "processes": processes,
    })
}

/// The fronts' board, when process `pid` serves in HTTP worker id `id` with a front of
/// its own (`serving_mode` worker); `None` otherwise.
pub(super) fn front_of(id: u32, pid: u32) -> Option<&'static Board> {
    board::shared().filter(|board| board.pid(id) == Some(pid))
}

/// Requests waiting at the fronts for their PHP threads (`serving_mode` worker).
pub(super) fn front_waiting(shared: &Shared) -> usize {
    let Some(board) = board::shared() else { return 0 };
    (0..shared.config.worker_num).filter(|&id| board.pid(id).is_some()).map(|id| board.waiting(id) as usize).sum()
}

/// Requests answered 503 by the overload policy: the master's, and the fronts'.
pub(super) fn shed(shared: &Shared) -> u64 {
    shared.dispatcher.shed() + board::shared().map_or(0, Board::shed)
}

fn role_name(shared: &Shared, role: ProcessRole) -> String {
    match role {
        ProcessRole::Http { .. } => "worker".to_owned(),
        ProcessRole::Task { .. } => "task worker".to_owned(),
        ProcessRole::Timer => "timer".to_owned(),
        ProcessRole::Custom { process, instance } => {
            format!("process {}#{instance}", shared.config.processes.get(process).map_or("?", |p| p.name.as_str()))
        }
    }
}

/// Resident memory of `pid` in bytes, from /proc/PID/statm; `None` when it cannot be read.
pub(super) fn rss_bytes(pid: u32) -> Option<u64> {
    let statm = std::fs::read_to_string(format!("/proc/{pid}/statm")).ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    // SAFETY: sysconf only reads a system constant.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    Some(pages * u64::try_from(page).ok()?)
}
