//! Which children booted, and what the manager does about those that cannot.
//!
//! A child boots the application before it connects to the master. If it dies first (an
//! exception in a service provider, a fatal error, a missing `APP_KEY` some provider
//! needs), forking it again at once only repeats the failure. The manager tells the two
//! ends apart with a [`BootBoard`] in shared memory: each child writes its pid into its
//! slot once it has connected (`WorkerLink::connect`), so a child that exits while its
//! slot does not hold its pid never booted. [`BootPolicy`] then decides, per failure:
//! try again after a pause that doubles with each failure in a row (up to
//! [`MAX_PAUSE`]), or, while no HTTP worker has ever booted since the server started,
//! give up after [`GIVE_UP_AFTER`] failures of each of them: a server that cannot boot
//! stops with the error on the console instead of looping in silence. Once the server
//! has served, it never gives up by itself: a deploy that breaks the boot is retried
//! (the fixed code boots on a later try) while the error is logged at each failure.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

use crate::table::SharedRegion;

/// The exit status a PHP child uses when its application failed to boot (sysexits'
/// `EX_CONFIG`). The package mirrors it (`php/Bridge/BootGuard.php`).
pub const BOOT_FAILED_STATUS: i32 = 78;
/// The manager's exit status when it gave up because no HTTP worker could boot; the
/// master reads it to say why it stops.
pub const GAVE_UP_STATUS: i32 = 79;

/// The first pause before a child that failed to boot is forked again.
pub const FIRST_PAUSE: Duration = Duration::from_millis(500);
/// The longest pause between two tries.
pub const MAX_PAUSE: Duration = Duration::from_secs(30);
/// How many boot failures in a row of every HTTP worker make a server that never
/// served give up.
pub const GIVE_UP_AFTER: u32 = 5;

static BOARD: OnceLock<BootBoard> = OnceLock::new();

/// Two slots per process id, in shared memory: the pid of the child that last booted
/// in it, and its boot failures in a row since (the manager writes them, a boot clears
/// them; the master reads them for `bin/laravels status` and `reload`).
pub struct BootBoard {
    region: SharedRegion,
    slots: usize,
}

impl BootBoard {
    fn new(slots: usize) -> std::io::Result<Self> {
        let region = SharedRegion::new(2 * slots * std::mem::size_of::<AtomicU32>())?;
        Ok(BootBoard { region, slots })
    }

    /// The pid slot of `id` (`failures` false) or its failure count (`failures` true).
    fn slot(&self, id: u32, failures: bool) -> Option<&AtomicU32> {
        if id as usize >= self.slots {
            return None;
        }
        let index = id as usize + if failures { self.slots } else { 0 };
        // The region's base is page-aligned (mmap), so the cast keeps u32's alignment.
        #[allow(clippy::cast_ptr_alignment)]
        // SAFETY: the region is zero-filled, page-aligned and `2 * slots` u32s long, so
        // slot `index` (< 2 * slots) is in bounds and aligned; AtomicU32 has u32's layout, and every process
        // only ever reaches these bytes through atomics.
        Some(unsafe { &*self.region.base().cast::<AtomicU32>().add(index) })
    }

    /// Marks process `id` as booted by `pid`, which ends its run of boot failures.
    pub fn mark(&self, id: u32, pid: u32) {
        if let Some(slot) = self.slot(id, false) {
            slot.store(pid, Ordering::Release);
        }
        self.set_failures(id, 0);
    }

    /// Whether `pid` booted in slot `id` (it connected to the master).
    pub fn booted(&self, id: u32, pid: u32) -> bool {
        self.slot(id, false).is_some_and(|slot| slot.load(Ordering::Acquire) == pid)
    }

    /// Records that process `id` failed to boot `in_a_row` times in a row.
    pub fn set_failures(&self, id: u32, in_a_row: u32) {
        if let Some(slot) = self.slot(id, true) {
            slot.store(in_a_row, Ordering::Release);
        }
    }

    /// How many times in a row process `id` failed to boot since it last booted.
    pub fn failures(&self, id: u32) -> u32 {
        self.slot(id, true).map_or(0, |slot| slot.load(Ordering::Acquire))
    }
}

/// Maps the board for `slots` process ids; call once, before forking the manager.
pub fn install(slots: usize) -> std::io::Result<()> {
    let board = BootBoard::new(slots)?;
    let _ = BOARD.set(board);
    Ok(())
}

/// Called by a child once its application is booted and it is connected.
pub fn mark_booted(id: u32) {
    if let Some(board) = BOARD.get() {
        board.mark(id, std::process::id());
    }
}

/// The board, when this server has one (a test supervisor has none: every exit then
/// counts as a booted child's).
pub fn board() -> Option<&'static BootBoard> {
    BOARD.get()
}

/// What to do after a child exited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterExit {
    /// It had booted: replace it as usual.
    Replace,
    /// It failed to boot `in_a_row` times in a row: fork it again after `pause`.
    Retry {
        /// Its boot failures in a row, this one included.
        in_a_row: u32,
        /// How long to wait before the next try.
        pause: Duration,
    },
    /// No HTTP worker has ever booted and each failed `GIVE_UP_AFTER` times: stop.
    GiveUp {
        /// Its boot failures in a row, this one included.
        in_a_row: u32,
    },
}

