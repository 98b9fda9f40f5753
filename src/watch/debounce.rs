//! Changes gathered into one reload: after the first change, every change that follows
//! within `QUIET` of the previous one joins the batch, and the batch is over once `QUIET`
//! passes without one. A `git checkout` of hundreds of files, or an editor that writes a
//! temporary file and renames it, is then one reload, about `QUIET` after the last write.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedReceiver;

/// How long no change may come before a batch of changes becomes a reload.
pub const QUIET: Duration = Duration::from_millis(200);

/// The changes that make one reload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// The file whose change opened the batch.
    pub first: PathBuf,
    /// How many other files changed in it.
    pub more: usize,
}

/// Waits for a change, then for `quiet` without one; `None` once the source is gone and
/// nothing is pending.
pub async fn next_batch(changes: &mut UnboundedReceiver<PathBuf>, quiet: Duration) -> Option<Batch> {
    let first = changes.recv().await?;
    let mut seen = HashSet::from([first.clone()]);
    // A closed source still ends the batch it started: those files did change.
    while let Ok(Some(path)) = tokio::time::timeout(quiet, changes.recv()).await {
        seen.insert(path);
    }
    Some(Batch { more: seen.len() - 1, first })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::sync::mpsc::unbounded_channel;
    use tokio::time::{sleep, Instant};

    fn php(i: usize) -> PathBuf {
        PathBuf::from(format!("/srv/app/app/F{i}.php"))
    }

    #[tokio::test(start_paused = true)]
    async fn a_burst_of_500_files_is_one_batch_ending_quiet_after_the_last() {
        let (tx, mut rx) = unbounded_channel();
        let start = Instant::now();
        tokio::spawn(async move {
            for i in 0..500 {
                tx.send(php(i)).unwrap();
                // Some repeat: one file written twice counts once.
                tx.send(php(i / 2)).unwrap();
                sleep(Duration::from_millis(2)).await;
            }
            sleep(Duration::from_secs(5)).await;
            drop(tx);
        });
        let batch = next_batch(&mut rx, QUIET).await.unwrap();
        assert_eq!(batch, Batch { first: php(0), more: 499 });
        // The last write was at about 998 ms; the batch ends QUIET later, not before.
        let took = start.elapsed();
        assert!(took >= Duration::from_millis(998) + QUIET && took < Duration::from_secs(1) + QUIET * 2, "{took:?}");
        assert_eq!(next_batch(&mut rx, QUIET).await, None, "nothing more came: no second reload");
    }

    #[tokio::test(start_paused = true)]
    async fn changes_further_apart_than_the_quiet_window_are_separate_batches() {
        let (tx, mut rx) = unbounded_channel();
        tokio::spawn(async move {
            tx.send(php(1)).unwrap();
            sleep(QUIET + Duration::from_millis(50)).await;
            tx.send(php(2)).unwrap();
            tx.send(php(3)).unwrap();
        });
        assert_eq!(next_batch(&mut rx, QUIET).await, Some(Batch { first: php(1), more: 0 }));
        assert_eq!(next_batch(&mut rx, QUIET).await, Some(Batch { first: php(2), more: 1 }));
        assert_eq!(next_batch(&mut rx, QUIET).await, None);
    }

    #[tokio::test(start_paused = true)]
    async fn a_change_just_inside_the_window_extends_the_batch() {
        let (tx, mut rx) = unbounded_channel();
        tokio::spawn(async move {
            for i in 0..5 {
                tx.send(php(i)).unwrap();
                sleep(QUIET.saturating_sub(Duration::from_millis(10))).await;
            }
        });
        assert_eq!(next_batch(&mut rx, QUIET).await, Some(Batch { first: php(0), more: 4 }));
    }
}
