//! The `swoole` section's settings that need more than a typed read: ranges, defaults
//! that depend on the machine, and settings derived from two keys.

use std::time::Duration;

use super::values::Reader;
use super::{invalid, ConfigError, DispatchMode};

pub(super) fn dispatch_mode(r: &Reader) -> Result<DispatchMode, ConfigError> {
    match r.sw_int("dispatch_mode", 3)? {
        1 => Ok(DispatchMode::RoundRobin),
        2 => Ok(DispatchMode::FixedByConnection),
        3 => Ok(DispatchMode::Idle),
        4 => Ok(DispatchMode::ByIp),
        5 => Ok(DispatchMode::ByUid),
        other => Err(invalid(
            "swoole.dispatch_mode",
            format!("{other} is not supported"),
            "use 1 (round robin), 2 (fixed by connection), 3 (idle worker, the default), 4 (by client IP) or 5 (by the uid of bind()); 6 and 7 (stream modes) are not provided",
        )),
    }
}

/// `worker_num`: 0 means one per CPU.
pub(super) fn worker_num(r: &Reader) -> Result<u32, ConfigError> {
    Ok(match r.sw_int("worker_num", 0)? {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get() as i64),
        n if !(0..=1024).contains(&n) => return Err(invalid("swoole.worker_num", format!("{n} workers"), "use a number from 1 to 1024 (0 means one per CPU)")),
        n => n,
    } as u32)
}

/// A number of seconds, 0 or more.
pub(super) fn seconds(r: &Reader, key: &str, default: i64) -> Result<Duration, ConfigError> {
    let v = r.sw_int(key, default)?;
    if v < 0 {
        return Err(invalid(&format!("swoole.{key}"), format!("{v} is negative"), "use a number of seconds >= 0"));
    }
    Ok(Duration::from_secs(v as u64))
}

pub(super) fn max_header_size(r: &Reader) -> Result<i64, ConfigError> {
    let max_header_size = r.sw_bytes("max_header_size", 16 * 1024)?;
    if max_header_size < 8192 {
        return Err(invalid("swoole.max_header_size", format!("{max_header_size} bytes is too small"), "use at least 8192"));
    }
    Ok(max_header_size)
}

pub(super) fn max_connection(r: &Reader) -> Result<i64, ConfigError> {
    let max_connection = r.sw_int("max_connection", 10_000)?;
    if max_connection < 1 {
        return Err(invalid("swoole.max_connection", format!("{max_connection}"), "use a positive number"));
    }
    Ok(max_connection)
}

/// `max_request`: requests before a worker is replaced, 0 for never.
pub(super) fn max_request(r: &Reader) -> Result<u64, ConfigError> {
    let max_request = r.sw_int("max_request", 0)?;
    if max_request < 0 {
        return Err(invalid("swoole.max_request", format!("{max_request} is negative"), "use 0 (never recycle) or a positive count"));
    }
    Ok(max_request as u64)
}

pub(super) fn task_worker_num(r: &Reader) -> Result<u32, ConfigError> {
    match r.sw_int("task_worker_num", 0)? {
        n @ 0..=1024 => Ok(n as u32),
        n => Err(invalid("swoole.task_worker_num", format!("{n} task workers"), "use a number from 0 to 1024")),
    }
}

pub(super) fn task_max_request(r: &Reader) -> Result<u64, ConfigError> {
    match r.sw_int("task_max_request", 0)? {
        n if n >= 0 => Ok(n as u64),
        n => Err(invalid("swoole.task_max_request", format!("{n} is negative"), "use 0 (never recycle) or a positive count")),
    }
}

pub(super) fn reactor_num(r: &Reader) -> Result<usize, ConfigError> {
    Ok(match r.sw_int("reactor_num", 0)? {
        // The PHP workers need the CPUs more than the reactor does: one reactor
        // thread per four CPUs (measured on 2 cores: one thread serves hello-JSON
        // 8% faster than two, which wake each other through futexes).
        n if n <= 0 => std::thread::available_parallelism().map_or(1, |n| n.get().div_ceil(4)),
        n => n.min(256) as usize,
    })
}

pub(super) fn reactor_spin(r: &Reader) -> Result<Duration, ConfigError> {
    match r.sw_int("reactor_spin_us", 200)? {
        n @ 0..=10_000 => Ok(Duration::from_micros(n as u64)),
        n => Err(invalid(
            "swoole.reactor_spin_us",
            format!("{n} µs"),
            "use a number of microseconds from 0 (never spin) to 10000; the default 200 covers a fast API request",
        )),
    }
}

/// `heartbeat_idle_time`, or twice `heartbeat_check_interval`: Swoole's rule, either one
/// implies the other.
pub(super) fn heartbeat_idle(r: &Reader) -> Result<Option<Duration>, ConfigError> {
    let idle = seconds(r, "heartbeat_idle_time", 0)?;
    let interval = seconds(r, "heartbeat_check_interval", 0)?;
    Ok(match (idle.is_zero(), interval.is_zero()) {
        (false, _) => Some(idle),
        (true, false) => Some(interval * 2),
        (true, true) => None,
    })
}

pub(super) fn buffer_output_size(r: &Reader) -> Result<usize, ConfigError> {
    match r.sw_bytes("buffer_output_size", 2 * 1024 * 1024)? {
        n if n >= 1024 => Ok(n as usize),
        n => Err(invalid("swoole.buffer_output_size", format!("{n} bytes is too small"), "use at least 1024 (the default is 2M)")),
    }
}
