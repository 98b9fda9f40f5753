//! `LaravelS\Runtime\Sapi`: PHP's own header functions and `php://input` inside a request,
//! as under php-fpm, although the worker runs in the CLI SAPI.
//!
//! The CLI SAPI drops every `header()` (its header handler adds nothing), so `header()`,
//! `setcookie()` and `headers_list()` mean nothing there, `headers_sent()` stays true for
//! the life of the process once anything was printed, and `php://input` is empty. Between
//! [`Sapi::begin`] and [`Sapi::end`] a worker behaves as a web SAPI does for one request:
//! the headers are kept in PHP's own list (read back with `headers_list()` and
//! `http_response_code()`), `headers_sent()` turns true once output reaches the SAPI,
//! and `php://input` reads the request body; the request's uploaded files are PHP's
//! uploaded files (`is_uploaded_file()`, `move_uploaded_file()`: see [`super::uploads`]).
//! Outside a request the CLI behaviour is back.

use std::os::raw::c_int;
use std::sync::atomic::{AtomicBool, Ordering};

use ext_php_rs::ffi::{sapi_header_op_enum, sapi_header_struct, sapi_headers_struct, zend_resource};
use ext_php_rs::prelude::*;
use ext_php_rs::types::{ZendHashTable, Zval};
use ext_php_rs::zend::SapiGlobals;

use super::exceptions::worker_error;
use super::uploads;

extern "C" {
    /// The resource type id of PHP streams (main/streams/streams.c).
    fn php_file_le_stream() -> c_int;
    /// Empties a `zend_llist`, running its destructor on each element (`Zend/zend_llist.c`).
    fn zend_llist_clean(list: *mut ext_php_rs::ffi::zend_llist);
}

/// Drops every header in PHP's list, as `header_remove()` does, whatever the SAPI state.
fn clear_headers(globals: &mut SapiGlobals) {
    // SAFETY: the list is SG(sapi_headers).headers, initialised by PHP's request startup
    // with its own destructor; the write guard keeps anyone else from touching it.
    unsafe { zend_llist_clean(&raw mut globals.sapi_headers.headers) };
}

/// What a SAPI header handler returns to have PHP store the header (main/SAPI.h).
const SAPI_HEADER_ADD: c_int = 1;

/// Whether the CLI's header handler has been replaced in this process.
static HANDLER_INSTALLED: AtomicBool = AtomicBool::new(false);
/// Whether a request's SAPI state is active.
static ACTIVE: AtomicBool = AtomicBool::new(false);
/// `headers_sent` as it was before `begin()`, put back by `end()`.
static SENT_BEFORE: AtomicBool = AtomicBool::new(false);

/// The header handler while this extension is loaded: inside a request it keeps every
/// header, as a web SAPI's does (PHP itself then does the replacing, `header($h, true)`,
/// the removing, `header_remove()`, and the status updates); outside one it keeps none,
/// as the CLI's own handler does.
extern "C" fn keep_header(_header: *mut sapi_header_struct, _op: sapi_header_op_enum, _headers: *mut sapi_headers_struct) -> c_int {
    if ACTIVE.load(Ordering::Relaxed) {
        SAPI_HEADER_ADD
    } else {
        0
    }
}

fn install_handler() {
    if !HANDLER_INSTALLED.swap(true, Ordering::Relaxed) {
        // SAFETY: `sapi_module` is the SAPI's static module struct; PHP reads
        // `header_handler` only on this (the only PHP) thread, inside header functions,
        // and never while this assignment runs.
        unsafe {
            ext_php_rs::ffi::sapi_module.header_handler = Some(keep_header);
        }
    }
}

/// The `php_stream` behind a stream resource zval, or an error naming what was given.
fn stream_of(input: &Zval) -> PhpResult<*mut ext_php_rs::ffi::php_stream> {
    let res: *mut zend_resource =
        input.resource().ok_or_else(|| worker_error(format!("Sapi::begin(): expected a stream resource, got {}", input.get_type())))?;
    // SAFETY: `resource()` returned the zval's live resource; reading its type and pointer
    // does not outlive the call. `php_file_le_stream()` only reads a registered id.
    unsafe {
        if res.is_null() || (*res).type_ != php_file_le_stream() || (*res).ptr.is_null() {
            return Err(worker_error("Sapi::begin(): the input is not an open stream".into()));
        }
        Ok((*res).ptr.cast())
    }
}

/// The paths of a list of uploaded files, or an error naming what was not a string.
fn paths_of(uploads: Option<&ZendHashTable>) -> PhpResult<Vec<String>> {
    let Some(uploads) = uploads else { return Ok(Vec::new()) };
    uploads
        .values()
        .map(|path| {
            path.string()
                .filter(|p| !p.is_empty())
                .ok_or_else(|| worker_error(format!("Sapi::begin(): an upload must be a file path, got {}", path.get_type())))
        })
        .collect()
}

#[php_class]
#[php(name = "LaravelS\\Runtime\\Sapi")]
pub struct Sapi;

#[php_impl]
impl Sapi {
    /// Starts a request's SAPI state: no headers, none sent yet, no response code,
    /// `php://input` reads `$input` (a stream the caller keeps open until `end()`; it is
    /// rewound on each open), and the paths in `$uploads` (the request's spooled files,
    /// `$_FILES[...]['tmp_name']`) are uploaded files to `is_uploaded_file()` and
    /// `move_uploaded_file()`.
    pub fn begin(input: &Zval, uploads: Option<&ZendHashTable>) -> PhpResult<()> {
        let stream = stream_of(input)?;
        let paths = paths_of(uploads)?;
        install_handler();
        let mut globals = SapiGlobals::get_mut();
        if ACTIVE.swap(true, Ordering::Relaxed) {
            // A request that was never ended: its files are no longer uploads.
            uploads::forget(&mut globals);
        } else {
            SENT_BEFORE.store(globals.headers_sent != 0, Ordering::Relaxed);
        }
        uploads::register(&mut globals, &paths);
        clear_headers(&mut globals);
        globals.headers_sent = 0;
        globals.sapi_headers.http_response_code = 0;
        globals.request_info.request_body = stream;
        // Nothing more to read from the SAPI: php://input reads only the stream.
        globals.post_read = 1;
        Ok(())
    }

    /// Ends the request's SAPI state: the request's headers and code are dropped (read
    /// them first with `headers_list()` and `http_response_code()`), the CLI's behaviour
    /// is back, `php://input` no longer points at the request's stream and the request's
    /// files are no longer uploaded files (they are not deleted here).
    pub fn end() {
        if !ACTIVE.swap(false, Ordering::Relaxed) {
            return;
        }
        let mut globals = SapiGlobals::get_mut();
        uploads::forget(&mut globals);
        clear_headers(&mut globals);
        globals.headers_sent = u8::from(SENT_BEFORE.load(Ordering::Relaxed));
        globals.request_info.request_body = std::ptr::null_mut();
        globals.sapi_headers.http_response_code = 0;
    }

    /// Whether a request's SAPI state is active (between `begin()` and `end()`).
    pub fn active() -> bool {
        ACTIVE.load(Ordering::Relaxed)
    }
}
