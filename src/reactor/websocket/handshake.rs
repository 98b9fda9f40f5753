//! The opening handshake: check the upgrade request, let a worker accept or refuse it,
//! and on acceptance hand the socket to `connection.rs`.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use hyper::header::{HeaderMap, HeaderValue, CONNECTION, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY, SEC_WEBSOCKET_VERSION, UPGRADE};
use hyper::{Method, Request, Response, StatusCode};
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

use super::connection;
use crate::clients::WsStatus;
use crate::ipc::ToWorker;
use crate::reactor::body::ResponseBody;
use crate::reactor::http::{self, ConnInfo};
use crate::reactor::job::{Failure, Reply};
use crate::reactor::overload::{self, Overload};
use crate::reactor::upload::TempFiles;
use crate::reactor::Shared;

/// Whether a request asks for a WebSocket (`Upgrade: websocket`); whether it does so
/// correctly is `open`'s business, so a broken handshake gets its 400 rather than
/// reaching the application as a plain request.
pub fn is_upgrade(headers: &HeaderMap) -> bool {
    headers.get(UPGRADE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.trim().eq_ignore_ascii_case("websocket"))
}

/// Why a handshake is refused before any worker sees it.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HandshakeError {
    /// The upgrade request is not a GET.
    #[error("a WebSocket handshake must be a GET request")]
    Method,
    /// The upgrade request came over HTTP/1.0 or older.
    #[error("a WebSocket handshake needs HTTP/1.1 or later")]
    Version,
    /// `Connection` does not list `upgrade`.
    #[error("the Connection header must contain 'upgrade'")]
    Connection,
    /// `Sec-WebSocket-Key` is missing or not 16 bytes of base64.
    #[error("Sec-WebSocket-Key must be 16 bytes in base64")]
    Key,
    /// `Sec-WebSocket-Version` is not 13 (answered 426).
    #[error("only Sec-WebSocket-Version 13 is supported")]
    WsVersion,
}

