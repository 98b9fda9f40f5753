//! The HTTP side of the master: turn a hyper request into a job, and a worker's reply into
//! a hyper response. Never touches PHP; limits are enforced here, before any worker sees
//! the request.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::header::{HeaderName, HeaderValue, CONTENT_LENGTH, CONTENT_TYPE, SERVER};
use hyper::{Request, Response, StatusCode};
use tokio::sync::mpsc;

use super::body::ResponseBody;
use super::compress;
use super::job::{Failure, Reply, ReplyHead};
use super::overload::{self, Overload};
use super::static_files;
use super::upload::{self, TempFiles, UploadError};
use super::Shared;
use crate::config::Protocol;
use crate::ipc::{self, RequestHead, ToWorker};
use crate::log;

/// What the master knows about the connection a request came on.
#[derive(Debug)]
pub struct ConnInfo {
    /// The connection's number, Swoole's `$fd`: unique for the life of the master.
    pub id: u64,
    /// The peer's IP address (IPv4-mapped ones as IPv4); empty on a unix socket.
    pub remote_addr: String,
    /// The peer's port; 0 on a unix socket.
    pub remote_port: u16,
    /// The local IP address the connection reached; empty on a unix socket.
    pub server_addr: String,
    /// The local port the connection reached; 0 on a unix socket.
    pub server_port: u16,
    /// Whether the connection came over TLS (the request's `HTTPS` server variable).
    pub https: bool,
    /// The port it came on: 0 for the main port, else its index in `sockets` + 1.
    pub port: u32,
    /// Its place under `max_connection`; a WebSocket upgrade takes it along.
    pub permit: parking_lot::Mutex<Option<tokio::sync::OwnedSemaphorePermit>>,
    /// Set once the connection became a WebSocket: its end is then the WebSocket's.
    pub upgraded: std::sync::atomic::AtomicBool,
    /// In an HTTP worker's front (`serving_mode` worker), a plain connection's socket,
    /// which it hands to the master for what the master serves (`handover.rs`).
    pub handover: Option<super::handover::Socket>,
}

/// Answers one request: a static file, an error found here, or a worker's response;
/// counted in the master's metrics when they are on (`metrics`).
pub async fn handle(req: Request<hyper::body::Incoming>, shared: Arc<Shared>, conn: Arc<ConnInfo>) -> Result<Response<ResponseBody>, Infallible> {
    if shared.metrics.is_none() {
        return respond(req, shared, conn).await;
    }
    let started = std::time::Instant::now();
    let resp = respond(req, shared.clone(), conn).await?;
    if let Some(metrics) = &shared.metrics {
        metrics.response(resp.status().as_u16(), started.elapsed());
    }
    Ok(resp)
}

async fn respond(mut req: Request<hyper::body::Incoming>, shared: Arc<Shared>, conn: Arc<ConnInfo>) -> Result<Response<ResponseBody>, Infallible> {
    if let Some(refusal) = super::strict::check(req.method(), req.version(), req.headers()) {
        return Ok(finish(refusal.response(), &shared));
    }
    // Port 0 is the main port; an extra port speaks what its `sockets` entry says.
    let protocol = shared.config.sockets.get((conn.port as usize).wrapping_sub(1)).map(|s| &s.protocol);
    let upgrade = shared.config.websocket && super::websocket::is_upgrade(req.headers());
    // Who answers: the application (`None`), or the Http handler of this extra port.
    let handler = match protocol {
        None => None,
        Some(Protocol::WebSocket) if !upgrade => {
            return Ok(finish(error(StatusCode::BAD_REQUEST, "this port speaks WebSocket only"), &shared));
        }
        Some(_) => Some(conn.port),
    };
    if protocol.is_none() {
        if let Some(master_pid) = shared.role.master_pid().filter(|_| super::handover::claims(&shared, &req)) {
            return Ok(finish(super::handover::hand_over(req, &shared, &conn, master_pid).await, &shared));
        }
        if let Some(resp) = super::metrics::answer(&shared, &req) {
            return Ok(finish(resp, &shared));
        }
        if let Some(resp) = super::health::answer(&shared, &req) {
            return Ok(finish(resp, &shared));
        }
        // `websocket.pusher`: its connections and its HTTP API never reach a worker.
        if let Some(pusher) = &shared.pusher {
            if let Some(key) = pusher.key_in(req.uri().path()).filter(|_| super::websocket::is_upgrade(req.headers())) {
                let key = key.to_owned();
                return Ok(finish(super::websocket::pusher::session::open(req, &shared, &conn, &key), &shared));
            }
        }
        if super::websocket::pusher::http_api::claims(&shared, req.uri().path()) {
            return Ok(finish(super::websocket::pusher::http_api::answer(req, &shared).await, &shared));
        }
    }
    if upgrade && !matches!(protocol, Some(Protocol::Http)) {
        return Ok(finish(super::websocket::open(req, &shared, &conn).await, &shared));
    }
    let span = shared.tracer.as_ref().map(|tracer| start_span(tracer, &mut req, &shared, &conn));
    let head_only = req.method() == hyper::Method::HEAD;
    let gzip = shared.config.http_compression && compress::accepts_gzip(req.headers());
    let http1 = req.version() < hyper::Version::HTTP_2;
    let resp = answer(req, &shared, &conn, handler).await;
    let mut resp = finish(resp, &shared);
    // A front that stops (reload, retirement, the stop's drain) ends each keep-alive
    // connection after its next answer, which the client sees, instead of closing it
    // idle, where a request crossing the close would get no answer. The master does so
    // on the main port once fronts serve again (`fallback.rs`).
    let hand_back = protocol.is_none() && super::fallback::ends_connection(&shared);
    if http1 && ((shared.role.is_front() && shared.drain.started()) || hand_back) {
        resp.headers_mut().insert(hyper::header::CONNECTION, HeaderValue::from_static("close"));
    }
    if gzip {
        compress::gzip_response(&mut resp).await;
    }
    let Some(mut span) = span else { return Ok(resp) };
    span.set_status(resp.status().as_u16());
    let bodyless = head_only || matches!(resp.status(), StatusCode::NO_CONTENT | StatusCode::NOT_MODIFIED);
    Ok(resp.map(|body| body.traced(span, bodyless)))
}

