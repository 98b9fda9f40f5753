//! `Swoole\Lock`: a lock between processes, made before the fork (or before the
//! `pcntl_fork()` of Swoole's own example) so that every process takes the same one.
//!
//! The kinds, with Swoole's numbers:
//! - `Mutex` (3) and `SpinLock` (5): the robust pthread mutex of `lock.rs`, so a holder that
//!   dies (even by SIGKILL) does not leave the lock taken forever: the next taker gets it
//!   with an "owner died" mark. Swoole's spinlock spins in user space; a mutex spins
//!   briefly in glibc before it sleeps, and never burns a core while a holder is slow.
//! - `RwLock` (1): a process-shared pthread rwlock (readers share, a writer is alone). It
//!   has no robust variant: a process that dies holding it leaves it held, as in Swoole.
//! - `Sem` (4): a process-shared POSIX semaphore of one token; any process may post it.
//! - `File` (2): `fcntl` record locks on a file. They belong to the process (a forked
//!   child does not inherit them) and the kernel drops them when the holder dies.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::AsRawFd;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::lock::{Acquired, RobustMutex};
use super::region::SharedRegion;

/// `Swoole\Lock`'s kinds, by Swoole's constant values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockKind {
    /// `SWOOLE_RWLOCK`: readers share it, a writer is alone.
    RwLock = 1,
    /// `SWOOLE_FILELOCK`: `fcntl` locks on a file.
    File = 2,
    /// `SWOOLE_MUTEX`: one holder.
    Mutex = 3,
    /// `SWOOLE_SEM`: one token any process may give back.
    Sem = 4,
    /// `SWOOLE_SPINLOCK`: a mutex here (see the module doc).
    SpinLock = 5,
}

impl LockKind {
    /// The kind of Swoole's constant `n`.
    pub fn from_constant(n: i64) -> Option<Self> {
        Some(match n {
            1 => LockKind::RwLock,
            2 => LockKind::File,
            3 => LockKind::Mutex,
            4 => LockKind::Sem,
            5 => LockKind::SpinLock,
            _ => return None,
        })
    }
}

/// Whether a lock was taken, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    /// Taken; the previous holder let it go.
    Yes,
    /// Taken, but its previous holder died holding it (a mutex only).
    FromDeadHolder,
    /// Not taken: held by another (`try_*`), or the time ran out (`lock_wait`).
    No,
}

/// The memory of a lock kept in shared memory.
enum Shared {
    Mutex(SharedRegion),
    RwLock(SharedRegion),
    Sem(SharedRegion),
}

/// One lock, shared with every process forked after it was made.
pub struct ProcessLock {
    kind: LockKind,
    shared: Option<Shared>,
    file: Option<File>,
}

impl ProcessLock {
    /// A new lock of `kind`; `File` needs `lockfile`, which it creates if missing.
    pub fn new(kind: LockKind, lockfile: &str) -> io::Result<Self> {
        let mut lock = ProcessLock { kind, shared: None, file: None };
        match kind {
            LockKind::Mutex | LockKind::SpinLock => {
                let region = SharedRegion::new(std::mem::size_of::<RobustMutex>())?;
                // SAFETY: a fresh region of the mutex's size that no process uses yet; mmap
                // returns it page-aligned, so the cast keeps the mutex's alignment.
                #[allow(clippy::cast_ptr_alignment)]
                unsafe {
                    RobustMutex::init(region.base().cast::<RobustMutex>())?;
                }
                lock.shared = Some(Shared::Mutex(region));
            }
            LockKind::RwLock => {
                let region = SharedRegion::new(std::mem::size_of::<libc::pthread_rwlock_t>())?;
                init_rwlock(region.base().cast())?;
                lock.shared = Some(Shared::RwLock(region));
            }
            LockKind::Sem => {
                let region = SharedRegion::new(std::mem::size_of::<libc::sem_t>())?;
                // SAFETY: a fresh region of sem_t's size, page-aligned; pshared = 1 because
                // it is shared between processes; one token.
                if unsafe { libc::sem_init(region.base().cast(), 1, 1) } != 0 {
                    return Err(io::Error::last_os_error());
                }
                lock.shared = Some(Shared::Sem(region));
            }
            LockKind::File => {
                if lockfile.is_empty() {
                    return Err(io::Error::new(io::ErrorKind::InvalidInput, "a FILELOCK needs the path of its lock file"));
                }
                lock.file = Some(OpenOptions::new().read(true).write(true).create(true).truncate(false).open(lockfile)?);
            }
        }
        Ok(lock)
    }

