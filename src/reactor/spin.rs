//! A reactor thread's short spin before it sleeps.
//!
//! When a reactor thread runs out of work while a worker is handling a request, it
//! watches the workers' doorbell (`ipc::doorbell`) for up to `swoole.reactor_spin_us`
//! instead of going to sleep in epoll at once. The worker's answer then finds the thread
//! awake, and the worker's `send()` has nobody to wake: on this project's VMs a
//! cross-CPU wake-up costs the sender about 10 µs, a tenth of a hello-world Laravel
//! request, paid by the worker, which is the bottleneck. Measured in docs/benchmarks.md.
//!
//! The spin is bounded and backs off:
//! - only while a worker has a request or event in hand ([`Spin::busy`]), and only while
//!   fewer workers are busy than there are CPUs: a spinning thread on a CPU a worker needs
//!   delays that worker by up to a scheduler slice (measured: p99 0.6 -> 4 ms with two
//!   busy workers on two CPUs);
//! - never when an answer is already waiting in a worker socket (one `poll()` of the
//!   HTTP workers' sockets, [`Spin::watch`]): the spin would wait for a second ring while
//!   the first answer sits unread;
//! - one thread at a time;
//! - a spin that ends without an answer doubles how many of the next parks skip spinning
//!   (up to [`MAX_SKIP`]), so slow requests cost at most a spin now and then.
//!
//! It yields the CPU every few checks, so a thread that needs the core gets it.

use std::os::fd::RawFd;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::ipc::doorbell;

static SPIN: OnceLock<Spin> = OnceLock::new();

/// Sets the master's spin limit; called once, before its runtime starts.
pub fn install(limit: Duration) -> &'static Spin {
    let cpus = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    SPIN.get_or_init(|| Spin::new(limit, cpus))
}

/// The master's spin, if this process runs one (not in tests).
pub fn current() -> Option<&'static Spin> {
    SPIN.get()
}

/// Counts a request or event as in a worker's hands (see [`Spin::busy`]), in a process
/// that spins.
pub fn in_hand() -> Option<InHand<'static>> {
    current().map(Spin::busy)
}

/// Adds the spin to a runtime's threads.
pub fn hook(builder: &mut tokio::runtime::Builder, spin: &'static Spin) {
    builder.on_thread_park(move || {
        spin.park(doorbell::rung, || spin.answer_waiting());
    });
}

/// The most parks skipped after spins that found no answer.
pub const MAX_SKIP: u32 = 64;
/// Checks of the doorbell between two yields of the CPU.
const CHECKS_PER_YIELD: u32 = 16;

/// How a park's spin ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpinEnd {
    /// Not spun: disabled, nothing in hand, no CPU to spare, backing off, or another
    /// thread is spinning.
    Skipped,
    /// The doorbell rang: an answer is there for epoll to find.
    Rang,
    /// The limit passed without a ring.
    TimedOut,
    /// An answer was already waiting: epoll will report it at once.
    Waiting,
    /// The last job in hand ended meanwhile (on another thread).
    Idle,
    /// As many workers as CPUs became busy meanwhile: the CPU is theirs.
    Crowded,
}

/// The master's spin state, one per process ([`install`]), shared by its reactor threads.
pub struct Spin {
    limit: Duration,
    /// CPUs this process may run on; a spin needs one that no busy worker needs.
    cpus: usize,
    /// Requests and events handed to workers and not answered yet.
    in_hand: AtomicUsize,
    spinning: AtomicBool,
    /// Parks left to skip, and the skip to use after the next spin that finds nothing.
    skip_left: AtomicU32,
    backoff: AtomicU32,
    /// The HTTP workers' sockets, as `poll()` takes them.
    sockets: parking_lot::Mutex<Vec<libc::pollfd>>,
}

impl Spin {
    /// A spin of at most `limit` per park (`reactor_spin_us`; zero never spins), in a
    /// process that may run on `cpus` CPUs.
    pub fn new(limit: Duration, cpus: usize) -> Self {
        Spin {
            limit,
            cpus,
            in_hand: AtomicUsize::new(0),
            spinning: AtomicBool::new(false),
            skip_left: AtomicU32::new(0),
            backoff: AtomicU32::new(0),
            sockets: parking_lot::Mutex::new(Vec::new()),
        }
    }

