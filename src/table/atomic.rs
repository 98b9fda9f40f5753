//! `SharedAtomic`: a 64-bit integer in shared memory, with Swoole\Atomic's `wait` and
//! `wakeup` built on a futex.
//!
//! `wait()` and `wakeup()` use the value as a flag, as Swoole does: `wakeup(n)` turns a 0
//! into 1 and wakes up to `n` sleepers; `wait()` turns a 1 back into 0 and returns true,
//! sleeps while the value is 0, and returns false on timeout or when the value is
//! anything else. One wakeup sets one flag, so when it wakes several sleepers the first
//! to take the flag returns true and the others return false at once (Swoole's futex
//! code does the same); a sleeper the wakeup did not reach sleeps on.
//!
//! Sleepers wait on a separate 32-bit wake counter (a futex word is 32 bits, the value
//! 64), which `wakeup()` bumps after setting the flag: a wakeup between a waiter's check
//! and its sleep is never lost, and a waiter that sees the counter moved knows a wakeup
//! came. Each atomic is its own small mapping, made before the fork.

// Pointers into the shared region are cast to wider types at offsets that the layout
// keeps aligned; each cast's SAFETY note says why.
#![allow(clippy::cast_ptr_alignment)]

use std::sync::atomic::{AtomicI64, AtomicU32, Ordering};
use std::time::{Duration, Instant};

use super::error::TableError;
use super::region::SharedRegion;

#[repr(C)]
struct Cell {
    value: AtomicI64,
    wakes: AtomicU32,
}

/// A 64-bit integer in a shared mapping of its own (`Swoole\Atomic`), made before the fork.
pub struct SharedAtomic {
    region: SharedRegion,
}

impl SharedAtomic {
    /// Maps a new atomic holding `initial`; `Err(Map)` when the mapping fails.
    pub fn new(initial: i64) -> Result<Self, TableError> {
        let bytes = size_of::<Cell>();
        let region = SharedRegion::new(bytes).map_err(|source| TableError::Map { bytes, source })?;
        let atomic = SharedAtomic { region };
        atomic.cell().value.store(initial, Ordering::Relaxed);
        Ok(atomic)
    }

    fn cell(&self) -> &Cell {
        // SAFETY: the region is page-aligned and at least one Cell long; its atomics are
        // the only way it is accessed.
        unsafe { &*self.region.base().cast::<Cell>() }
    }

    /// The current value.
    pub fn get(&self) -> i64 {
        self.cell().value.load(Ordering::SeqCst)
    }

    /// Replaces the value with `value`.
    pub fn set(&self, value: i64) {
        self.cell().value.store(value, Ordering::SeqCst);
    }

    /// Adds `n` (wrapping) and returns the new value.
    pub fn add(&self, n: i64) -> i64 {
        self.cell().value.fetch_add(n, Ordering::SeqCst).wrapping_add(n)
    }

    /// Subtracts `n` (wrapping) and returns the new value.
    pub fn sub(&self, n: i64) -> i64 {
        self.cell().value.fetch_sub(n, Ordering::SeqCst).wrapping_sub(n)
    }

    /// Sets `new` if the value is `current`; whether it did.
    pub fn cmpset(&self, current: i64, new: i64) -> bool {
        self.cell().value.compare_exchange(current, new, Ordering::SeqCst, Ordering::SeqCst).is_ok()
    }

    /// Takes the flag (1 -> 0) or sleeps until a `wakeup()` or `timeout` (None: no
    /// limit); see the module doc. False on timeout, when the value is not a flag, when
    /// another process took the flag of the wakeup that woke this one, and when a signal
    /// interrupts the sleep (so that PHP can run its signal handlers, as in Swoole).
    pub fn wait(&self, timeout: Option<Duration>) -> bool {
        let cell = self.cell();
        let deadline = timeout.map(|t| Instant::now() + t);
        loop {
            match cell.value.compare_exchange(1, 0, Ordering::SeqCst, Ordering::SeqCst) {
                Ok(_) => return true,
                Err(0) => {}
                Err(_) => return false,
            }
            let seen = cell.wakes.load(Ordering::SeqCst);
            if cell.value.load(Ordering::SeqCst) != 0 {
                continue;
            }
            let remaining = match deadline {
                Some(d) => match d.checked_duration_since(Instant::now()) {
                    Some(left) if !left.is_zero() => Some(left),
                    _ => return false,
                },
                None => None,
            };
            let slept = futex_wait(&cell.wakes, seen, remaining);
            if cell.wakes.load(Ordering::SeqCst) != seen {
                // A wakeup came: this process takes its flag, or another one already did.
                return cell.value.compare_exchange(1, 0, Ordering::SeqCst, Ordering::SeqCst).is_ok();
            }
            match slept {
                Slept::TimedOut | Slept::Interrupted => return false,
                // Woken with no wakeup (the kernel allows it): check again.
                Slept::Woken => {}
            }
        }
    }

    /// Sets a 0 value to 1 and wakes up to `n` waiters; a value already non-zero is left
    /// alone and wakes nobody.
    pub fn wakeup(&self, n: u32) {
        let cell = self.cell();
        if cell.value.compare_exchange(0, 1, Ordering::SeqCst, Ordering::SeqCst).is_ok() {
            cell.wakes.fetch_add(1, Ordering::SeqCst);
            futex_wake(&cell.wakes, n);
        }
    }
}

/// How a `futex_wait` ended.
enum Slept {
    /// Woken, or the word had already changed: the caller checks why.
    Woken,
    TimedOut,
    /// A signal arrived (or the call failed: the caller gives up either way, rather
    /// than spin).
    Interrupted,
}

/// Sleeps while `word` holds `expected`, up to `timeout`.
fn futex_wait(word: &AtomicU32, expected: u32, timeout: Option<Duration>) -> Slept {
    // A timeout past a century is no limit (and keeps tv_sec far from overflowing).
    let timeout = timeout.filter(|t| t.as_secs() < 100 * 365 * 86_400);
    let ts = timeout.map(|t| libc::timespec { tv_sec: t.as_secs() as libc::time_t, tv_nsec: libc::c_long::from(t.subsec_nanos()) });
    let ts_ptr = ts.as_ref().map_or(std::ptr::null(), std::ptr::from_ref::<libc::timespec>);
    // SAFETY: word is a live 4-aligned u32 in a shared mapping, so the non-private futex
    // op matches wakers in other processes; ts_ptr is null or points to a local timespec.
    let rc = unsafe { libc::syscall(libc::SYS_futex, word.as_ptr(), libc::FUTEX_WAIT, expected, ts_ptr) };
    match (rc, std::io::Error::last_os_error().raw_os_error()) {
        // Woken, or the word changed before the sleep (EAGAIN).
        (0, _) | (_, Some(libc::EAGAIN)) => Slept::Woken,
        (_, Some(libc::ETIMEDOUT)) => Slept::TimedOut,
        _ => Slept::Interrupted,
    }
}

fn futex_wake(word: &AtomicU32, n: u32) {
    let n = libc::c_int::try_from(n).unwrap_or(libc::c_int::MAX);
    // SAFETY: as in futex_wait; FUTEX_WAKE only reads the address.
    unsafe {
        libc::syscall(libc::SYS_futex, word.as_ptr(), libc::FUTEX_WAKE, n);
    }
}
