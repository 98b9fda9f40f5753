//! `inotify_reload`: the master watches the application's files and reloads every process
//! when one changes, through the same command a SIGUSR1 sends (`Command::Reload`): each
//! HTTP and task worker finishes its request and is replaced, the timer and the custom
//! processes (their `onReload`) are asked to leave and started again.
//!
//! It runs in the master only, on its tokio runtime (so after the manager was forked):
//! the workers never watch anything.
//!
//! # Layout
//! - `filter.rs`: which paths count (`file_types`, `excluded_dirs`).
//! - `inotify.rs`: the inotify source: a watch per directory, new directories followed.
//! - `poll.rs`: the polling source (`poll_ms`): modification times scanned on a thread.
//! - `debounce.rs`: changes gathered until 200 ms pass without one: one reload per burst.
//! - this file: starts a source and turns each batch into a log line and a reload.

pub mod debounce;
pub mod filter;
pub mod inotify;
pub mod poll;

use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc::{self, UnboundedReceiver};

use crate::config::InotifyReload;
use crate::log;
use crate::reactor::Command;
pub use filter::Filter;

/// Starts watching when `inotify_reload.enable` is on; each batch of changes sends one
/// `Command::Reload` on `commands`. Call it inside the master's runtime.
pub fn start(settings: &InotifyReload, commands: mpsc::Sender<Command>) {
    if !settings.enable {
        return;
    }
    let filter = Filter::new(&settings.watch_path, &settings.file_types, &settings.excluded_dirs);
    let (tx, rx) = mpsc::unbounded_channel();
    if settings.poll_ms > 0 {
        let every = Duration::from_millis(settings.poll_ms);
        let spawned = std::thread::Builder::new().name("laravels-watch".into()).spawn(move || poll::run(&filter, every, &tx));
        if let Err(e) = spawned {
            log::line("master", &format!("inotify_reload: cannot start the polling thread: {e}; files are not watched"));
            return;
        }
    } else {
        tokio::spawn(async move {
            let root = filter.root().display().to_string();
            if let Err(e) = inotify::run(filter, tx).await {
                log::line("master", &format!("inotify_reload: cannot watch {root}: {e}{}; files are not watched", inotify::hint(&e)));
            }
        });
    }
    tokio::spawn(reload_on_changes(rx, settings.log, commands));
}

/// One reload per batch of changes, logged with the file that opened it.
async fn reload_on_changes(mut changes: UnboundedReceiver<PathBuf>, log: bool, commands: mpsc::Sender<Command>) {
    while let Some(batch) = debounce::next_batch(&mut changes, debounce::QUIET).await {
        if log {
            log::line("master", &format!("reloading: {} changed ({} more)", batch.first.display(), batch.more));
        }
        if commands.send(Command::Reload).await.is_err() {
            return;
        }
    }
}
