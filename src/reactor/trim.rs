//! Gives the memory of closed connections back to the system.
//!
//! Every connection the master holds allocates on the reactor thread that serves it:
//! its socket's task, hyper's or tungstenite's buffers (a WebSocket connection that
//! echoed a 64 KiB message keeps about 128 KiB of them), its queue in the registry. glibc's
//! malloc keeps what they free in its arenas (one per reactor thread) and returns only a
//! free top of each heap: after 2,000 WebSocket connections closed, the master stayed
//! 200 MB above where it was (docs/reliability.md). `malloc_trim(0)` returns every whole
//! free page of every arena; it is called here when the number of open connections has
//! dropped by `DROP` since its highest point, checked every `EVERY`. Under a steady
//! churn of connections (keep-alive clients coming and going) the count stays level and
//! nothing is trimmed; after a burst of closes it is, once a second at most.

use std::sync::Arc;
use std::time::Duration;

use super::Shared;

/// How often the open connections are counted.
const EVERY: Duration = Duration::from_secs(1);
/// Connections closed since the highest count that make a trim worth its cost (a walk of
/// every arena under its lock, a few ms for hundreds of MB).
const DROP: usize = 64;

/// The highest count of open connections since the last trim.
#[derive(Debug, Default)]
struct Watermark {
    peak: usize,
}

impl Watermark {
    /// Takes the current count; true when enough connections closed to trim now.
    fn observe(&mut self, open: usize) -> bool {
        self.peak = self.peak.max(open);
        if self.peak >= open + DROP {
            self.peak = open;
            return true;
        }
        false
    }
}

/// Counts the open connections every second and trims after a drop; runs until the
/// master's runtime ends.
pub async fn run(shared: Arc<Shared>) {
    let mut mark = Watermark::default();
    let mut tick = tokio::time::interval(EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tick.tick().await;
        if mark.observe(shared.clients.count()) {
            // Off the reactor threads: the walk takes each arena's lock in turn.
            let _ = tokio::task::spawn_blocking(release).await;
        }
    }
}

/// Returns free memory to the system; a no-op without glibc.
pub fn release() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes no pointer and only rearranges malloc's own free lists
    // under its arena locks; any thread may call it at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_after_a_drop_not_while_connections_churn() {
        let mut mark = Watermark::default();
        assert!(!mark.observe(0));
        assert!(!mark.observe(2000), "opening is no reason");
        assert!(!mark.observe(2000 - DROP + 1), "a few closes are not either");
        assert!(mark.observe(2000 - DROP), "DROP below the peak: trim");
        assert!(!mark.observe(2000 - DROP), "once");
        assert!(mark.observe(0), "the rest closing: again");
        // A level count (as many opening as closing) never trims.
        for open in [100, 120, 90, 110, 100] {
            assert!(!mark.observe(open));
        }
    }
}
