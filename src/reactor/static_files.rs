//! Static files from `swoole.document_root`, answered by the master without a worker.
//!
//! The path rules are the security boundary: the URL path is decoded exactly once;
//! a segment that is `..`, starts with a dot (`.env`, `.git/`), or names PHP source
//! is never served; and the file's real path, symlinks resolved, must stay inside the
//! document root. Anything refused here goes on to the application, which answers it
//! as it answers any unknown path (Laravel's 404).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use bytes::Bytes;
use hyper::header::{
    HeaderValue, ACCEPT_RANGES, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, IF_RANGE, LAST_MODIFIED, RANGE,
};
use hyper::{Method, Request, Response, StatusCode};
use parking_lot::Mutex;
use tokio::io::AsyncReadExt;
use tokio::sync::mpsc;

use super::body::ResponseBody;
use super::job::Reply;

/// Extensions of files PHP would execute; their source is never sent.
const PHP_EXTENSIONS: &[&str] = &["php", "phtml", "phar", "php3", "php4", "php5", "php7", "php8", "phps", "inc"];
/// Files up to this size are read in one go; larger ones are streamed.
const INLINE_LIMIT: u64 = 256 * 1024;
const CHUNK: usize = 64 * 1024;

/// The document root, resolved once at start.
pub struct Statics {
    root: Option<PathBuf>,
    /// URL path to what was resolved for it. Each use re-checks the file's size and mtime
    /// with one stat, so an edited or deleted file is never served stale.
    cache: Mutex<HashMap<String, Arc<Entry>>>,
}

/// A resolved file: its real path (already checked against the root), the headers that
/// describe it, and its bytes when it is small.
struct Entry {
    real: PathBuf,
    size: u64,
    modified: SystemTime,
    etag: HeaderValue,
    last_modified: HeaderValue,
    content_type: HeaderValue,
    bytes: Option<Bytes>,
}

/// Bounds of the cache: entries, and the size of a file whose bytes are kept.
const CACHE_ENTRIES: usize = 4096;
const CACHE_FILE_BYTES: u64 = 64 * 1024;

impl Statics {
    /// Resolves `document_root`; when it does not exist, no file is served from it.
    pub fn new(document_root: &Path) -> Self {
        Statics { root: document_root.canonicalize().ok(), cache: Mutex::new(HashMap::new()) }
    }

    /// The entry for a URL path, from the cache when its file is unchanged.
    fn entry(&self, root: &Path, url_path: &str) -> Option<Arc<Entry>> {
        let cached = self.cache.lock().get(url_path).cloned();
        if let Some(entry) = cached {
            // lstat: a path that became a symlink since it was resolved is resolved again.
            let meta = std::fs::symlink_metadata(&entry.real).ok();
            if meta.as_ref().is_some_and(|m| m.is_file() && m.len() == entry.size && m.modified().ok() == Some(entry.modified)) {
                return Some(entry);
            }
            self.cache.lock().remove(url_path);
        }
        let entry = Arc::new(Entry::load(resolve(root, url_path)?)?);
        let mut cache = self.cache.lock();
        if cache.len() < CACHE_ENTRIES {
            cache.insert(url_path.to_owned(), entry.clone());
        }
        Some(entry)
    }
}

impl Entry {
    fn load(real: PathBuf) -> Option<Self> {
        // Plain blocking calls: for a file in the page cache they take microseconds, far
        // less than a hop to tokio's blocking pool and back (nginx makes the same trade).
        let meta = std::fs::metadata(&real).ok()?;
        let size = meta.len();
        let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
        let mtime = modified.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let mime = mime_guess::from_path(&real).first_or_octet_stream();
        let content_type = match mime.type_() {
            mime_guess::mime::TEXT => format!("{mime}; charset=utf-8"),
            _ if mime.subtype() == "javascript" || mime.subtype() == "json" => format!("{mime}; charset=utf-8"),
            _ => mime.to_string(),
        };
        let bytes = if size <= CACHE_FILE_BYTES { Some(Bytes::from(std::fs::read(&real).ok()?)) } else { None };
        if bytes.as_ref().is_some_and(|b| b.len() as u64 != size) {
            return None; // changed while read; the next request tries again
        }
        Some(Entry {
            etag: HeaderValue::from_str(&format!("\"{size:x}-{mtime:x}\"")).ok()?,
            last_modified: HeaderValue::from_str(&httpdate::fmt_http_date(modified)).ok()?,
            content_type: HeaderValue::from_str(&content_type).ok()?,
            real,
            size,
            modified,
            bytes,
        })
    }
}

