//! multipart/form-data bodies, parsed as they arrive: file parts are written straight to
//! `upload_tmp_dir` (never held whole in memory) and handed to the worker as paths, the
//! way PHP fills $_FILES. The files are removed when the request is done, unless the
//! application moved them.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use http_body_util::BodyExt;
use multer::{Constraints, Multipart, SizeLimit};
use tokio::io::AsyncWriteExt;

use crate::ipc::{Form, UploadedFile};

/// PHP's `UPLOAD_ERR_NO_FILE`: a file input left empty.
const UPLOAD_ERR_NO_FILE: u8 = 4;

/// Why a multipart body was refused.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// The body passed `package_max_length` (answered 413).
    #[error("request body larger than package_max_length")]
    TooLarge,
    /// The body is not valid multipart/form-data, as multer says (answered 400).
    #[error("malformed multipart body: {0}")]
    Malformed(String),
    /// A file part could not be spooled to `upload_tmp_dir` (answered 500).
    #[error("cannot write to upload_tmp_dir: {0}")]
    Disk(#[from] std::io::Error),
}

impl From<multer::Error> for UploadError {
    fn from(e: multer::Error) -> Self {
        match e {
            multer::Error::StreamSizeExceeded { .. } | multer::Error::FieldSizeExceeded { .. } => UploadError::TooLarge,
            other => UploadError::Malformed(other.to_string()),
        }
    }
}

/// Spooled files of one request, removed on drop.
#[derive(Default, Debug)]
pub struct TempFiles(Vec<PathBuf>);

#[cfg(test)]
impl TempFiles {
    /// Files to remove on drop, for tests.
    pub fn adopt(paths: Vec<PathBuf>) -> Self {
        TempFiles(paths)
    }
}

impl Drop for TempFiles {
    fn drop(&mut self) {
        for path in &self.0 {
            // Already moved away by the application: nothing to do.
            let _ = std::fs::remove_file(path);
        }
    }
}

/// The boundary when `content_type` is multipart/form-data.
pub fn boundary(content_type: &str) -> Option<String> {
    if !content_type.trim_start().to_ascii_lowercase().starts_with("multipart/form-data") {
        return None;
    }
    multer::parse_boundary(content_type).ok()
}

static NEXT_FILE: AtomicU64 = AtomicU64::new(0);

/// Reads a multipart body of at most `limit` bytes, spooling files into `dir`.
pub async fn spool(body: hyper::body::Incoming, boundary: String, limit: usize, dir: &Path) -> Result<(Form, TempFiles), UploadError> {
    let constraints = Constraints::new().size_limit(SizeLimit::new().whole_stream(limit as u64));
    let mut multipart = Multipart::with_constraints(body.into_data_stream(), boundary, constraints);
    let mut form = Form::default();
    let mut temp = TempFiles::default();
    while let Some(mut field) = multipart.next_field().await? {
        let name = field.name().unwrap_or_default().to_owned();
        let Some(filename) = field.file_name().map(str::to_owned) else {
            let value = field.bytes().await?;
            form.fields.push((name, value));
            continue;
        };
        let content_type = field.content_type().map(std::string::ToString::to_string).unwrap_or_default();
        if filename.is_empty() {
            while field.chunk().await?.is_some() {}
            form.files.push(UploadedFile { field: name, filename, content_type, path: String::new(), size: 0, error: UPLOAD_ERR_NO_FILE });
            continue;
        }
        let path = dir.join(format!(
            "laravels-upload-{}-{}-{:x}",
            std::process::id(),
            NEXT_FILE.fetch_add(1, Ordering::Relaxed),
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos())
        ));
        let mut file = tokio::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&path).await?;
        temp.0.push(path.clone());
        let mut size = 0u64;
        while let Some(chunk) = field.chunk().await? {
            size += chunk.len() as u64;
            file.write_all(&chunk).await?;
        }
        file.flush().await?;
        form.files.push(UploadedFile { field: name, filename, content_type, path: path.to_string_lossy().into_owned(), size, error: 0 });
    }
    Ok((form, temp))
}
