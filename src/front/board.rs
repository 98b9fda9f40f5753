//! Which HTTP workers could take a request right now, in shared memory: each worker's
//! front writes its own state, and a front whose PHP thread is held up by a slow request
//! reads the others' to pick one to forward its waiting requests to (`sibling.rs`).
//! The master reads the same words for `bin/laravels status` and the metrics' gauges
//! (what each PHP thread runs and since when, requests served and waiting, connections),
//! and for why a worker left (`farewell`), since in `serving_mode` worker it sees none
//! of the fronts' requests.
//!
//! A state is only a hint: the worker picked may have become busy meanwhile, and then it
//! refuses the forwarded request, which stays where it was.

use std::sync::atomic::{fence, AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

use crate::metrics::Restart;
use crate::pool::process::monotonic_ns;
use crate::table::SharedRegion;

/// How long the PHP thread may run one request before its front counts as held up: it
/// stops accepting while another worker is free, and forwards the requests waiting for
/// it. Far above a typical request (0.1-1 ms), far below what a client notices.
pub const HELD_UP_AFTER: Duration = Duration::from_millis(2);

/// A slot's first word: no front serves in this id (not started yet, gone, or leaving).
const ABSENT: u64 = 0;
/// The PHP thread is idle.
const IDLE: u64 = 1;
// Any other value: the PHP thread runs a request that began at this `monotonic_ns`.

/// Words before the slots: whether the server is draining (a stop began), and the
/// requests the fronts answered 503 by the overload policy (`queue`).
const HEADER: usize = 2;
const DRAINING: usize = 0;
const SHED: usize = 1;
/// The words of a slot: the state above, the requests waiting, the pid serving, the
/// connections it holds, whether it accepts new ones (1) or not (0), how long its
/// requests take (a moving mean, ns), the requests its PHP thread answered, why its last
/// process left (`pid << 32 | cause`), and the current request's label (method and path,
/// UTF-8, zero-padded).
const WORDS: usize = 8 + LABEL_WORDS;
const RUN: usize = 0;
const WAITING: usize = 1;
const PID: usize = 2;
const OPEN: usize = 3;
const ACCEPTING: usize = 4;
const MEAN: usize = 5;
const SERVED: usize = 6;
const FAREWELL: usize = 7;
const LABEL: usize = 8;
/// "GET /orders/7/items" and the like fit; longer labels are cut at a character.
const LABEL_WORDS: usize = 8;
const LABEL_BYTES: usize = LABEL_WORDS * 8;

/// What a front can say of its PHP thread to the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// No front serves in this id.
    Absent,
    /// Idle, or running a request for less than `HELD_UP_AFTER`: what waits for it
    /// (short requests, most likely) is soon served.
    Free,
    /// Held up by a long request.
    HeldUp,
}

static BOARD: OnceLock<Board> = OnceLock::new();

/// Sixteen words per HTTP worker id, mapped before the fork: what its PHP thread runs
/// since when (`ABSENT`, `IDLE` or the start of its request), how many requests wait for
/// it, the pid of the process serving in it (its front's socket is named after it), how
/// many connections it holds, whether it accepts more, how long its requests take, how
/// many it answered, why its last process left and what its current request is.
pub struct Board {
    region: SharedRegion,
    slots: usize,
}

impl Board {
    pub(super) fn new(slots: usize) -> std::io::Result<Self> {
        let region = SharedRegion::new((HEADER + WORDS * slots.max(1)) * std::mem::size_of::<AtomicU64>())?;
        Ok(Board { region, slots })
    }

    fn word(&self, id: u32, word: usize) -> Option<&AtomicU64> {
        if id as usize >= self.slots {
            return None;
        }
        Some(self.at(HEADER + WORDS * id as usize + word))
    }

    fn at(&self, index: usize) -> &AtomicU64 {
        // The region's base is page-aligned (mmap), so the cast keeps u64's alignment.
        #[allow(clippy::cast_ptr_alignment)]
        // SAFETY: the region is zero-filled, page-aligned and `HEADER + WORDS * slots` u64s
        // long, and callers pass an index below that, so it is in bounds and aligned;
        // AtomicU64 has u64's layout, and every process only reaches these bytes through
        // atomics.
        unsafe {
            &*self.region.base().cast::<AtomicU64>().add(index)
        }
    }