    /// What kind of lock it is.
    pub fn kind(&self) -> LockKind {
        self.kind
    }

    /// Takes the lock (the write side of a rwlock), waiting as long as it takes.
    pub fn lock(&self) -> io::Result<Taken> {
        match &self.shared {
            Some(Shared::Mutex(r)) => Ok(taken(r, mutex(r).lock()?)),
            Some(Shared::RwLock(r)) => rw(r, libc::pthread_rwlock_wrlock),
            Some(Shared::Sem(r)) => sem(r, libc::sem_wait),
            None => self.file_lock(libc::F_WRLCK, true),
        }
    }

    /// Takes the lock if it is free now.
    pub fn try_lock(&self) -> io::Result<Taken> {
        match &self.shared {
            Some(Shared::Mutex(r)) => Ok(mutex(r).try_lock()?.map_or(Taken::No, |how| taken(r, how))),
            Some(Shared::RwLock(r)) => rw(r, libc::pthread_rwlock_trywrlock),
            Some(Shared::Sem(r)) => sem(r, libc::sem_trywait),
            None => self.file_lock(libc::F_WRLCK, false),
        }
    }

    /// Takes the read side (shared with other readers); the other kinds have one side,
    /// so this is `lock()` for them, as in Swoole.
    pub fn lock_read(&self) -> io::Result<Taken> {
        match &self.shared {
            Some(Shared::RwLock(r)) => rw(r, libc::pthread_rwlock_rdlock),
            None => self.file_lock(libc::F_RDLCK, true),
            _ => self.lock(),
        }
    }

    /// The read side if it is free now.
    pub fn try_lock_read(&self) -> io::Result<Taken> {
        match &self.shared {
            Some(Shared::RwLock(r)) => rw(r, libc::pthread_rwlock_tryrdlock),
            None => self.file_lock(libc::F_RDLCK, false),
            _ => self.try_lock(),
        }
    }

    /// Waits `timeout` at most: a mutex (and a spinlock, a mutex here) or a semaphore.
    /// `None` for the kinds Swoole's `lockwait` refuses too (rwlock, file).
    pub fn lock_wait(&self, timeout: Duration) -> io::Result<Option<Taken>> {
        let deadline = realtime_after(timeout);
        match &self.shared {
            Some(Shared::Mutex(r)) => Ok(Some(mutex(r).lock_until(&deadline)?.map_or(Taken::No, |how| taken(r, how)))),
            Some(Shared::Sem(r)) => {
                // SAFETY: the semaphore was initialised by `new`; `deadline` is valid.
                let rc = unsafe { libc::sem_timedwait(r.base().cast(), &raw const deadline) };
                if rc == 0 {
                    return Ok(Some(Taken::Yes));
                }
                match io::Error::last_os_error() {
                    e if e.raw_os_error() == Some(libc::ETIMEDOUT) || e.raw_os_error() == Some(libc::EINTR) => Ok(Some(Taken::No)),
                    e => Err(e),
                }
            }
            _ => Ok(None),
        }
    }

    /// Lets the lock go. An error (EPERM) when this process does not hold a mutex.
    pub fn unlock(&self) -> io::Result<()> {
        match &self.shared {
            Some(Shared::Mutex(r)) => mutex(r).try_unlock(),
            Some(Shared::RwLock(r)) => {
                // SAFETY: initialised by `new`; unlocking a rwlock this process does not
                // hold is reported by glibc (EPERM) or is a no-op, never memory unsafety.
                check(unsafe { libc::pthread_rwlock_unlock(r.base().cast()) })
            }
            Some(Shared::Sem(r)) => {
                // SAFETY: the semaphore was initialised by `new`.
                if unsafe { libc::sem_post(r.base().cast()) } == 0 {
                    Ok(())
                } else {
                    Err(io::Error::last_os_error())
                }
            }
            None => self.file_op(libc::F_UNLCK, false),
        }
    }

    fn file_lock(&self, kind: libc::c_int, wait: bool) -> io::Result<Taken> {
        match self.file_op(kind, wait) {
            Ok(()) => Ok(Taken::Yes),
            Err(e) if matches!(e.raw_os_error(), Some(libc::EAGAIN | libc::EACCES)) => Ok(Taken::No),
            Err(e) => Err(e),
        }
    }