/// Starts the request's server span; the application then sees its `traceparent`.
fn start_span(tracer: &crate::trace::Tracer, req: &mut Request<hyper::body::Incoming>, shared: &Shared, conn: &ConnInfo) -> crate::trace::OpenSpan {
    let trusted = shared.config.trusted_proxies.trusts(&conn.remote_addr);
    let (method, uri) = (req.method().as_str().to_owned(), req.uri().clone());
    let facts = crate::trace::RequestFacts {
        method: &method,
        path: uri.path(),
        query: uri.query(),
        scheme: if conn.https { "https" } else { "http" },
        version: match req.version() {
            hyper::Version::HTTP_10 => "1.0",
            hyper::Version::HTTP_2 => "2",
            _ => "1.1",
        },
        client: &conn.remote_addr,
        server_port: conn.server_port,
    };
    tracer.start(req.headers_mut(), trusted, &facts)
}

async fn answer(req: Request<hyper::body::Incoming>, shared: &Arc<Shared>, conn: &ConnInfo, handler: Option<u32>) -> Response<ResponseBody> {
    // Reached only by h2c prior knowledge, or a TLS client that ignored ALPN's http/1.1.
    if req.version() == hyper::Version::HTTP_2 && !shared.config.http2 {
        return error(StatusCode::HTTP_VERSION_NOT_SUPPORTED, "HTTP/2 is off on this server (swoole.open_http2_protocol)");
    }
    if shared.config.handle_static && handler.is_none() {
        if let Some(resp) = static_files::serve(&shared.statics, &req) {
            return resp;
        }
    }
    let limit = shared.config.package_max_length;
    let declared = req.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return error(StatusCode::PAYLOAD_TOO_LARGE, "request body larger than package_max_length");
    }
    let (parts, body) = req.into_parts();
    let multipart = parts.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).and_then(upload::boundary);
    let (body, form, uploads) = match multipart {
        Some(boundary) => match upload::spool(body, boundary, limit, &shared.config.upload_tmp_dir).await {
            Ok((form, files)) => (Bytes::new(), Some(form), files),
            Err(UploadError::TooLarge) => return error(StatusCode::PAYLOAD_TOO_LARGE, "request body larger than package_max_length"),
            Err(e @ UploadError::Malformed(_)) => return error(StatusCode::BAD_REQUEST, &e.to_string()),
            Err(e @ UploadError::Disk(_)) => {
                log::line("master", &e.to_string());
                return error(StatusCode::INTERNAL_SERVER_ERROR, "could not store the upload");
            }
        },
        None => match Limited::new(body, limit).collect().await {
            Ok(collected) => (collected.to_bytes(), None, TempFiles::default()),
            Err(e) if e.is::<http_body_util::LengthLimitError>() => return error(StatusCode::PAYLOAD_TOO_LARGE, "request body larger than package_max_length"),
            Err(_) => return error(StatusCode::BAD_REQUEST, "malformed request body"),
        },
    };

    let head = request_head(&parts, conn, shared);
    shared.clients.bump(crate::clients::Counter::RequestCount);
    let frame = match handler {
        None => ToWorker::Request(ipc::Request { head, body, form }),
        Some(port) => ToWorker::PortRequest { fd: conn.id, port, head, body },
    };
    // Past the overload policy (`queue`) the client gets a 503 with Retry-After, at once or
    // at queue.max_wait_seconds. Queue time counts towards max_request_time too.
    let Ok(mut ticket) = shared.dispatcher.enqueue(frame, conn.id, uploads, shared.config.max_request_time) else {
        return overload::unavailable(shared, Overload::QueueFull);
    };
    match ticket.first().await {
        Some(Reply::Head(head)) => from_worker(head, ticket.rest()),
        Some(Reply::Failed(Failure::QueueWait)) => overload::unavailable(shared, Overload::WaitedTooLong),
        Some(Reply::Failed(Failure::Deadline)) => error(StatusCode::GATEWAY_TIMEOUT, "no worker answered within max_request_time"),
        Some(Reply::Failed(Failure::WorkerLost)) => error(StatusCode::BAD_GATEWAY, "the worker handling this request stopped before answering"),
        Some(Reply::Chunk(_)) | None => error(StatusCode::BAD_GATEWAY, "no worker answered"),
    }
}