    /// Process `pid` serves in worker id `id`: its PHP thread is idle (`since` `None`) or
    /// began a request at `since` (`monotonic_ns`), with `waiting` requests behind it.
    pub fn set(&self, id: u32, pid: u32, since: Option<u64>, waiting: usize) {
        if let (Some(run), Some(wait), Some(owner)) = (self.word(id, RUN), self.word(id, WAITING), self.word(id, PID)) {
            owner.store(u64::from(pid), Ordering::Release);
            wait.store(waiting as u64, Ordering::Release);
            run.store(since.map_or(IDLE, |t| t.max(IDLE + 1)), Ordering::Release);
        }
    }

    /// Process `pid` serves no more in id `id` (it is leaving); a successor that already
    /// took the id keeps it.
    pub fn clear(&self, id: u32, pid: u32) {
        if let (Some(run), Some(owner)) = (self.word(id, RUN), self.word(id, PID)) {
            if owner.compare_exchange(u64::from(pid), 0, Ordering::AcqRel, Ordering::Acquire).is_ok() {
                run.store(ABSENT, Ordering::Release);
            }
        }
    }

    /// A stop began (the master): every front's readiness answers 503 from now on.
    pub fn start_drain(&self) {
        self.at(DRAINING).store(1, Ordering::Release);
    }

    /// Whether a stop began.
    pub fn draining(&self) -> bool {
        self.at(DRAINING).load(Ordering::Acquire) == 1
    }

    /// A front answered a request 503 by the overload policy.
    pub fn count_shed(&self) {
        self.at(SHED).fetch_add(1, Ordering::Relaxed);
    }

    /// Requests the fronts answered 503 by the overload policy so far.
    pub fn shed(&self) -> u64 {
        self.at(SHED).load(Ordering::Relaxed)
    }

    /// How many fronts serve now.
    pub fn present(&self) -> usize {
        (0..self.slots as u32).filter(|&id| self.get(id) != State::Absent).count()
    }

    /// Worker `id` holds `open` connections.
    pub fn set_open(&self, id: u32, open: usize) {
        if let Some(count) = self.word(id, OPEN) {
            count.store(open as u64, Ordering::Relaxed);
        }
    }

    /// Worker `id` accepts connections, or not.
    pub fn set_accepting(&self, id: u32, accepting: bool) {
        if let Some(flag) = self.word(id, ACCEPTING) {
            flag.store(u64::from(accepting), Ordering::Relaxed);
        }
    }

    /// Whether worker `me`, holding `open` connections, may take another: not while it
    /// holds more than two over the average of the others that accept, so that the
    /// connections arriving at once spread over the workers (the first worker awake
    /// would take them all).
    pub fn fair_to_accept(&self, me: u32, open: usize) -> bool {
        let (mut others, mut total) = (0u64, 0u64);
        for id in self.present_other_than(me) {
            if self.word(id, ACCEPTING).is_some_and(|w| w.load(Ordering::Relaxed) == 1) {
                others += 1;
                total += self.word(id, OPEN).map_or(0, |w| w.load(Ordering::Relaxed));
            }
        }
        others == 0 || open as u64 <= total / others + 2
    }

    /// The pid serving in id `id`, if any.
    pub fn pid(&self, id: u32) -> Option<u32> {
        self.word(id, PID).map(|w| w.load(Ordering::Acquire) as u32).filter(|&pid| pid != 0)
    }

    /// What worker `id` can take now.
    pub fn get(&self, id: u32) -> State {
        let Some(run) = self.word(id, RUN) else { return State::Absent };
        match run.load(Ordering::Acquire) {
            ABSENT => State::Absent,
            IDLE => State::Free,
            since if monotonic_ns().saturating_sub(since) < HELD_UP_AFTER.as_nanos() as u64 => State::Free,
            _ => State::HeldUp,
        }
    }

    /// Worker `id`'s requests take `mean` on average (ns).
    pub fn set_mean(&self, id: u32, mean: u64) {
        if let Some(word) = self.word(id, MEAN) {
            word.store(mean, Ordering::Relaxed);
        }
    }