/// The file a URL path names inside `root`, if it may be served.
pub fn resolve(root: &Path, raw_path: &str) -> Option<PathBuf> {
    let decoded = percent_encoding::percent_decode_str(raw_path).decode_utf8().ok()?;
    if decoded.contains('\0') || decoded.contains('\\') || !decoded.starts_with('/') {
        return None;
    }
    let mut path = root.to_path_buf();
    for segment in decoded.split('/').filter(|s| !s.is_empty()) {
        if segment.starts_with('.') {
            return None;
        }
        path.push(segment);
    }
    let mut real = path.canonicalize().ok()?;
    if !real.starts_with(root) {
        return None;
    }
    if real.is_dir() {
        real = real.join("index.html").canonicalize().ok()?;
        if !real.starts_with(root) {
            return None;
        }
    }
    let name = real.file_name()?.to_str()?;
    let ext = Path::new(name).extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    if name.starts_with('.') || PHP_EXTENSIONS.contains(&ext.as_str()) || !real.is_file() {
        return None;
    }
    Some(real)
}

/// Serves the request from the document root, or `None` to hand it to the application.
pub fn serve<B>(statics: &Statics, req: &Request<B>) -> Option<Response<ResponseBody>> {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return None;
    }
    let root = statics.root.as_deref()?;
    let entry = statics.entry(root, req.uri().path())?;
    let size = entry.size;
    let mut resp = Response::new(ResponseBody::empty());
    let h = resp.headers_mut();
    h.insert(ETAG, entry.etag.clone());
    h.insert(LAST_MODIFIED, entry.last_modified.clone());
    h.insert(ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(CONTENT_TYPE, entry.content_type.clone());
    let etag = entry.etag.to_str().unwrap_or("");

    if not_modified(req, etag, entry.modified) {
        *resp.status_mut() = StatusCode::NOT_MODIFIED;
        return Some(resp);
    }
    let (start, len) = match requested_range(req, etag, size) {
        RangeAsk::Whole => (0, size),
        RangeAsk::Part(start, end) => {
            *resp.status_mut() = StatusCode::PARTIAL_CONTENT;
            let value = format!("bytes {start}-{end}/{size}");
            resp.headers_mut().insert(CONTENT_RANGE, HeaderValue::from_str(&value).ok()?);
            (start, end - start + 1)
        }
        RangeAsk::Unsatisfiable => {
            *resp.status_mut() = StatusCode::RANGE_NOT_SATISFIABLE;
            resp.headers_mut().insert(CONTENT_RANGE, HeaderValue::from_str(&format!("bytes */{size}")).ok()?);
            return Some(resp);
        }
    };
    resp.headers_mut().insert(CONTENT_LENGTH, HeaderValue::from(len));
    if req.method() == Method::HEAD {
        return Some(resp);
    }
    *resp.body_mut() = match &entry.bytes {
        Some(bytes) => ResponseBody::full(bytes.slice(start as usize..(start + len) as usize)),
        None => file_body(&entry.real, start, len).ok()?,
    };
    Some(resp)
}

/// The file's bytes `start..start+len`: read at once when small, else streamed.
fn file_body(path: &Path, start: u64, len: u64) -> std::io::Result<ResponseBody> {
    let mut file = std::fs::File::open(path)?;
    if len <= INLINE_LIMIT {
        let mut buf = vec![0; len as usize];
        std::os::unix::fs::FileExt::read_exact_at(&file, &mut buf, start)?;
        return Ok(ResponseBody::full(buf));
    }
    std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(start))?;
    let mut file = tokio::fs::File::from_std(file);
    let (tx, rx) = mpsc::channel(4);
    tokio::spawn(async move {
        let mut left = len;
        while left > 0 {
            let mut buf = vec![0; CHUNK.min(left as usize)];
            let n = match file.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            buf.truncate(n);
            left -= n as u64;
            if tx.send(Reply::Chunk(Bytes::from(buf))).await.is_err() {
                return;
            }
        }
        if left > 0 {
            // The file shrank while we sent it: abort rather than send a short body.
            let _ = tx.send(Reply::Failed(super::job::Failure::WorkerLost)).await;
        }
    });
    Ok(ResponseBody::Stream { first: None, rest: rx })
}

fn not_modified<B>(req: &Request<B>, etag: &str, modified: SystemTime) -> bool {
    if let Some(tags) = req.headers().get(IF_NONE_MATCH).and_then(|v| v.to_str().ok()) {
        return tags.split(',').map(str::trim).any(|t| t == "*" || t.trim_start_matches("W/") == etag);
    }
    let since = req.headers().get(IF_MODIFIED_SINCE).and_then(|v| v.to_str().ok()).and_then(|v| httpdate::parse_http_date(v).ok());
    let secs = |t: SystemTime| t.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    since.is_some_and(|since| secs(modified) <= secs(since))
}