/// What a worker needs of a request besides its body; forwarded headers are applied.
pub fn request_head(parts: &hyper::http::request::Parts, conn: &ConnInfo, shared: &Shared) -> RequestHead {
    let mut head = RequestHead {
        method: parts.method.as_str().to_owned(),
        uri: parts.uri.path_and_query().map_or("/", |p| p.as_str()).to_owned(),
        protocol: match parts.version {
            hyper::Version::HTTP_10 => "HTTP/1.0",
            hyper::Version::HTTP_2 => "HTTP/2.0",
            _ => "HTTP/1.1",
        },
        headers: head_headers(parts),
        remote_addr: conn.remote_addr.clone(),
        remote_port: conn.remote_port,
        server_addr: conn.server_addr.clone(),
        server_port: conn.server_port,
        https: conn.https,
        time: SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64()),
    };
    super::forwarded::apply(&mut head, &shared.config.trusted_proxies);
    head
}

/// The request's headers for the worker. An absolute-form target's authority replaces the
/// `Host` header (RFC 9112 3.2.2: the server MUST ignore the received Host); HTTP/2
/// carries the host in `:authority`, which hyper keeps in the URI the same way, so the
/// application sees the same request as over HTTP/1.1.
fn head_headers(parts: &hyper::http::request::Parts) -> Vec<crate::ipc::Header> {
    let mut headers = Vec::with_capacity(parts.headers.len() + 1);
    let authority = parts.uri.authority().filter(|_| parts.uri.scheme().is_some() || parts.version == hyper::Version::HTTP_2);
    if let Some(authority) = authority {
        headers.push(("host".to_owned(), Bytes::copy_from_slice(authority.as_str().as_bytes())));
    }
    let kept = parts.headers.iter().filter(|(n, _)| authority.is_none() || *n != hyper::header::HOST);
    headers.extend(kept.map(|(n, v)| (n.as_str().to_owned(), Bytes::copy_from_slice(v.as_bytes()))));
    headers
}

/// Builds the response a worker described.
pub fn from_worker(head: ReplyHead, rest: mpsc::Receiver<Reply>) -> Response<ResponseBody> {
    let body = if head.complete { ResponseBody::full(head.body) } else { ResponseBody::Stream { first: Some(head.body), rest } };
    let mut resp = Response::new(body);
    *resp.status_mut() = StatusCode::from_u16(head.status).unwrap_or_else(|_| {
        log::line("master", &format!("a worker answered with invalid status {}; sending 500", head.status));
        StatusCode::INTERNAL_SERVER_ERROR
    });
    if let Some(reason) = head.reason {
        if let Ok(phrase) = hyper::ext::ReasonPhrase::try_from(reason.into_bytes()) {
            resp.extensions_mut().insert(phrase);
        }
    }
    let headers = resp.headers_mut();
    for (name, value) in head.headers {
        match (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_maybe_shared(value)) {
            (Ok(n), Ok(v)) => {
                headers.append(n, v);
            }
            _ => log::line("master", &format!("dropped an invalid response header '{name}'")),
        }
    }
    resp
}

/// Adds what every response carries.
fn finish(mut resp: Response<ResponseBody>, shared: &Shared) -> Response<ResponseBody> {
    if let Some(server) = &shared.server_header {
        resp.headers_mut().entry(SERVER).or_insert_with(|| server.clone());
    }
    resp
}

/// A short plain-text error response.
pub fn error(status: StatusCode, message: &str) -> Response<ResponseBody> {
    let text = format!("{} {}: {message}\n", status.as_u16(), status.canonical_reason().unwrap_or(""));
    let mut resp = Response::new(ResponseBody::full(text));
    *resp.status_mut() = status;
    resp.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    resp
}