    /// The free worker other than `me` where a request would wait least, if that wait
    /// (its requests waiting times its mean request time) is under `budget`: how long
    /// `me`'s current request has run, a guess at what it still has to run. Under an even
    /// load every queue is about as long, so nothing moves; behind a request of seconds,
    /// everything does. Of equals, the first after `me` round the ring.
    pub fn free_other_than(&self, me: u32, budget: Duration) -> Option<u32> {
        let wait = |id: u32| {
            let waiting = self.word(id, WAITING).map_or(u64::MAX, |w| w.load(Ordering::Acquire));
            let mean = self.word(id, MEAN).map_or(u64::MAX, |w| w.load(Ordering::Relaxed));
            waiting.saturating_mul(mean)
        };
        let budget = u64::try_from(budget.as_nanos()).unwrap_or(u64::MAX);
        self.others(me)
            .filter(|&id| self.get(id) == State::Free)
            .map(|id| (wait(id), id))
            .filter(|&(w, _)| w < budget)
            .min_by_key(|&(w, _)| w)
            .map(|(_, id)| id)
    }

    /// Every worker serving now other than `me`, in the same order.
    pub fn present_other_than(&self, me: u32) -> impl Iterator<Item = u32> + '_ {
        self.others(me).filter(|&id| self.get(id) != State::Absent)
    }

    fn others(&self, me: u32) -> impl Iterator<Item = u32> {
        let n = self.slots as u32;
        (1..n).map(move |step| (me + step) % n)
    }
}

impl Board {
    /// Worker `id`'s PHP thread is about to run the request `label` ("GET /path", no
    /// query): the next `set` with its start shows it. `RUN` goes through `IDLE` first, so
    /// a reader that saw the same start before and after the label read a whole one.
    pub fn begin(&self, id: u32, label: &str) {
        let Some(run) = self.word(id, RUN) else { return };
        // A front that left the board (stopping) stays off it: it shows no request.
        if run.load(Ordering::Relaxed) != ABSENT {
            run.store(IDLE, Ordering::Relaxed);
        }
        fence(Ordering::Release);
        let mut cut = label.len().min(LABEL_BYTES);
        while !label.is_char_boundary(cut) {
            cut -= 1;
        }
        let mut bytes = [0u8; LABEL_BYTES];
        bytes[..cut].copy_from_slice(&label.as_bytes()[..cut]);
        for (i, chunk) in bytes.chunks_exact(8).enumerate() {
            let word = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
            self.at(HEADER + WORDS * id as usize + LABEL + i).store(word, Ordering::Relaxed);
        }
    }

    /// What worker `id`'s PHP thread runs now: the request's label and when it began
    /// (`monotonic_ns`); `None` while it is idle or absent.
    pub fn running(&self, id: u32) -> Option<(String, u64)> {
        let run = self.word(id, RUN)?;
        // A label torn by a new request is read again; after a few tries, shown as it is.
        for _ in 0..4 {
            let since = run.load(Ordering::Acquire);
            if since == ABSENT || since == IDLE {
                return None;
            }
            let mut bytes = [0u8; LABEL_BYTES];
            for (i, chunk) in bytes.chunks_exact_mut(8).enumerate() {
                chunk.copy_from_slice(&self.at(HEADER + WORDS * id as usize + LABEL + i).load(Ordering::Relaxed).to_le_bytes());
            }
            fence(Ordering::Acquire);
            if run.load(Ordering::Relaxed) == since {
                let len = bytes.iter().position(|&b| b == 0).unwrap_or(LABEL_BYTES);
                return Some((String::from_utf8_lossy(&bytes[..len]).into_owned(), since));
            }
        }
        None
    }

    /// Worker `id`'s PHP thread has answered `served` requests since its process began
    /// serving in the id.
    pub fn set_served(&self, id: u32, served: u64) {
        if let Some(word) = self.word(id, SERVED) {
            word.store(served, Ordering::Relaxed);
        }
    }

    /// Requests worker `id`'s current process answered (`set_served`).
    pub fn served(&self, id: u32) -> u64 {
        self.word(id, SERVED).map_or(0, |w| w.load(Ordering::Relaxed))
    }

    /// Requests waiting for worker `id`'s PHP thread.
    pub fn waiting(&self, id: u32) -> u64 {
        self.word(id, WAITING).map_or(0, |w| w.load(Ordering::Acquire))
    }