    /// Counts a request or event as in a worker's hands until the guard is dropped.
    pub fn busy(&self) -> InHand<'_> {
        self.in_hand.fetch_add(1, Ordering::Relaxed);
        InHand(self)
    }

    /// Adds a worker socket to those checked before a spin, until the guard is dropped.
    pub fn watch(&self, fd: RawFd) -> Watched<'_> {
        self.sockets.lock().push(libc::pollfd { fd, events: libc::POLLIN, revents: 0 });
        Watched(self, fd)
    }

    /// Whether a watched worker socket has something to read (or is closed).
    pub fn answer_waiting(&self) -> bool {
        let mut fds = self.sockets.lock();
        if fds.is_empty() {
            return false;
        }
        // SAFETY: `fds` is an exclusively borrowed array of `len` pollfd structs for the
        // whole call; a zero timeout makes poll() return at once.
        let ready = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, 0) };
        ready > 0
    }

    /// For tokio's `on_thread_park`: spins while it may. `bell` reads the doorbell;
    /// `waiting` tells whether an answer already came in.
    pub fn park(&self, bell: impl Fn() -> Option<i64>, waiting: impl Fn() -> bool) -> SpinEnd {
        if self.limit.is_zero() || !self.cpu_to_spare(self.in_hand.load(Ordering::Relaxed)) {
            return SpinEnd::Skipped;
        }
        // Read before looking at the sockets: a ring after this ends the spin at once.
        let Some(start) = bell() else { return SpinEnd::Skipped };
        if self.skip_left.load(Ordering::Relaxed) > 0 {
            self.skip_left.fetch_sub(1, Ordering::Relaxed);
            return SpinEnd::Skipped;
        }
        if self.spinning.swap(true, Ordering::Acquire) {
            return SpinEnd::Skipped;
        }
        let end = if waiting() { SpinEnd::Waiting } else { self.spin(start, &bell) };
        match end {
            SpinEnd::Rang => self.backoff.store(0, Ordering::Relaxed),
            SpinEnd::TimedOut => {
                let next = (self.backoff.load(Ordering::Relaxed) * 2).clamp(1, MAX_SKIP);
                self.backoff.store(next, Ordering::Relaxed);
                self.skip_left.store(next, Ordering::Relaxed);
            }
            SpinEnd::Idle | SpinEnd::Crowded | SpinEnd::Skipped | SpinEnd::Waiting => {}
        }
        self.spinning.store(false, Ordering::Release);
        end
    }

    /// Whether something is in hand and a CPU is left for the spin beside `busy` workers.
    fn cpu_to_spare(&self, busy: usize) -> bool {
        busy > 0 && busy < self.cpus
    }

    fn spin(&self, start: i64, bell: &impl Fn() -> Option<i64>) -> SpinEnd {
        let began = Instant::now();
        let mut checks = 0u32;
        loop {
            if bell() != Some(start) {
                return SpinEnd::Rang;
            }
            match self.in_hand.load(Ordering::Relaxed) {
                0 => return SpinEnd::Idle,
                busy if !self.cpu_to_spare(busy) => return SpinEnd::Crowded,
                _ => {}
            }
            checks += 1;
            if checks % CHECKS_PER_YIELD == 0 {
                if began.elapsed() >= self.limit {
                    return SpinEnd::TimedOut;
                }
                std::thread::yield_now();
            } else {
                std::hint::spin_loop();
            }
        }
    }
}

/// A watched worker socket; see [`Spin::watch`].
pub struct Watched<'a>(&'a Spin, RawFd);

impl Drop for Watched<'_> {
    fn drop(&mut self) {
        self.0.sockets.lock().retain(|p| p.fd != self.1);
    }
}

/// A request or event in a worker's hands; see [`Spin::busy`].
pub struct InHand<'a>(&'a Spin);

