//! When a worker's front accepts the next connection. Every HTTP worker waits on the
//! same listening socket and the first one awake takes what arrives, so without a rule
//! one worker ends up with most of the connections of a burst, and a worker held up by
//! a long request would go on taking connections it cannot serve soon. The gate holds
//! a front back while it holds more than its share of connections, or while it is held
//! up and another worker is free (`relay.rs` says so); the others take them meanwhile.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::board::Board;
use crate::reactor::AcceptGate;

/// How long a front held back waits before it asks again.
const PAUSE: Duration = Duration::from_millis(1);

pub(super) struct Gate {
    pub me: u32,
    pub board: &'static Board,
    held_up: AtomicBool,
}

impl Gate {
    pub(super) fn new(me: u32, board: &'static Board) -> Self {
        board.set_accepting(me, true);
        Gate { me, board, held_up: AtomicBool::new(false) }
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
        hold.then_some(PAUSE)
    }
}