    /// Connections worker `id` holds.
    pub fn open(&self, id: u32) -> u64 {
        self.word(id, OPEN).map_or(0, |w| w.load(Ordering::Relaxed))
    }

    /// Process `pid` in worker id `id` is about to leave for `cause`; written before it
    /// ends, for the master, which sees only its connection close.
    pub fn farewell(&self, id: u32, pid: u32, cause: Restart) {
        if let Some(word) = self.word(id, FAREWELL) {
            word.store(u64::from(pid) << 32 | (cause.index() as u64 + 1), Ordering::Release);
        }
    }

    /// Why process `pid` in id `id` left, if it said so (`farewell`); `None`: it died
    /// without a word.
    pub fn farewell_of(&self, id: u32, pid: u32) -> Option<Restart> {
        let word = self.word(id, FAREWELL)?.load(Ordering::Acquire);
        if word >> 32 != u64::from(pid) {
            return None;
        }
        let code = (word & 0xff) as usize;
        Restart::ALL.get(code.checked_sub(1)?).copied()
    }
}

/// Maps the board for `worker_num` HTTP workers; call in the master before forking, in
/// `serving_mode` worker.
pub fn install(worker_num: usize) -> std::io::Result<()> {
    if BOARD.get().is_none() {
        let _ = BOARD.set(Board::new(worker_num)?);
    }
    Ok(())
}

