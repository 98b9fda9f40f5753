//! Accepting client connections and serving each on its own task: the main port's accept
//! loop (the master's, or an HTTP worker's front in `serving_mode` worker, behind its
//! `AcceptGate`), the HTTP/1.1 + HTTP/2 connection builder, and `spawn_connection`, which
//! every port and the hand-over use to serve one connection (TLS handshake, timeouts,
//! `max_connection`, the client list).

use std::os::fd::AsRawFd;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::AsyncWriteExt;
use tokio::sync::Semaphore;

use super::http::{self, ConnInfo};
use super::{handover, timeouts, tls, Listener, Shared, Socket};
use crate::clients::{ClientInfo, WsStatus};
use crate::config::ServerConfig;
use crate::log;

/// Accepts client connections until the returned future is dropped.
pub(crate) async fn accept_clients(listener: Listener, shared: Arc<Shared>, graceful: &GracefulShutdown) {
    let limit = shared.connection_limit.clone();
    let server_port = listener.port();
    let builder = Arc::new(connection_builder(&shared.config));
    let tls = listener.tls;
    let gate = shared.accept_gate.clone();
    match listener.socket {
        Socket::Tcp(std_listener) => {
            let listener = match tokio::net::TcpListener::from_std(std_listener) {
                Ok(l) => l,
                Err(e) => return log::line("master", &format!("cannot use the listening socket: {e}")),
            };
            loop {
                wait_open(gate.as_deref(), &limit, shared.config.max_connection).await;
                let (stream, peer) = match listener.accept().await {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        accept_failed(&e).await;
                        continue;
                    }
                };
                let local = stream.local_addr().ok();
                let _ = stream.set_nodelay(true);
                let mut info = main_port_info(&shared, stream.as_raw_fd(), tls.is_some());
                info.remote_addr = peer.ip().to_canonical().to_string();
                info.remote_port = peer.port();
                info.server_addr = local.map(|a| a.ip().to_canonical().to_string()).unwrap_or_default();
                info.server_port = local.map_or(server_port, |a| a.port());
                spawn_connection(stream, info, &shared, &limit, &builder, tls.as_ref(), graceful);
            }
        }
        Socket::Unix(std_listener, _) => {
            let listener = match tokio::net::UnixListener::from_std(std_listener) {
                Ok(l) => l,
                Err(e) => return log::line("master", &format!("cannot use the listening socket: {e}")),
            };
            loop {
                wait_open(gate.as_deref(), &limit, shared.config.max_connection).await;
                let stream = match listener.accept().await {
                    Ok((s, _)) => s,
                    Err(e) => {
                        accept_failed(&e).await;
                        continue;
                    }
                };
                // A unix socket has no addresses: they stay empty, the ports 0.
                let info = main_port_info(&shared, stream.as_raw_fd(), tls.is_some());
                spawn_connection(stream, info, &shared, &limit, &builder, tls.as_ref(), graceful);
            }
        }
    }
}

/// Out of file descriptors and the like: logs it and pauses instead of spinning.
async fn accept_failed(e: &std::io::Error) {
    log::line("master", &format!("accept failed: {e}"));
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
}

/// A connection accepted on the main port, with no addresses yet; in a front, a plain
/// connection's socket `fd` is kept for the hand-over to the master (`handover.rs`).
fn main_port_info(shared: &Shared, fd: std::os::fd::RawFd, https: bool) -> ConnInfo {
    ConnInfo {
        id: shared.mint_fd(),
        remote_addr: String::new(),
        remote_port: 0,
        server_addr: String::new(),
        server_port: 0,
        https,
        port: 0,
        permit: parking_lot::Mutex::default(),
        upgraded: std::sync::atomic::AtomicBool::default(),
        handover: (!https && shared.role.is_front()).then(|| handover::Socket::new(fd)),
    }
}

/// Decides, before each accept, whether this process takes the next connection now.
pub trait AcceptGate: Send + Sync {
    /// With `open` connections held: `None` to accept now, else how long to wait before
    /// asking again.
    fn hold(&self, open: usize) -> Option<std::time::Duration>;
}

/// Waits until the gate, if any, lets the next connection in.
async fn wait_open(gate: Option<&dyn AcceptGate>, limit: &Semaphore, max_connection: usize) {
    let Some(gate) = gate else { return };
    while let Some(pause) = gate.hold(max_connection.saturating_sub(limit.available_permits())) {
        tokio::time::sleep(pause).await;
    }
}

