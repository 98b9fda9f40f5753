//! The inotify source: one watch per directory below `watch_path` (inotify is not
//! recursive), a watch added for each directory created or moved in, and the path of
//! every file event that passes the filter sent on.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};

use futures_util::StreamExt;
use inotify::{EventMask, Inotify, WatchDescriptor, WatchMask, Watches};
use tokio::sync::mpsc::UnboundedSender;

use super::filter::Filter;

/// What a directory watch reports: files written (closed after writing, or modified in
/// place), created, deleted and renamed in or out, and directories made or moved in.
fn mask() -> WatchMask {
    WatchMask::CLOSE_WRITE | WatchMask::MODIFY | WatchMask::CREATE | WatchMask::DELETE | WatchMask::MOVED_FROM | WatchMask::MOVED_TO | WatchMask::ONLYDIR
}

/// The watched directories, by their watch.
struct Tree {
    watches: Watches,
    dirs: HashMap<WatchDescriptor, PathBuf>,
}

impl Tree {
    /// Watches `top` and every directory below it that the filter wants, without following
    /// symbolic links (a linked package or a link back up would be watched twice or
    /// forever). With `report`, the files found are sent as changes: they were created in
    /// a new directory before its watch existed.
    fn add(&mut self, top: &Path, filter: &Filter, report: Option<&UnboundedSender<PathBuf>>) -> io::Result<()> {
        let mut pending = vec![top.to_path_buf()];
        while let Some(dir) = pending.pop() {
            match self.watches.add(&dir, mask()) {
                Ok(wd) => {
                    self.dirs.insert(wd, dir.clone());
                }
                // The kernel's limit (fs.inotify.max_user_watches) stops the whole watcher.
                Err(e) if e.raw_os_error() == Some(libc::ENOSPC) => return Err(e),
                Err(e) if dir == top => return Err(e),
                // Gone or unreadable since it was listed: nothing to watch there.
                Err(_) => continue,
            }
            let Ok(entries) = std::fs::read_dir(&dir) else { continue };
            for entry in entries.flatten() {
                let path = entry.path();
                match entry.file_type() {
                    Ok(t) if t.is_dir() && filter.wants_dir(&path) => pending.push(path),
                    Ok(t) if !t.is_dir() && filter.wants_file(&path) => {
                        if let Some(tx) = report {
                            let _ = tx.send(path);
                        }
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }
}

/// Watches the filter's root until `changes` is dropped or reading fails.
pub async fn run(filter: Filter, changes: UnboundedSender<PathBuf>) -> io::Result<()> {
    let inotify = Inotify::init()?;
    let mut tree = Tree { watches: inotify.watches(), dirs: HashMap::new() };
    tree.add(filter.root(), &filter, None)?;
    crate::log::line("master", &format!("inotify_reload: watching {} with inotify ({} directories)", filter.root().display(), tree.dirs.len()));
    let mut events = inotify.into_event_stream(vec![0u8; 64 * 1024])?;
    while let Some(event) = events.next().await {
        let event = event?;
        if event.mask.contains(EventMask::Q_OVERFLOW) {
            // Events were lost: something changed, which file is unknown.
            let _ = changes.send(filter.root().to_path_buf());
            continue;
        }
        if event.mask.contains(EventMask::IGNORED) {
            tree.dirs.remove(&event.wd);
            continue;
        }
        let (Some(dir), Some(name)) = (tree.dirs.get(&event.wd), event.name) else { continue };
        let path = dir.join(name);
        if event.mask.contains(EventMask::ISDIR) {
            if event.mask.intersects(EventMask::CREATE | EventMask::MOVED_TO) && filter.wants_dir(&path) {
                if let Err(e) = tree.add(&path, &filter, Some(&changes)) {
                    crate::log::line("master", &format!("inotify_reload: cannot watch {}: {e}{}", path.display(), hint(&e)));
                }
            } else if event.mask.contains(EventMask::MOVED_FROM) && filter.wants_dir(&path) {
                // Its files left with it, and no event names them.
                let _ = changes.send(path);
            }
        } else if filter.wants_file(&path) {
            let _ = changes.send(path);
        }
        if changes.is_closed() {
            break;
        }
    }
    Ok(())
}

/// The fix for an error that a setting or a sysctl cures.
pub fn hint(e: &io::Error) -> &'static str {
    match e.raw_os_error() {
        Some(libc::ENOSPC) => ". Fix: raise fs.inotify.max_user_watches (sysctl), list big directories such as vendor in inotify_reload.excluded_dirs, or set inotify_reload.poll_ms",
        Some(libc::EMFILE) => ". Fix: raise fs.inotify.max_user_instances (sysctl), or set inotify_reload.poll_ms",
        _ => "",
    }
}