/// The board installed before the fork; `None` in `serving_mode` master.
pub fn shared() -> Option<&'static Board> {
    BOARD.get()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_available_worker_is_found_after_me_round_the_ring_and_never_me() {
        let board = Board::new(4).unwrap();
        let long = Duration::from_secs(1);
        assert_eq!(board.free_other_than(1, long), None, "all absent at first");
        board.set(1, 11, None, 0);
        assert_eq!(board.free_other_than(1, long), None, "never myself");
        board.set(0, 10, None, 0);
        board.set(3, 13, Some(monotonic_ns()), 0);
        assert_eq!(board.free_other_than(1, long), Some(3), "a request just begun leaves it free");
        assert_eq!(board.free_other_than(3, long), Some(0));
        board.set(3, 13, Some(monotonic_ns()), 5);
        board.set_mean(3, 100_000);
        assert_eq!(board.get(3), State::Free, "requests waiting do not hold it up");
        assert_eq!(board.free_other_than(1, long), Some(0), "the one with fewer waiting");
        board.set(0, 10, Some(monotonic_ns() - 2 * HELD_UP_AFTER.as_nanos() as u64), 0);
        assert_eq!(board.get(0), State::HeldUp, "held up by a long request");
        assert_eq!(board.free_other_than(1, long), Some(3));
        assert_eq!(board.free_other_than(1, Duration::from_micros(400)), None, "5 waiting x 100 us is more than the budget");
        board.set(3, 13, Some(monotonic_ns() - 2 * HELD_UP_AFTER.as_nanos() as u64), 0);
        assert_eq!(board.free_other_than(1, long), None);
        assert_eq!(board.present_other_than(1).collect::<Vec<_>>(), vec![3, 0]);
        assert_eq!(board.pid(3), Some(13));
        board.clear(3, 99);
        assert_eq!(board.get(3), State::HeldUp, "only the pid serving in the id clears it");
        board.clear(3, 13);
        assert_eq!((board.get(3), board.pid(3)), (State::Absent, None));
        assert_eq!(board.get(9), State::Absent, "past the last id");
    }

    #[test]
    fn a_drain_is_seen_by_every_reader_and_fronts_are_counted() {
        let board = Board::new(3).unwrap();
        assert!(!board.draining());
        assert_eq!(board.present(), 0);
        board.set(2, 12, None, 0);
        board.set(0, 10, Some(monotonic_ns()), 3);
        assert_eq!(board.present(), 2);
        board.start_drain();
        assert!(board.draining());
        board.count_shed();
        board.count_shed();
        assert_eq!(board.shed(), 2);
        assert_eq!(board.get(2), State::Free, "the header is apart from the slots");
        assert_eq!((board.pid(0), board.waiting(0)), (Some(10), 3), "nor is the shed count");
    }

    #[test]
    fn a_worker_holding_more_than_its_share_of_connections_lets_the_others_accept() {
        let board = Board::new(3).unwrap();
        assert!(board.fair_to_accept(0, 50), "alone: always");
        board.set(1, 11, None, 0);
        board.set_open(1, 4);
        board.set_accepting(1, true);
        assert!(board.fair_to_accept(0, 6));
        assert!(!board.fair_to_accept(0, 7), "more than two over the other's 4");
        board.set(2, 12, None, 0);
        board.set_accepting(2, true);
        assert!(!board.fair_to_accept(0, 5), "the others average 2");
        assert!(board.fair_to_accept(0, 4));
        board.set_accepting(2, false);
        assert!(board.fair_to_accept(0, 6), "one that does not accept is not counted");
        board.set_accepting(1, false);
        assert!(board.fair_to_accept(0, 50), "none of the others accepts: take it");
    }

    #[test]
    fn a_request_shows_its_label_while_it_runs_and_counts_once_answered() {
        let board = Board::new(2).unwrap();
        assert_eq!(board.running(1), None, "absent");
        board.begin(1, "GET /early");
        assert_eq!(board.get(1), State::Absent, "a label does not put a leaving front back");
        board.set(1, 11, None, 0);
        assert_eq!(board.running(1), None, "idle");
        board.begin(1, "GET /sleep/3000");
        assert_eq!(board.running(1), None, "not shown before its start is");
        let since = monotonic_ns();
        board.set(1, 11, Some(since), 2);
        assert_eq!(board.running(1), Some(("GET /sleep/3000".to_owned(), since)));
        assert_eq!(board.waiting(1), 2);
        board.set_served(1, 1);
        board.set(1, 11, None, 0);
        assert_eq!((board.running(1), board.served(1)), (None, 1));
        // A shorter label leaves nothing of the longer one; a long one is cut at a character.
        board.begin(1, "PUT /a");
        board.set(1, 11, Some(since + 1), 0);
        assert_eq!(board.running(1).map(|r| r.0), Some("PUT /a".to_owned()));
        let long = format!("GET /{}é", "x".repeat(LABEL_BYTES - 6));
        board.begin(1, &long);
        board.set(1, 11, Some(since + 2), 0);
        let shown = board.running(1).unwrap().0;
        assert_eq!(shown, format!("GET /{}", "x".repeat(LABEL_BYTES - 6)), "é would straddle the end");
        assert_eq!(board.running(0), None, "the other slot is untouched");
    }

    #[test]
    fn a_farewell_is_read_only_for_the_process_that_wrote_it() {
        let board = Board::new(2).unwrap();
        assert_eq!(board.farewell_of(0, 10), None, "nothing said yet");
        board.farewell(0, 10, Restart::MaxRequest);
        assert_eq!(board.farewell_of(0, 10), Some(Restart::MaxRequest));
        assert_eq!(board.farewell_of(0, 12), None, "a later process in the id said nothing");
        assert_eq!(board.farewell_of(1, 10), None);
        board.farewell(0, 12, Restart::Deadline);
        assert_eq!(board.farewell_of(0, 12), Some(Restart::Deadline));
        for cause in Restart::ALL {
            board.farewell(1, 7, cause);
            assert_eq!(board.farewell_of(1, 7), Some(cause));
        }
    }

    #[test]
    fn the_board_is_shared_with_a_forked_child() {
        let board = Board::new(2).unwrap();
        // SAFETY: the child only stores to the shared words and leaves at once.
        match unsafe { libc::fork() } {
            0 => {
                board.begin(1, "GET /x");
                board.set(1, 7, Some(monotonic_ns()), 0);
                board.set_served(1, 3);
                board.farewell(1, 7, Restart::Exit);
                // SAFETY: leaves the forked child without running the parent's destructors.
                unsafe { libc::_exit(0) }
            }
            pid => {
                let mut status = 0;
                // SAFETY: waits for our own child, with a live status variable.
                unsafe { libc::waitpid(pid, &raw mut status, 0) };
                assert_ne!(board.get(1), State::Absent);
                assert_eq!(board.running(1).map(|r| r.0).as_deref(), Some("GET /x"));
                assert_eq!((board.served(1), board.farewell_of(1, 7)), (3, Some(Restart::Exit)));
            }
        }
    }
}