    /// An `fcntl` record lock over the whole file.
    fn file_op(&self, kind: libc::c_int, wait: bool) -> io::Result<()> {
        let file = self.file.as_ref().ok_or_else(|| io::Error::other("not a file lock"))?;
        // SAFETY: flock is plain data; zeroed is a valid value before the fields are set.
        let mut range: libc::flock = unsafe { std::mem::zeroed() };
        range.l_type = kind as libc::c_short;
        range.l_whence = libc::SEEK_SET as libc::c_short;
        let command = if wait { libc::F_SETLKW } else { libc::F_SETLK };
        // SAFETY: the descriptor is open for the life of `file`; `range` is a valid flock.
        if unsafe { libc::fcntl(file.as_raw_fd(), command, &range) } == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    }
}

impl Drop for ProcessLock {
    /// A mutex this process still holds is let go before its memory is unmapped here:
    /// the kernel could not mark it "owner died" at exit once the mapping is gone, and
    /// every other process would wait for it forever. A process that does not hold it
    /// gets EPERM from the robust mutex, which is ignored.
    fn drop(&mut self) {
        if let Some(Shared::Mutex(region)) = &self.shared {
            let _ = mutex(region).try_unlock();
        }
    }
}

fn mutex(region: &SharedRegion) -> &RobustMutex {
    // SAFETY: the region (page-aligned by mmap) holds a mutex initialised by
    // `ProcessLock::new`, and lives as long as the borrow.
    #[allow(clippy::cast_ptr_alignment)]
    unsafe {
        &*region.base().cast::<RobustMutex>()
    }
}

/// A mutex taken from a dead holder is made usable again at once: this lock guards no
/// data of its own to repair (the caller is told, and may check its own).
fn taken(region: &SharedRegion, how: Acquired) -> Taken {
    match how {
        Acquired::Clean => Taken::Yes,
        Acquired::OwnerDied => {
            mutex(region).make_consistent();
            Taken::FromDeadHolder
        }
    }
}

fn init_rwlock(at: *mut libc::pthread_rwlock_t) -> io::Result<()> {
    let mut attr = std::mem::MaybeUninit::<libc::pthread_rwlockattr_t>::uninit();
    // SAFETY: attr is initialised before use and destroyed after; `at` points to a fresh
    // region of the rwlock's size that no process uses yet.
    unsafe {
        check(libc::pthread_rwlockattr_init(attr.as_mut_ptr()))?;
        let result = check(libc::pthread_rwlockattr_setpshared(attr.as_mut_ptr(), libc::PTHREAD_PROCESS_SHARED))
            .and_then(|()| check(libc::pthread_rwlock_init(at, attr.as_ptr())));
        libc::pthread_rwlockattr_destroy(attr.as_mut_ptr());
        result
    }
}

fn rw(region: &SharedRegion, op: unsafe extern "C" fn(*mut libc::pthread_rwlock_t) -> libc::c_int) -> io::Result<Taken> {
    // SAFETY: the region holds a rwlock initialised by `ProcessLock::new`.
    match unsafe { op(region.base().cast()) } {
        0 => Ok(Taken::Yes),
        libc::EBUSY => Ok(Taken::No),
        rc => Err(io::Error::from_raw_os_error(rc)),
    }
}

fn sem(region: &SharedRegion, op: unsafe extern "C" fn(*mut libc::sem_t) -> libc::c_int) -> io::Result<Taken> {
    loop {
        // SAFETY: the region holds a semaphore initialised by `ProcessLock::new`.
        if unsafe { op(region.base().cast()) } == 0 {
            return Ok(Taken::Yes);
        }
        match io::Error::last_os_error() {
            e if e.raw_os_error() == Some(libc::EAGAIN) => return Ok(Taken::No),
            e if e.raw_os_error() == Some(libc::EINTR) => {}
            e => return Err(e),
        }
    }
}

fn check(rc: libc::c_int) -> io::Result<()> {
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::from_raw_os_error(rc))
    }
}