/// HTTP/1.1 and HTTP/2 on one connection type: hyper-util's auto builder reads the first
/// bytes and picks HTTP/2 on its preface (after ALPN `h2`, or h2c prior knowledge), else
/// HTTP/1.1 with upgrades. HTTP/2 that `open_http2_protocol` does not allow is answered
/// 505 by `http::handle`, because the auto builder's upgrade path ignores `http1_only`.
pub(crate) fn connection_builder(config: &ServerConfig) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().keep_alive(true).max_buf_size(config.max_header_size.max(8192));
    builder.http2().max_header_list_size(u32::try_from(config.max_header_size).unwrap_or(u32::MAX));
    builder
}

/// Logs connections refused over `swoole.max_connection`, at most one line every 10 s.
pub(crate) fn refused_over_limit(shared: &Shared) {
    static REFUSED: crate::log::Throttled = crate::log::Throttled::new("master", 10);
    let limit = shared.config.max_connection;
    REFUSED.event(|count| {
        format!("refused {count} connection(s): {limit} are open, swoole.max_connection. Fix: raise swoole.max_connection (and the open-files limit, ulimit -n) if the server should hold more")
    });
}

/// Serves one connection on its own task, TLS handshake included; over `max_connection` it
/// gets a 503 (a TLS connection is closed: there is no TLS session to answer in).
pub(crate) fn spawn_connection<S>(
    mut stream: S,
    info: ConnInfo,
    shared: &Arc<Shared>,
    limit: &Arc<Semaphore>,
    builder: &Arc<auto::Builder<TokioExecutor>>,
    tls: Option<&tokio_rustls::TlsAcceptor>,
    graceful: &GracefulShutdown,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let Ok(permit) = limit.clone().try_acquire_owned() else {
        refused_over_limit(shared);
        if tls.is_none() {
            tokio::spawn(async move {
                let _ = stream.write_all(b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").await;
            });
        }
        return;
    };
    *info.permit.lock() = Some(permit);
    let now = crate::clients::now();
    shared.clients.open(
        info.id,
        &ClientInfo {
            server_port: info.server_port,
            server_fd: info.port,
            remote_ip: info.remote_addr.clone(),
            remote_port: info.remote_port,
            connect_time: now,
            last_time: now,
            websocket_status: WsStatus::None,
            uid: 0,
        },
    );
    let info = Arc::new(info);
    let activity = Arc::new(timeouts::Activity::default());
    let service = {
        let (shared, info, activity) = (shared.clone(), info.clone(), activity.clone());
        service_fn(move |req| {
            // In flight from here until hyper is done with the response body.
            let in_flight = timeouts::InFlight::begin(&activity);
            let answer = http::handle(req, shared.clone(), info.clone());
            async move { answer.await.map(|resp| resp.map(|body| timeouts::Tracked::new(body, in_flight))) }
        })
    };
    let limits = shared.config.http_timeouts.clone();
    // The header timeout runs from here, the TLS handshake included.
    let accepted = tokio::time::Instant::now();
    let shared = shared.clone();
    let builder = builder.clone();
    let tls = tls.cloned();
    // Taken before the task starts, so a stop also waits for a handshake in progress.
    let watcher = graceful.watcher();
    tokio::spawn(async move {
        // One connection's error (a reset, a parse error hyper already answered, a failed
        // handshake such as plain HTTP on the TLS port) ends that connection only.
        match tls {
            None => {
                let io = timeouts::Timed::new(stream, activity, info.clone(), limits, accepted);
                let served = watcher.watch(builder.serve_connection_with_upgrades(TokioIo::new(io), service));
                match &info.handover {
                    // Handed to the master (`handover.rs`): dropped here, unanswered.
                    Some(socket) => {
                        tokio::select! {
                            _ = served => {}
                            () = socket.taken.notified() => {}
                        }
                    }
                    None => {
                        let _ = served.await;
                    }
                }
            }
            Some(acceptor) => {
                // A handshake that does not finish within `http.header_timeout` is closed:
                // before it there is no session to answer 408 in.
                if let Ok(stream) = tls::handshake(&acceptor, stream, limits.header).await {
                    let io = timeouts::Timed::new(stream, activity, info.clone(), limits, accepted);
                    let _ = watcher.watch(builder.serve_connection_with_upgrades(TokioIo::new(io), service)).await;
                }
            }
        }
        // An upgraded connection lives on as a WebSocket, which removes it when it ends.
        if !info.upgraded.load(Ordering::SeqCst) {
            shared.clients.close(info.id);
        }
    });
}