impl HandshakeError {
    /// The status the refusal is answered with: 426 for the version, else 400.
    pub fn status(&self) -> StatusCode {
        match self {
            // RFC 6455 4.2.2: an unsupported version gets 426 and the versions we speak.
            HandshakeError::WsVersion => StatusCode::UPGRADE_REQUIRED,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

/// RFC 6455 section 4.2.1, the server's checks of the client's opening handshake.
pub fn check(req: &Request<hyper::body::Incoming>) -> Result<(), HandshakeError> {
    if req.method() != Method::GET {
        return Err(HandshakeError::Method);
    }
    if req.version() < hyper::Version::HTTP_11 {
        return Err(HandshakeError::Version);
    }
    let headers = req.headers();
    let connection_upgrade =
        headers.get_all(CONNECTION).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(|token| token.trim().eq_ignore_ascii_case("upgrade"));
    if !connection_upgrade {
        return Err(HandshakeError::Connection);
    }
    let key_ok = headers.get(SEC_WEBSOCKET_KEY).and_then(|v| v.to_str().ok()).is_some_and(|k| decoded_len(k.trim()) == Some(16));
    if !key_ok {
        return Err(HandshakeError::Key);
    }
    if headers.get(SEC_WEBSOCKET_VERSION).and_then(|v| v.to_str().ok()).map(str::trim) != Some("13") {
        return Err(HandshakeError::WsVersion);
    }
    Ok(())
}

/// The length a strict, padded base64 string decodes to; `None` if it is not one.
fn decoded_len(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    if bytes.is_empty() || bytes.len() % 4 != 0 {
        return None;
    }
    let pad = bytes.iter().rev().take_while(|b| **b == b'=').count();
    if pad > 2 || !bytes[..bytes.len() - pad].iter().all(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/') {
        return None;
    }
    Some(bytes.len() / 4 * 3 - pad)
}

/// Runs the handshake: 101 and a connection task when the worker accepts, its response
/// (or a 4xx from `check`) otherwise.
pub async fn open(mut req: Request<hyper::body::Incoming>, shared: &Arc<Shared>, conn: &Arc<ConnInfo>) -> Response<ResponseBody> {
    if let Err(e) = check(&req) {
        let mut resp = http::error(e.status(), &e.to_string());
        if e == HandshakeError::WsVersion {
            resp.headers_mut().insert(SEC_WEBSOCKET_VERSION, HeaderValue::from_static("13"));
        }
        return resp;
    }
    let on_upgrade = hyper::upgrade::on(&mut req);
    let key = req.headers().get(SEC_WEBSOCKET_KEY).map(|k| derive_accept_key(k.as_bytes()));
    let (parts, _body) = req.into_parts();
    let head = http::request_head(&parts, conn, shared);
    let fd = conn.id;
    let mailbox = shared.sockets.register(fd);
    shared.clients.set_status(fd, WsStatus::Handshake);
    // Until the upgrade is handed over, any way out of here (a refusal, a timeout, the
    // client leaving, which drops this future) takes the registration back.
    let pending = Pending { shared, fd, armed: true };
    let open = ToWorker::Open { fd, port: conn.port, head };
    let Ok(mut ticket) = shared.dispatcher.enqueue(open, fd, TempFiles::default(), shared.config.max_request_time) else {
        return overload::unavailable(shared, Overload::QueueFull);
    };
    let head = match ticket.first().await {
        Some(Reply::Head(head)) if head.status == 101 => head,
        Some(Reply::Head(head)) => return http::from_worker(head, ticket.rest()),
        Some(Reply::Failed(Failure::QueueWait)) => return overload::unavailable(shared, Overload::WaitedTooLong),
        Some(Reply::Failed(Failure::WorkerLost)) => {
            return http::error(StatusCode::BAD_GATEWAY, "the worker handling the WebSocket handshake stopped before answering");
        }
        _ => return http::error(StatusCode::GATEWAY_TIMEOUT, "no worker answered the WebSocket handshake within max_request_time"),
    };
    let mut resp = http::from_worker(head, ticket.rest());
    *resp.body_mut() = ResponseBody::empty();
    let headers = resp.headers_mut();
    // The default handshake leaves these to us; a custom onHandShake may have set them.
    headers.entry(UPGRADE).or_insert(HeaderValue::from_static("websocket"));
    headers.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
    if let Some(accept) = key.and_then(|k| HeaderValue::from_str(&k).ok()) {
        headers.insert(SEC_WEBSOCKET_ACCEPT, accept);
    }
    headers.remove(hyper::header::CONTENT_LENGTH);
    conn.upgraded.store(true, Ordering::SeqCst);
    pending.disarm();
    let permit = conn.permit.lock().take();
    let conn_port = conn.port;
    let shared = shared.clone();
    tokio::spawn(async move {
        match on_upgrade.await {
            Ok(upgraded) => connection::run(upgraded, fd, conn_port, mailbox, shared, permit).await,
            // The 101 went out but the client vanished before the upgrade completed.
            Err(_) => connection::finish(fd, conn_port, &shared).await,
        }
    });
    resp
}

/// A handshake in progress: dropped armed, it unregisters the connection's queue and
/// marks it plain HTTP again.
struct Pending<'a> {
    shared: &'a Shared,
    fd: u64,
    armed: bool,
}

impl Pending<'_> {
    fn disarm(mut self) {
        self.armed = false;
    }
}

impl Drop for Pending<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.shared.sockets.unregister(self.fd);
            self.shared.clients.set_status(self.fd, WsStatus::None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::decoded_len;

    #[test]
    fn key_must_be_sixteen_bytes_of_base64() {
        assert_eq!(decoded_len("dGhlIHNhbXBsZSBub25jZQ=="), Some(16));
        assert_eq!(decoded_len("dGhlIHNhbXBsZSBub25jZQ"), None);
        assert_eq!(decoded_len("dGhlIHNhbXBsZSBub25j"), Some(15));
        assert_eq!(decoded_len("!!!!"), None);
        assert_eq!(decoded_len(""), None);
    }
}