/// Boot failures in a row per process id, and whether the server ever served.
#[derive(Debug)]
pub struct BootPolicy {
    /// Failures in a row, by process id.
    failures: Vec<u32>,
    /// Ids `0..http_workers` are HTTP workers: the server serves only if one boots.
    http_workers: u32,
    /// An HTTP worker booted at least once since the server started.
    served: bool,
}

impl BootPolicy {
    /// A policy for `processes` ids, the first `http_workers` of them HTTP workers.
    pub fn new(processes: u32, http_workers: u32) -> Self {
        BootPolicy { failures: vec![0; processes as usize], http_workers, served: false }
    }

    /// Notes that HTTP worker or other child `id` is up and booted (seen on the board
    /// while it still runs).
    pub fn booted(&mut self, id: u32) {
        if let Some(n) = self.failures.get_mut(id as usize) {
            *n = 0;
        }
        if id < self.http_workers {
            self.served = true;
        }
    }

    /// Decides what follows the exit of child `id`, which had `booted` or not.
    pub fn exited(&mut self, id: u32, booted: bool) -> AfterExit {
        if booted {
            self.booted(id);
            return AfterExit::Replace;
        }
        let Some(n) = self.failures.get_mut(id as usize) else { return AfterExit::Replace };
        *n += 1;
        let in_a_row = *n;
        let http = &self.failures[..(self.http_workers as usize).min(self.failures.len())];
        if !self.served && id < self.http_workers && http.iter().all(|&f| f >= GIVE_UP_AFTER) {
            return AfterExit::GiveUp { in_a_row };
        }
        let pause = FIRST_PAUSE.saturating_mul(1 << (in_a_row - 1).min(16)).min(MAX_PAUSE);
        AfterExit::Retry { in_a_row, pause }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_booted_child_is_replaced_at_once() {
        let mut policy = BootPolicy::new(3, 2);
        assert_eq!(policy.exited(0, true), AfterExit::Replace);
    }

    #[test]
    fn the_pause_doubles_with_each_failure_in_a_row_up_to_the_ceiling() {
        let mut policy = BootPolicy::new(2, 1);
        // A task worker (id 1) never makes the server give up.
        let pauses: Vec<Duration> = (0..10)
            .map(|_| match policy.exited(1, false) {
                AfterExit::Retry { pause, .. } => pause,
                other => panic!("expected a retry, got {other:?}"),
            })
            .collect();
        assert_eq!(pauses[0], Duration::from_millis(500));
        assert_eq!(pauses[1], Duration::from_secs(1));
        assert_eq!(pauses[3], Duration::from_secs(4));
        assert_eq!(pauses[9], MAX_PAUSE);
    }

    #[test]
    fn a_boot_resets_the_count() {
        let mut policy = BootPolicy::new(1, 1);
        policy.exited(0, false);
        policy.exited(0, false);
        assert_eq!(policy.exited(0, true), AfterExit::Replace);
        assert_eq!(policy.exited(0, false), AfterExit::Retry { in_a_row: 1, pause: FIRST_PAUSE });
    }

    #[test]
    fn a_server_that_never_served_gives_up_once_every_http_worker_failed_enough() {
        let mut policy = BootPolicy::new(3, 2);
        for _ in 0..GIVE_UP_AFTER {
            assert!(matches!(policy.exited(0, false), AfterExit::Retry { .. }));
        }
        for _ in 1..GIVE_UP_AFTER {
            assert!(matches!(policy.exited(1, false), AfterExit::Retry { .. }));
        }
        assert_eq!(policy.exited(1, false), AfterExit::GiveUp { in_a_row: GIVE_UP_AFTER });
    }

    #[test]
    fn one_http_worker_up_keeps_the_server_going() {
        let mut policy = BootPolicy::new(2, 2);
        policy.booted(1);
        for _ in 0..GIVE_UP_AFTER * 2 {
            assert!(matches!(policy.exited(0, false), AfterExit::Retry { .. }));
        }
    }

    #[test]
    fn a_server_that_served_once_never_gives_up() {
        let mut policy = BootPolicy::new(1, 1);
        policy.exited(0, true);
        for _ in 0..GIVE_UP_AFTER * 3 {
            assert!(matches!(policy.exited(0, false), AfterExit::Retry { .. }));
        }
    }

    #[test]
    fn the_package_exits_with_the_status_the_manager_reads() {
        let php = include_str!("../../php/Bridge/BootGuard.php");
        assert!(
            php.contains(&format!("public const EXIT_CODE = {BOOT_FAILED_STATUS};")),
            "php/Bridge/BootGuard.php::EXIT_CODE differs from BOOT_FAILED_STATUS"
        );
    }

    #[test]
    fn the_board_knows_which_pid_booted() {
        let board = BootBoard::new(2).unwrap();
        assert!(!board.booted(0, 42));
        board.mark(0, 42);
        assert!(board.booted(0, 42));
        assert!(!board.booted(0, 43), "a later child in the same slot has not booted");
        assert!(!board.booted(5, 42), "out of range");
    }

    #[test]
    fn the_board_counts_failures_until_a_boot() {
        let board = BootBoard::new(2).unwrap();
        board.set_failures(1, 3);
        assert_eq!(board.failures(1), 3);
        assert_eq!(board.failures(0), 0, "each id has its own count");
        assert!(!board.booted(1, 3), "the count is not a pid");
        board.mark(1, 77);
        assert_eq!(board.failures(1), 0, "a boot ends the run");
        assert_eq!(board.failures(9), 0, "out of range");
    }
}
