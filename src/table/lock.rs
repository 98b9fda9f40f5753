//! A mutex in shared memory that survives the death of the process holding it.
//!
//! Why a robust pthread mutex rather than a futex spinlock with the owner's pid: the
//! kernel itself marks the lock when its holder dies, however it dies (SIGKILL, OOM
//! killer, segfault), and wakes a waiter with EOWNERDEAD. A pid-based lock would have
//! to poll whether the owner still lives and could be fooled by pid reuse. An
//! uncontended lock and unlock cost two atomic instructions, as a spinlock would.

use std::cell::UnsafeCell;
use std::io;

/// How the lock was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acquired {
    /// The previous holder unlocked it.
    Clean,
    /// The previous holder died holding it: the data it guards may be half-written and
    /// must be repaired, then `make_consistent` called, before it is unlocked.
    OwnerDied,
}

#[repr(transparent)]
pub struct RobustMutex(UnsafeCell<libc::pthread_mutex_t>);

impl RobustMutex {
    /// Initialises a mutex in place, shared between processes and robust.
    ///
    /// # Safety
    /// `this` points to writable memory of a `SharedRegion`, suitably aligned, that no
    /// process uses as a mutex yet.
    pub unsafe fn init(this: *mut RobustMutex) -> io::Result<()> {
        let mut attr = std::mem::MaybeUninit::<libc::pthread_mutexattr_t>::uninit();
        let check = |rc: libc::c_int| if rc == 0 { Ok(()) } else { Err(io::Error::from_raw_os_error(rc)) };
        // SAFETY: attr is initialised by pthread_mutexattr_init before any other use and
        // destroyed once the mutex is initialised; `this` is valid per the contract.
        unsafe {
            check(libc::pthread_mutexattr_init(attr.as_mut_ptr()))?;
            let result = check(libc::pthread_mutexattr_setpshared(attr.as_mut_ptr(), libc::PTHREAD_PROCESS_SHARED))
                .and_then(|()| check(libc::pthread_mutexattr_setrobust(attr.as_mut_ptr(), libc::PTHREAD_MUTEX_ROBUST)))
                .and_then(|()| check(libc::pthread_mutex_init(UnsafeCell::raw_get(&raw const (*this).0), attr.as_ptr())));
            libc::pthread_mutexattr_destroy(attr.as_mut_ptr());
            result
        }
    }

    /// Blocks until this process holds the lock.
    pub fn lock(&self) -> io::Result<Acquired> {
        // SAFETY: the mutex was initialised by `init` (every constructor of the region
        // does so before sharing it).
        match unsafe { libc::pthread_mutex_lock(self.0.get()) } {
            0 => Ok(Acquired::Clean),
            libc::EOWNERDEAD => Ok(Acquired::OwnerDied),
            rc => Err(io::Error::from_raw_os_error(rc)),
        }
    }

    /// Takes the lock if it is free: `None` when another process holds it.
    pub fn try_lock(&self) -> io::Result<Option<Acquired>> {
        // SAFETY: as in `lock`.
        match unsafe { libc::pthread_mutex_trylock(self.0.get()) } {
            0 => Ok(Some(Acquired::Clean)),
            libc::EOWNERDEAD => Ok(Some(Acquired::OwnerDied)),
            libc::EBUSY => Ok(None),
            rc => Err(io::Error::from_raw_os_error(rc)),
        }
    }

    /// Waits until `deadline` (`CLOCK_REALTIME`, as `pthread_mutex_timedlock` reads it) at
    /// most: `None` when the lock was still held then.
    pub fn lock_until(&self, deadline: &libc::timespec) -> io::Result<Option<Acquired>> {
        // SAFETY: as in `lock`; `deadline` is a valid timespec.
        match unsafe { libc::pthread_mutex_timedlock(self.0.get(), deadline) } {
            0 => Ok(Some(Acquired::Clean)),
            libc::EOWNERDEAD => Ok(Some(Acquired::OwnerDied)),
            libc::ETIMEDOUT => Ok(None),
            rc => Err(io::Error::from_raw_os_error(rc)),
        }
    }

    /// Unlocks, reporting an error (EPERM: this process does not hold it) instead of
    /// assuming the caller is the holder.
    pub fn try_unlock(&self) -> io::Result<()> {
        // SAFETY: the mutex was initialised; a robust mutex checks its owner on unlock
        // and answers EPERM to any other caller, so no precondition is left to the caller.
        match unsafe { libc::pthread_mutex_unlock(self.0.get()) } {
            0 => Ok(()),
            rc => Err(io::Error::from_raw_os_error(rc)),
        }
    }

    /// After an `OwnerDied` lock: the guarded data is repaired, the lock is usable again.
    pub fn make_consistent(&self) {
        // SAFETY: called by the holder after EOWNERDEAD, as pthread_mutex_consistent requires.
        unsafe {
            libc::pthread_mutex_consistent(self.0.get());
        }
    }

    pub fn unlock(&self) {
        // SAFETY: called only by the holder (the guards in table.rs pair it with `lock`).
        unsafe {
            libc::pthread_mutex_unlock(self.0.get());
        }
    }
}
