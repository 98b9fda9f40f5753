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

/// The watched files at one scan, with what each looked like.
#[derive(Debug, Default)]
pub struct Listing {
    files: HashMap<PathBuf, Stamp>,
}

impl Listing {
    /// Every file the filter wants below its root, without following symbolic links to
    /// directories.
    pub fn scan(filter: &Filter) -> Self {
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
        Listing { files }
    }

    /// How many files it holds.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether it holds no file.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The paths changed, new or deleted since `before`, sorted.
    pub fn changed_since(&self, before: &Listing) -> Vec<PathBuf> {
        let mut paths: Vec<PathBuf> = self.files.iter().filter(|(p, s)| before.files.get(*p) != Some(s)).map(|(p, _)| p.clone()).collect();
        paths.extend(before.files.keys().filter(|p| !self.files.contains_key(*p)).cloned());
        paths.sort();
        paths
    }
}

/// Scans every `every` until `changes` is dropped; runs on a thread of its own, so a big
/// tree's scan never holds a reactor thread.
pub fn run(filter: &Filter, every: Duration, changes: &UnboundedSender<PathBuf>) {
    let mut known = Listing::scan(filter);
    crate::log::line(
        "master",
        &format!("inotify_reload: watching {} by polling every {} ms ({} files)", filter.root().display(), every.as_millis(), known.len()),
    );
    while !changes.is_closed() {
        std::thread::sleep(every);
        let now = Listing::scan(filter);
        for path in now.changed_since(&known) {
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
        let first = Listing::scan(&filter);
        assert_eq!(first.files.keys().cloned().collect::<Vec<_>>(), [dir.join("app/Http/Kernel.php")]);
        assert!(Listing::scan(&filter).changed_since(&first).is_empty(), "nothing changed");

        // A longer content changes the size even within the file system's time granularity.
        std::fs::write(dir.join("app/Http/Kernel.php"), "<?php // 22").unwrap();
        std::fs::create_dir_all(dir.join("app/New")).unwrap();
        std::fs::write(dir.join("app/New/Made.php"), "<?php").unwrap();
        std::fs::write(dir.join("app/readme.txt"), "more text").unwrap();
        std::fs::write(dir.join("vendor/pkg/Lib.php"), "<?php // changed").unwrap();
        let second = Listing::scan(&filter);
        assert_eq!(second.changed_since(&first), [dir.join("app/Http/Kernel.php"), dir.join("app/New/Made.php")]);

        std::fs::remove_file(dir.join("app/New/Made.php")).unwrap();
        assert_eq!(Listing::scan(&filter).changed_since(&second), [dir.join("app/New/Made.php")], "a deleted file is a change");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
