//! The static file resolver (src/reactor/static_files.rs, `resolve`): whatever the URL
//! path, the answer is one of the files the document root may serve, or nothing. A
//! fixed tree is made once, with what must never be served beside what may: dot files
//! and folders, PHP source (also behind a symlink with an innocent name), a symlink out
//! of the root, a sibling folder whose name starts with the root's, and a file outside.
#![no_main]

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use laravels::reactor::static_files::resolve;
use libfuzzer_sys::fuzz_target;

/// Files `resolve` may return, relative to the root.
const SERVABLE: [&str; 6] = ["index.html", "css/app.css", "dir/index.html", "a b.txt", "ünï.txt", "inner-link.css"];

fn tree() -> &'static (PathBuf, Vec<PathBuf>) {
    static TREE: OnceLock<(PathBuf, Vec<PathBuf>)> = OnceLock::new();
    TREE.get_or_init(|| {
        let base = std::env::temp_dir().join(format!("laravels-fuzz-static-{}", std::process::id()));
        let _ = fs::remove_dir_all(&base);
        let root = base.join("public");
        for dir in ["css", "dir", ".git", "empty", "vendor"] {
            fs::create_dir_all(root.join(dir)).unwrap();
        }
        fs::create_dir_all(base.join("public2")).unwrap();
        let files = [
            "index.html",
            "css/app.css",
            "dir/index.html",
            "a b.txt",
            "ünï.txt",
            ".env",
            ".git/config",
            "index.php",
            "vendor/autoload.PHP",
            "x.phtml",
            "lib.inc",
        ];
        for f in files {
            fs::write(root.join(f), f).unwrap();
        }
        fs::write(base.join("secret.txt"), "outside").unwrap();
        fs::write(base.join("public2/other.txt"), "sibling").unwrap();
        symlink("../secret.txt", root.join("out-link.txt")).unwrap();
        symlink("..", root.join("up")).unwrap();
        symlink("index.php", root.join("code.txt")).unwrap();
        symlink("css/app.css", root.join("inner-link.css")).unwrap();
        symlink("../public2", root.join("sibling")).unwrap();
        let root = root.canonicalize().unwrap();
        // A symlink resolves to its target's real path.
        let servable = SERVABLE.iter().map(|f| root.join(f).canonicalize().unwrap()).collect();
        (root, servable)
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else { return };
    let (root, servable) = tree();
    let Some(real) = resolve(root, raw) else { return };
    assert!(servable.contains(&real), "{raw:?} resolved to {}, which must not be served", real.display());
    assert!(real.starts_with(root) && Path::new(&real).is_file());
});
