//! When a worker's front accepts the next connection. Every HTTP worker waits on the
//! same listening socket and the first one awake takes what arrives, so without a rule
//! one worker ends up with most of the connections of a burst, and a worker held up by
//! a long request would go on taking connections it cannot serve soon. The gate holds
//! a front back while it holds more than its share of connections, or while it is held
//! up and another worker is free (`relay.rs` says so); the others take them meanwhile.
//! It holds back for `MAX_DEFER` at most, then takes the next connection itself: a worker
//! the board shows as accepting may be gone or stuck, and a connection must not wait for
//! it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use super::board::Board;
use crate::reactor::AcceptGate;

/// How long a front held back waits before it asks again.
const PAUSE: Duration = Duration::from_millis(1);
/// How long a front holds back in a row before it takes the next connection anyway.
const MAX_DEFER: Duration = Duration::from_millis(10);

pub(super) struct Gate {
    pub me: u32,
    pub board: &'static Board,
    held_up: AtomicBool,
    /// Since when the front has held back, while it does.
    deferred: Mutex<Option<Instant>>,
}

impl Gate {
    pub(super) fn new(me: u32, board: &'static Board) -> Self {
        board.set_accepting(me, true);
        Gate { me, board, held_up: AtomicBool::new(false), deferred: Mutex::new(None) }
    }

    /// The PHP thread is held up by a long request and another worker is free (`true`),
    /// or not any more.
    pub(super) fn set_held_up(&self, held_up: bool) {
        if self.held_up.swap(held_up, Ordering::Relaxed) != held_up {
            self.board.set_accepting(self.me, !held_up);
        }
    }
}

impl AcceptGate for Gate {
    fn hold(&self, open: usize) -> Option<Duration> {
        self.board.set_open(self.me, open);
        let hold = self.held_up.load(Ordering::Relaxed) || !self.board.fair_to_accept(self.me, open);
        let mut since = self.deferred.lock();
        if !hold {
            *since = None;
            return None;
        }
        if since.get_or_insert_with(Instant::now).elapsed() >= MAX_DEFER {
            // The others did not take what came meanwhile: take the next one.
            *since = None;
            return None;
        }
        Some(PAUSE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn board_with_a_quiet_neighbour() -> &'static Board {
        let board: &'static Board = Box::leak(Box::new(Board::new(2).unwrap()));
        board.set(1, 11, None, 0);
        board.set_open(1, 0);
        board.set_accepting(1, true);
        board
    }

    #[test]
    fn a_front_within_its_share_accepts_at_once() {
        let gate = Gate::new(0, board_with_a_quiet_neighbour());
        assert_eq!(gate.hold(2), None);
    }

    #[test]
    fn a_front_over_its_share_holds_back_then_takes_the_next_connection_itself() {
        // The neighbour looks accepting but takes nothing (gone, stopped, stuck).
        let gate = Gate::new(0, board_with_a_quiet_neighbour());
        assert_eq!(gate.hold(5), Some(PAUSE));
        std::thread::sleep(MAX_DEFER + Duration::from_millis(2));
        assert_eq!(gate.hold(5), None, "held back long enough: takes one");
        assert_eq!(gate.hold(6), Some(PAUSE), "and holds back again for the next");
    }

    #[test]
    fn a_held_up_front_holds_back_and_the_others_stop_counting_it() {
        let board = board_with_a_quiet_neighbour();
        board.set(0, 10, None, 0);
        let gate = Gate::new(0, board);
        assert!(gate.hold(0).is_none());
        assert!(!board.fair_to_accept(1, 50), "front 0 accepts and holds nothing: 50 is over the neighbour's share");
        gate.set_held_up(true);
        assert_eq!(gate.hold(0), Some(PAUSE));
        assert!(board.fair_to_accept(1, 50), "a held-up front is not counted: the neighbour takes them");
    }
}
