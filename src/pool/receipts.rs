//! Whether a worker that died had read the request it was sent.
//!
//! The master writes a request into a worker's socket and waits for the answer. When the
//! worker dies before it answers (killed, crashed), the client normally gets 502: the
//! application may have run part of the request, and running it again could repeat a
//! side effect. But when the worker died before it even read the request (killed while
//! the request sat in its socket, or between the master's write and its read), nothing
//! ran, and the request is as good as never dispatched: another worker can take it.
//!
//! The master tells the two apart with a [`ReceiptBoard`] in shared memory: one word per
//! process id, holding the pid of the worker that last read a request in that slot and
//! how many it has read since it connected. The worker bumps it right after it decodes a
//! request frame, before any PHP code sees the request; the master counts the requests it
//! wrote on that connection. A dead worker whose count is behind the master's never read
//! the last one. When two processes share a slot (a reload's overlap), the word may carry
//! the other's pid: the master then cannot tell, and answers 502 as before.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use crate::table::SharedRegion;

static BOARD: OnceLock<ReceiptBoard> = OnceLock::new();

/// One `(pid << 32) | requests read` word per process id, in shared memory. A worker
/// writes `(pid, 0)` as it connects, before the master can send it anything.
pub struct ReceiptBoard {
    region: SharedRegion,
    slots: usize,
}

impl ReceiptBoard {
    fn new(slots: usize) -> std::io::Result<Self> {
        let region = SharedRegion::new(slots.max(1) * std::mem::size_of::<AtomicU64>())?;
        Ok(ReceiptBoard { region, slots })
    }

    fn slot(&self, id: u32) -> Option<&AtomicU64> {
        if id as usize >= self.slots {
            return None;
        }
        // The region's base is page-aligned (mmap), so the cast keeps u64's alignment.
        #[allow(clippy::cast_ptr_alignment)]
        // SAFETY: the region is zero-filled, page-aligned and `slots` u64s long, so word
        // `id` (< slots) is in bounds and aligned; AtomicU64 has u64's layout, and every
        // process only ever reaches these bytes through atomics.
        Some(unsafe { &*self.region.base().cast::<AtomicU64>().add(id as usize) })
    }

    /// Worker `pid` in slot `id` has read `count` requests since it connected.
    pub fn record(&self, id: u32, pid: u32, count: u32) {
        if let Some(word) = self.slot(id) {
            word.store((u64::from(pid) << 32) | u64::from(count), Ordering::Release);
        }
    }

    /// Whether worker `pid` in slot `id` certainly never read the `sent`-th request the
    /// master wrote to it: its own count is behind. False when the slot holds another
    /// process's word (the master cannot tell, so it assumes the request was read).
    pub fn unread(&self, id: u32, pid: u32, sent: u32) -> bool {
        let Some(word) = self.slot(id) else { return false };
        let word = word.load(Ordering::Acquire);
        let (owner, read) = ((word >> 32) as u32, (word & u64::from(u32::MAX)) as u32);
        owner == pid && read < sent
    }
}

/// Maps the board for `slots` process ids; call once, before forking the manager.
pub fn install(slots: usize) -> std::io::Result<()> {
    let board = ReceiptBoard::new(slots)?;
    let _ = BOARD.set(board);
    Ok(())
}

/// The board, when this server has one (unit tests and the in-process harness have none).
pub fn board() -> Option<&'static ReceiptBoard> {
    BOARD.get()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_worker_behind_the_masters_count_never_read_the_last_request() {
        let board = ReceiptBoard::new(2).unwrap();
        board.record(1, 4242, 3);
        assert!(board.unread(1, 4242, 4));
        assert!(!board.unread(1, 4242, 3));
    }

    #[test]
    fn another_process_in_the_slot_means_the_master_cannot_tell() {
        let board = ReceiptBoard::new(2).unwrap();
        board.record(0, 1000, 7);
        assert!(!board.unread(0, 2000, 5), "the word is another worker's: assume it was read");
    }

    #[test]
    fn a_worker_that_connected_and_read_nothing_left_its_first_request_unread() {
        let board = ReceiptBoard::new(1).unwrap();
        board.record(0, 99, 0);
        assert!(board.unread(0, 99, 1));
        assert!(!board.unread(5, 99, 1), "ids beyond the board are never proven unread");
    }
}