impl Drop for InHand<'_> {
    fn drop(&mut self) {
        self.0.in_hand.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicI64;
    use std::sync::Arc;

    fn spin(limit_ms: u64) -> Spin {
        Spin::new(Duration::from_millis(limit_ms), 4)
    }

    const NOTHING: fn() -> bool = || false;

    #[test]
    fn nothing_in_hand_or_no_limit_or_no_doorbell_means_no_spin() {
        let bell = || Some(0);
        let idle = spin(10_000);
        assert_eq!(idle.park(bell, NOTHING), SpinEnd::Skipped, "no request in a worker's hands");
        let off = Spin::new(Duration::ZERO, 4);
        let _busy = off.busy();
        assert_eq!(off.park(bell, NOTHING), SpinEnd::Skipped, "reactor_spin_us = 0");
        let s = spin(10_000);
        let _busy = s.busy();
        assert_eq!(s.park(|| None, NOTHING), SpinEnd::Skipped, "no doorbell");
    }

    #[test]
    fn no_spin_when_as_many_workers_are_busy_as_there_are_cpus() {
        let s = Spin::new(Duration::from_secs(60), 2);
        let first = s.busy();
        let second = s.busy();
        assert_eq!(s.park(|| Some(0), NOTHING), SpinEnd::Skipped, "two busy workers, two CPUs");
        drop(second);
        let bell = AtomicI64::new(0);
        // One busy worker leaves a CPU: it spins, and stops when a second gets busy.
        let end = std::thread::scope(|scope| {
            let spinning = scope.spawn(|| s.park(|| Some(bell.load(Ordering::SeqCst)), NOTHING));
            while !s.spinning.load(Ordering::SeqCst) {
                std::thread::yield_now();
            }
            let _again = s.busy();
            spinning.join().unwrap()
        });
        assert_eq!(end, SpinEnd::Crowded);
        drop(first);
    }

    #[test]
    fn an_answer_already_waiting_is_not_waited_for_again() {
        let s = spin(60_000);
        let _busy = s.busy();
        assert_eq!(s.park(|| Some(5), || true), SpinEnd::Waiting);
    }

    #[test]
    fn a_ring_ends_the_spin() {
        let s = spin(60_000);
        let _busy = s.busy();
        let bell = Arc::new(AtomicI64::new(7));
        let ringer = {
            let bell = bell.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(20));
                bell.fetch_add(1, Ordering::SeqCst);
            })
        };
        // With a 60 s limit, returning at all means the ring ended it.
        assert_eq!(s.park(|| Some(bell.load(Ordering::SeqCst)), NOTHING), SpinEnd::Rang);
        ringer.join().unwrap();
    }

    #[test]
    fn spins_that_find_nothing_back_off_and_a_ring_resets() {
        let s = spin(1);
        let _busy = s.busy();
        let silent = || Some(0);
        assert_eq!(s.park(silent, NOTHING), SpinEnd::TimedOut);
        assert_eq!(s.park(silent, NOTHING), SpinEnd::Skipped, "skips one park after the first miss");
        assert_eq!(s.park(silent, NOTHING), SpinEnd::TimedOut);
        assert_eq!((s.park(silent, NOTHING), s.park(silent, NOTHING)), (SpinEnd::Skipped, SpinEnd::Skipped), "then two");
        assert_eq!(s.park(silent, NOTHING), SpinEnd::TimedOut);
        for _ in 0..4 {
            assert_eq!(s.park(silent, NOTHING), SpinEnd::Skipped);
        }
        // The bell reads 0 when the spin starts, then 1.
        let reads = AtomicI64::new(0);
        assert_eq!(s.park(|| Some(reads.fetch_add(1, Ordering::SeqCst).min(1)), NOTHING), SpinEnd::Rang);
        assert_eq!(s.park(silent, NOTHING), SpinEnd::TimedOut, "no skip after a ring");
    }

    #[test]
    fn the_skip_never_passes_its_cap() {
        let s = Spin::new(Duration::from_nanos(1), 4);
        let _busy = s.busy();
        for _ in 0..200 {
            s.park(|| Some(0), NOTHING);
        }
        assert!(s.backoff.load(Ordering::Relaxed) <= MAX_SKIP);
        assert!(s.skip_left.load(Ordering::Relaxed) <= MAX_SKIP);
    }

    #[test]
    fn a_watched_socket_with_data_counts_as_an_answer_waiting() {
        let s = spin(10);
        let (mut a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        assert!(!s.answer_waiting(), "nothing watched");
        {
            let _watched = s.watch(std::os::fd::AsRawFd::as_raw_fd(&b));
            assert!(!s.answer_waiting(), "nothing sent yet");
            std::io::Write::write_all(&mut a, b"frame").unwrap();
            assert!(s.answer_waiting());
        }
        assert!(!s.answer_waiting(), "no longer watched");
    }
}
