//! A counter in shared memory that every child rings after each frame it sends to the
//! master, so a reactor thread can wait for a worker's answer by watching memory instead
//! of sleeping in epoll (see `reactor::spin`). Made before the fork; a process without one
//! (a test reactor, a worker outside a server) rings nothing.

use std::sync::OnceLock;

use crate::table::{SharedAtomic, TableError};

static BELL: OnceLock<SharedAtomic> = OnceLock::new();

/// Maps the counter; call once, before forking the processes that ring it.
pub fn install() -> Result<(), TableError> {
    let bell = SharedAtomic::new(0)?;
    let _ = BELL.set(bell);
    Ok(())
}

/// Notes that a frame is on its way to the master.
#[inline]
pub fn ring() {
    if let Some(bell) = BELL.get() {
        bell.add(1);
    }
}

/// How many frames were sent so far; `None` without a doorbell.
#[inline]
pub fn rung() -> Option<i64> {
    BELL.get().map(SharedAtomic::get)
}
