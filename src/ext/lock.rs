//! `LaravelS\Runtime\Lock`: `Swoole\Lock` over `crate::table::ProcessLock`.
//!
//! As in Swoole, a lock is shared by the processes forked after it was made (in a
//! `ServerStart` handler, a service provider the start command registers, or before
//! `pcntl_fork()`), and every method answers true or false. A call that cannot be honoured
//! here (`lockwait` on a rwlock or a file lock, which Swoole refuses too) warns and
//! answers false; taking a mutex whose holder died warns and answers true.

use std::time::Duration;

use ext_php_rs::error::php_error;
use ext_php_rs::flags::ErrorType;
use ext_php_rs::prelude::*;

use super::table::TableException;
use crate::table::{LockKind, ProcessLock, Taken};

/// A lock between processes (`Swoole\Lock`).
#[php_class]
#[php(name = "LaravelS\\Runtime\\Lock")]
pub struct Lock {
    inner: ProcessLock,
    /// Swoole's `$errCode`: the errno of the last failed call, 0 after a success.
    #[php(prop, name = "errCode")]
    err_code: i64,
}

#[php_impl]
impl Lock {
    const RWLOCK: i64 = LockKind::RwLock as i64;
    const FILELOCK: i64 = LockKind::File as i64;
    const MUTEX: i64 = LockKind::Mutex as i64;
    const SEM: i64 = LockKind::Sem as i64;
    const SPINLOCK: i64 = LockKind::SpinLock as i64;

    /// A lock of `$type` (`SWOOLE_MUTEX` by default); `SWOOLE_FILELOCK` locks `$filename`.
    #[php(defaults(r#type = 3, filename = String::new()))]
    pub fn __construct(r#type: i64, filename: String) -> PhpResult<Self> {
        let kind = LockKind::from_constant(r#type).ok_or_else(|| {
            PhpException::from_class::<TableException>(format!(
                "Lock: {type} is not a lock type. Fix: SWOOLE_MUTEX, SWOOLE_RWLOCK, SWOOLE_SPINLOCK, SWOOLE_SEM or SWOOLE_FILELOCK with a file"
            ))
        })?;
        let inner = ProcessLock::new(kind, &filename).map_err(|e| PhpException::from_class::<TableException>(format!("Lock: {e}")))?;
        Ok(Lock { inner, err_code: 0 })
    }

    /// Takes the lock (a rwlock's write side), waiting as long as it takes.
    pub fn lock(&mut self) -> bool {
        let taken = self.inner.lock();
        self.answer("lock", taken)
    }

    /// Takes the lock if it is free; false at once otherwise.
    pub fn trylock(&mut self) -> bool {
        let taken = self.inner.try_lock();
        self.answer("trylock", taken)
    }

    /// A rwlock's read side, shared with other readers (the lock itself for other kinds).
    #[php(name = "lock_read")]
    pub fn lock_read(&mut self) -> bool {
        let taken = self.inner.lock_read();
        self.answer("lock_read", taken)
    }

    /// The read side if it is free; false at once otherwise.
    #[php(name = "trylock_read")]
    pub fn trylock_read(&mut self) -> bool {
        let taken = self.inner.try_lock_read();
        self.answer("trylock_read", taken)
    }

    /// Waits `$timeout` seconds at most for a mutex (or a semaphore); false when it stayed
    /// held.
    #[php(defaults(timeout = 1.0))]
    pub fn lockwait(&mut self, timeout: f64) -> bool {
        let timeout = Duration::try_from_secs_f64(timeout.max(0.0)).unwrap_or(Duration::MAX);
        match self.inner.lock_wait(timeout) {
            Ok(Some(taken)) => self.answer("lockwait", Ok(taken)),
            Ok(None) => {
                php_error(
                    &ErrorType::Warning,
                    &format!("Lock::lockwait(): a {:?} lock cannot wait with a timeout (as in Swoole); use lock()", self.inner.kind()),
                );
                false
            }
            Err(e) => self.answer("lockwait", Err(e)),
        }
    }

    /// Lets the lock go; false (with `errCode`) when this process did not hold a mutex.
    pub fn unlock(&mut self) -> bool {
        match self.inner.unlock() {
            Ok(()) => {
                self.err_code = 0;
                true
            }
            Err(e) => {
                self.err_code = i64::from(e.raw_os_error().unwrap_or(-1));
                false
            }
        }
    }

    /// Kept for Swoole's API: the lock's memory goes with the object (a mutex this process
    /// holds is let go then).
    #[allow(clippy::unused_self)]
    pub fn destroy(&self) {}
}

impl Lock {
    fn answer(&mut self, method: &str, taken: std::io::Result<Taken>) -> bool {
        match taken {
            Ok(Taken::Yes) => {
                self.err_code = 0;
                true
            }
            Ok(Taken::FromDeadHolder) => {
                self.err_code = 0;
                php_error(&ErrorType::Warning, &format!("Lock::{method}(): the process that held this lock died holding it; it is yours now"));
                true
            }
            Ok(Taken::No) => {
                self.err_code = i64::from(libc::EBUSY);
                false
            }
            Err(e) => {
                self.err_code = i64::from(e.raw_os_error().unwrap_or(-1));
                php_error(&ErrorType::Warning, &format!("Lock::{method}(): {e}"));
                false
            }
        }
    }
}