/// `CLOCK_REALTIME` `timeout` from now, as the timed pthread and semaphore calls want it.
fn realtime_after(timeout: Duration) -> libc::timespec {
    let at = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default() + timeout;
    libc::timespec { tv_sec: at.as_secs() as libc::time_t, tv_nsec: libc::c_long::from(at.subsec_nanos() as i32) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forked<F: FnOnce() -> i32>(child: F) -> i32 {
        // SAFETY: the child only locks and unlocks memory it shares with the parent (no
        // allocator, no other thread's state) and ends with _exit, never returning into
        // the test harness.
        match unsafe { libc::fork() } {
            0 => {
                let code = child();
                // SAFETY: _exit ends the child without running the parent's destructors.
                unsafe { libc::_exit(code) }
            }
            pid => {
                let mut status = 0;
                // SAFETY: waits for the child just forked.
                unsafe { libc::waitpid(pid, &raw mut status, 0) };
                libc::WEXITSTATUS(status)
            }
        }
    }

    #[test]
    fn a_mutex_held_here_is_busy_in_a_child() {
        let lock = ProcessLock::new(LockKind::Mutex, "").unwrap();
        assert_eq!(lock.lock().unwrap(), Taken::Yes);
        assert_eq!(forked(|| i32::from(lock.try_lock().unwrap() == Taken::No)), 1);
        assert!(lock.unlock().is_ok());
        assert_eq!(forked(|| i32::from(lock.try_lock().unwrap() == Taken::Yes)), 1);
    }

    #[test]
    fn a_mutex_whose_holder_died_is_taken_with_the_mark() {
        let lock = ProcessLock::new(LockKind::Mutex, "").unwrap();
        forked(|| i32::from(lock.lock().unwrap() == Taken::Yes));
        assert_eq!(lock.lock().unwrap(), Taken::FromDeadHolder);
        assert!(lock.unlock().is_ok());
        assert_eq!(lock.lock().unwrap(), Taken::Yes, "usable again afterwards");
    }

    #[test]
    fn a_mutex_dropped_by_its_holder_is_free_for_the_others() {
        let lock = ProcessLock::new(LockKind::Mutex, "").unwrap();
        // The child takes it and drops its copy (unmapping the region) before it exits.
        forked(|| {
            // SAFETY: the child's copy of the struct is its own after the fork; reading it
            // out and dropping it once (the original is never dropped: _exit follows) is
            // one drop, as in a PHP child that destroys its inherited Lock.
            let copy = unsafe { std::ptr::read(&raw const lock) };
            let ok = copy.lock().unwrap() == Taken::Yes;
            drop(copy);
            i32::from(ok)
        });
        assert_eq!(lock.try_lock().unwrap(), Taken::Yes);
    }

    #[test]
    fn lock_wait_gives_up_after_its_timeout() {
        let lock = ProcessLock::new(LockKind::Mutex, "").unwrap();
        lock.lock().unwrap();
        let taken = forked(|| i32::from(lock.lock_wait(Duration::from_millis(50)).unwrap() == Some(Taken::No)));
        assert_eq!(taken, 1);
        assert!(ProcessLock::new(LockKind::RwLock, "").unwrap().lock_wait(Duration::from_millis(1)).unwrap().is_none());
    }

    #[test]
    fn readers_share_a_rwlock_and_a_writer_is_alone() {
        let lock = ProcessLock::new(LockKind::RwLock, "").unwrap();
        assert_eq!(lock.lock_read().unwrap(), Taken::Yes);
        // A rwlock is not robust: the child lets its read side go before it exits.
        assert_eq!(forked(|| i32::from(lock.try_lock_read().unwrap() == Taken::Yes && lock.unlock().is_ok())), 1);
        assert_eq!(forked(|| i32::from(lock.try_lock().unwrap() == Taken::No)), 1);
        lock.unlock().unwrap();
        assert_eq!(forked(|| i32::from(lock.try_lock().unwrap() == Taken::Yes)), 1);
    }

    #[test]
    fn a_semaphore_may_be_posted_by_another_process() {
        let lock = ProcessLock::new(LockKind::Sem, "").unwrap();
        assert_eq!(lock.lock().unwrap(), Taken::Yes);
        assert_eq!(lock.try_lock().unwrap(), Taken::No);
        forked(|| i32::from(lock.unlock().is_ok()));
        assert_eq!(lock.try_lock().unwrap(), Taken::Yes);
    }

    #[test]
    fn a_file_lock_belongs_to_its_process() {
        let path = std::env::temp_dir().join(format!("laravels-lock-test-{}", std::process::id()));
        let lock = ProcessLock::new(LockKind::File, path.to_str().unwrap()).unwrap();
        assert_eq!(lock.lock().unwrap(), Taken::Yes);
        assert_eq!(forked(|| i32::from(lock.try_lock().unwrap() == Taken::No)), 1);
        lock.unlock().unwrap();
        assert_eq!(forked(|| i32::from(lock.try_lock().unwrap() == Taken::Yes)), 1);
        assert!(ProcessLock::new(LockKind::File, "").is_err(), "a file lock needs its file");
        let _ = std::fs::remove_file(path);
    }
}
