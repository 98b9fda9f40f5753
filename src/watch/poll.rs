//! The polling source, for file systems where inotify sees nothing (a host directory
//! mounted into a VM or a container: the writes happen in another kernel). Every
//! `poll_ms` it lists the watched files with their modification time and size and sends
//! the paths that differ from the previous listing: changed, new or deleted.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use tokio::sync::mpsc::UnboundedSender;

use super::filter::Filter;

/// What a file looked like at a scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    modified: Option<SystemTime>,
    len: u64,
}

/// Every file the filter wants below its root, without following symbolic links to
/// directories.
pub fn scan(filter: &Filter) -> HashMap<PathBuf, Stamp> {
    let mut files = HashMap::new();
    let mut pending = vec![filter.root().to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            match entry.file_type() {
                Ok(t) if t.is_dir() && filter.wants_dir(&path) => pending.push(path),
                Ok(t) if !t.is_dir() && filter.wants_file(&path) => {
                    if let Ok(meta) = std::fs::metadata(&path) {
                        files.insert(path, Stamp { modified: meta.modified().ok(), len: meta.len() });
                    }
                }
                _ => {}
            }
        }
    }
    files
}

/// The paths that differ between two scans, sorted.
pub fn changed(before: &HashMap<PathBuf, Stamp>, now: &HashMap<PathBuf, Stamp>) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = now.iter().filter(|(p, s)| before.get(*p) != Some(s)).map(|(p, _)| p.clone()).collect();
    paths.extend(before.keys().filter(|p| !now.contains_key(*p)).cloned());
    paths.sort();
    paths
}

/// Scans every `every` until `changes` is dropped; runs on a thread of its own, so a big
/// tree's scan never holds a reactor thread.
pub fn run(filter: &Filter, every: Duration, changes: &UnboundedSender<PathBuf>) {
    let mut known = scan(filter);
    crate::log::line(
        "master",
        &format!("inotify_reload: watching {} by polling every {} ms ({} files)", filter.root().display(), every.as_millis(), known.len()),
    );
    while !changes.is_closed() {
        std::thread::sleep(every);
        let now = scan(filter);
        for path in changed(&known, &now) {
            let _ = changes.send(path);
        }
        known = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("laravels-poll-{}-{:?}", std::process::id(), std::thread::current().id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("app/Http")).unwrap();
        std::fs::create_dir_all(dir.join("vendor/pkg")).unwrap();
        std::fs::write(dir.join("app/Http/Kernel.php"), "<?php // 1").unwrap();
        std::fs::write(dir.join("app/readme.txt"), "text").unwrap();
        std::fs::write(dir.join("vendor/pkg/Lib.php"), "<?php").unwrap();
        dir
    }

    #[test]
    fn a_scan_lists_the_watched_files_and_a_second_names_what_changed() {
        let dir = tree();
        let filter = Filter::new(&dir, &[".php".into()], &["vendor".into()]);
        let first = scan(&filter);
        assert_eq!(first.keys().cloned().collect::<Vec<_>>(), [dir.join("app/Http/Kernel.php")]);
        assert!(changed(&first, &scan(&filter)).is_empty(), "nothing changed");

        // A longer content changes the size even within the file system's time granularity.
        std::fs::write(dir.join("app/Http/Kernel.php"), "<?php // 22").unwrap();
        std::fs::create_dir_all(dir.join("app/New")).unwrap();
        std::fs::write(dir.join("app/New/Made.php"), "<?php").unwrap();
        std::fs::write(dir.join("app/readme.txt"), "more text").unwrap();
        std::fs::write(dir.join("vendor/pkg/Lib.php"), "<?php // changed").unwrap();
        let second = scan(&filter);
        assert_eq!(changed(&first, &second), [dir.join("app/Http/Kernel.php"), dir.join("app/New/Made.php")]);

        std::fs::remove_file(dir.join("app/New/Made.php")).unwrap();
        assert_eq!(changed(&second, &scan(&filter)), [dir.join("app/New/Made.php")], "a deleted file is a change");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