#[derive(Debug, PartialEq, Eq)]
enum RangeAsk {
    Whole,
    /// Inclusive byte positions.
    Part(u64, u64),
    Unsatisfiable,
}

/// One `bytes=` range, honoured when `If-Range` (if any) still matches. Several ranges
/// are answered with the whole file, which RFC 9110 allows.
fn requested_range<B>(req: &Request<B>, etag: &str, size: u64) -> RangeAsk {
    let Some(range) = req.headers().get(RANGE).and_then(|v| v.to_str().ok()) else { return RangeAsk::Whole };
    if let Some(cond) = req.headers().get(IF_RANGE).and_then(|v| v.to_str().ok()) {
        if cond != etag {
            return RangeAsk::Whole;
        }
    }
    parse_range(range, size)
}

fn parse_range(range: &str, size: u64) -> RangeAsk {
    let Some(spec) = range.trim().strip_prefix("bytes=") else { return RangeAsk::Whole };
    if spec.contains(',') {
        return RangeAsk::Whole;
    }
    let Some((a, b)) = spec.trim().split_once('-') else { return RangeAsk::Whole };
    let (a, b) = (a.trim(), b.trim());
    let parsed = match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(start), Ok(end)) if start <= end => Some((start, end.min(size.saturating_sub(1)))),
        (Ok(start), Err(_)) if b.is_empty() => Some((start, size.saturating_sub(1))),
        (Err(_), Ok(suffix)) if a.is_empty() && suffix > 0 => Some((size.saturating_sub(suffix), size.saturating_sub(1))),
        _ => return RangeAsk::Whole,
    };
    match parsed {
        Some((start, end)) if start < size && start <= end => RangeAsk::Part(start, end),
        _ => RangeAsk::Unsatisfiable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> (tempdir::Dir, PathBuf) {
        let dir = tempdir::Dir::new();
        let root = dir.path().join("public");
        std::fs::create_dir_all(root.join("css")).unwrap();
        std::fs::write(root.join("css/app.css"), "body{}").unwrap();
        std::fs::write(root.join("index.php"), "<?php secret();").unwrap();
        std::fs::write(root.join(".env"), "APP_KEY=secret").unwrap();
        std::fs::create_dir_all(root.join("docs")).unwrap();
        std::fs::write(root.join("docs/index.html"), "hi").unwrap();
        std::fs::write(dir.path().join("outside.txt"), "secret").unwrap();
        std::os::unix::fs::symlink(dir.path().join("outside.txt"), root.join("link.txt")).unwrap();
        let root = root.canonicalize().unwrap();
        (dir, root)
    }

    #[test]
    fn serves_plain_files_and_directory_index() {
        let (_d, root) = tree();
        assert_eq!(resolve(&root, "/css/app.css"), Some(root.join("css/app.css")));
        assert_eq!(resolve(&root, "/css/%61pp.css"), Some(root.join("css/app.css")));
        assert_eq!(resolve(&root, "/docs/"), Some(root.join("docs/index.html")));
    }

    #[test]
    fn refuses_traversal_dot_files_php_and_escaping_links() {
        let (_d, root) = tree();
        for path in [
            "/../outside.txt",
            "/css/../../outside.txt",
            "/%2e%2e/outside.txt",
            "/%2E%2E%2Foutside.txt",
            "/%252e%252e/outside.txt",
            "/..%2foutside.txt",
            "/.env",
            "/%2eenv",
            "/css/.hidden",
            "/index.php",
            "/INDEX.PHP",
            "/link.txt",
            "/css/app.css%00.png",
            "/css\\app.css",
        ] {
            assert_eq!(resolve(&root, path), None, "{path} must not be served");
        }
    }

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-9", 100), RangeAsk::Part(0, 9));
        assert_eq!(parse_range("bytes=90-", 100), RangeAsk::Part(90, 99));
        assert_eq!(parse_range("bytes=-10", 100), RangeAsk::Part(90, 99));
        assert_eq!(parse_range("bytes=50-500", 100), RangeAsk::Part(50, 99));
        assert_eq!(parse_range("bytes=100-", 100), RangeAsk::Unsatisfiable);
        assert_eq!(parse_range("bytes=0-1,5-6", 100), RangeAsk::Whole);
        assert_eq!(parse_range("items=0-1", 100), RangeAsk::Whole);
    }

    /// A temporary directory removed on drop (no extra crate for one test helper).
    mod tempdir {
        pub struct Dir(std::path::PathBuf);
        impl Dir {
            pub fn new() -> Self {
                let n = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
                let p = std::env::temp_dir().join(format!("laravels-static-{}-{n}", std::process::id()));
                std::fs::create_dir_all(&p).unwrap();
                Dir(p)
            }
            pub fn path(&self) -> &std::path::Path {
                &self.0
            }
        }
        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }
}
