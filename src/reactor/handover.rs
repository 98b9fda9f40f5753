//! `serving_mode` worker: connections an HTTP worker's front hands to the master.
//!
//! What only the master serves — WebSocket connections (their registry, pushes from any
//! process, the Pusher channels), the Pusher HTTP API and the metrics on `metrics.path` —
//! arrives on a front's connection like any request. The front sends the socket itself to
//! the master (`SCM_RIGHTS` over an abstract unix socket named after the master's pid,
//! same user only), with the request it already read written back out as HTTP/1.x
//! bytes; the master serves the connection from there as if it had accepted it: it reads
//! those bytes first, then the socket. The front forgets the connection without writing
//! to it. Later requests on a kept-alive connection are the master's too.
//!
//! ```text
//! front -> master: u32 length (big endian) of what follows, the connection's number
//!                  (u64, big endian: it keeps its `$fd`), the request's bytes; the
//!                  socket attached to the first byte
//! master -> front: one byte, 1 once the connection is the master's
//! ```
//!
//! A TLS connection cannot be handed over (its session lives in the front): the config
//! refuses those settings with TLS on the main port in worker mode (`config/mode.rs`).
//! Bytes a client sends after the request and before the answer (a pipelined request)
//! are lost; RFC 6455 clients wait for the 101.

use std::io::{IoSlice, IoSliceMut};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Buf, Bytes, BytesMut};
use http_body_util::{BodyExt, Limited};
use hyper::header::{CONTENT_LENGTH, TRANSFER_ENCODING};
use hyper::{Request, Response, StatusCode};
use hyper_util::server::graceful::GracefulShutdown;
use nix::sys::socket::{recvmsg, sendmsg, ControlMessage, ControlMessageOwned, MsgFlags};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, Interest, ReadBuf};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{mpsc, Notify};

use super::body::ResponseBody;
use super::http::{self, ConnInfo};
use super::Shared;
use crate::log;

/// How long the master waits for a front to send what it announced.
const READ_LIMIT: Duration = Duration::from_secs(5);

/// The abstract socket name the master in process `master_pid` takes connections on.
pub fn name(master_pid: u32) -> String {
    format!("laravels-rs/{master_pid}/handover")
}

/// Binds the master's socket; before the fork, so a front never finds it missing.
pub fn bind(master_pid: u32) -> std::io::Result<std::os::unix::net::UnixListener> {
    let addr = crate::ipc::address::socket_addr(&name(master_pid))?;
    let listener = std::os::unix::net::UnixListener::bind_addr(&addr)?;
    listener.set_nonblocking(true)?;
    Ok(listener)
}

/// A front's connection that can be handed over: its socket, and how the front lets go.
#[derive(Debug)]
pub struct Socket {
    fd: RawFd,
    /// Told once the master has the socket: the front drops the connection unanswered.
    pub taken: Notify,
}

impl Socket {
    /// The plain (not TLS) socket `fd` of a front's connection.
    pub fn new(fd: RawFd) -> Self {
        Socket { fd, taken: Notify::new() }
    }
}

/// Whether, in a front, `req` on the main port is one the master serves.
pub fn claims<B>(shared: &Shared, req: &Request<B>) -> bool {
    let config = &shared.config;
    let path = req.uri().path();
    let upgrade = super::websocket::is_upgrade(req.headers());
    (config.websocket && upgrade)
        || shared.pusher.as_ref().is_some_and(|p| upgrade && p.key_in(path).is_some())
        || super::websocket::pusher::http_api::claims(shared, path)
        || (config.metrics.listen.is_none() && config.metrics.path.as_deref() == Some(path))
}

/// In a front: hands the connection of `req` to the master in process `master_pid`.
/// Never returns once the master has it (the front drops the connection); answers an
/// error when it cannot be handed over, and the connection stays the front's.
pub async fn hand_over(req: Request<hyper::body::Incoming>, shared: &Shared, conn: &ConnInfo, master_pid: u32) -> Response<ResponseBody> {
    let Some(socket) = conn.handover.as_ref() else {
        return http::error(
            StatusCode::MISDIRECTED_REQUEST,
            "this request is served by the master, which a TLS connection cannot reach in serving_mode 'worker'",
        );
    };
    if req.version() == hyper::Version::HTTP_2 {
        return http::error(StatusCode::HTTP_VERSION_NOT_SUPPORTED, "use HTTP/1.1 for this request in serving_mode 'worker'");
    }
    let Some(bytes) = request_bytes(req, shared.config.package_max_length).await else {
        return http::error(StatusCode::PAYLOAD_TOO_LARGE, "the request body is over package_max_length");
    };
    match send(master_pid, socket.fd, conn.id, &bytes).await {
        Ok(()) => {
            // Its row in the client list is the master's now: the front must not close it.
            conn.upgraded.store(true, std::sync::atomic::Ordering::SeqCst);
            socket.taken.notify_one();
            std::future::pending().await
        }
        Err(e) => {
            log::line("worker", &format!("cannot hand a connection to the master: {e}"));
            http::error(StatusCode::SERVICE_UNAVAILABLE, "the master did not take the connection")
        }
    }
}

/// The request written back out as HTTP/1.1, its body (read whole) with its length.
async fn request_bytes(req: Request<hyper::body::Incoming>, limit: usize) -> Option<Vec<u8>> {
    let (parts, body) = req.into_parts();
    let body = Limited::new(body, limit).collect().await.ok()?.to_bytes();
    let target = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut out = Vec::with_capacity(256 + body.len());
    let version = if parts.version == hyper::Version::HTTP_10 { "HTTP/1.0" } else { "HTTP/1.1" };
    out.extend_from_slice(format!("{} {target} {version}\r\n", parts.method).as_bytes());
    for (name, value) in &parts.headers {
        if name == CONTENT_LENGTH || name == TRANSFER_ENCODING {
            continue;
        }
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    if !body.is_empty() {
        out.extend_from_slice(format!("content-length: {}\r\n", body.len()).as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&body);
    Some(out)
}

/// Sends socket `fd`, connection `id` and `bytes` to the master and waits for its word
/// that it took them.
async fn send(master_pid: u32, fd: RawFd, id: u64, bytes: &[u8]) -> std::io::Result<()> {
    let addr = crate::ipc::address::socket_addr(&name(master_pid))?;
    let stream = std::os::unix::net::UnixStream::connect_addr(&addr)?;
    stream.set_nonblocking(true)?;
    let mut stream = UnixStream::from_std(stream)?;
    let len = u32::try_from(bytes.len() + 8).map_err(|_| std::io::Error::other("request too large"))?.to_be_bytes();
    let id = id.to_be_bytes();
    // The socket rides on the first byte; the rest may take more writes.
    let sent = stream
        .async_io(Interest::WRITABLE, || {
            let iov = [IoSlice::new(&len), IoSlice::new(&id), IoSlice::new(bytes)];
            let fds = [fd];
            sendmsg::<()>(stream.as_raw_fd(), &iov, &[ControlMessage::ScmRights(&fds)], MsgFlags::MSG_NOSIGNAL, None).map_err(std::io::Error::from)
        })
        .await?;
    let mut whole = len.to_vec();
    whole.extend_from_slice(&id);
    whole.extend_from_slice(bytes);
    stream.write_all(&whole[sent..]).await?;
    let taken = tokio::time::timeout(READ_LIMIT, stream.read_u8()).await.map_err(|_| std::io::Error::other("no answer"))??;
    if taken == 1 {
        Ok(())
    } else {
        Err(std::io::Error::other("refused"))
    }
}

/// A connection the master received: the socket, the request already read from it, and
/// the front's socket to tell once it is served.
struct Received {
    socket: OwnedFd,
    /// The number the front gave the connection, which it keeps.
    id: u64,
    prefix: Bytes,
    front: UnixStream,
}

/// In the master: serves the connections the fronts hand over, until the master stops.
pub async fn receive(listener: std::os::unix::net::UnixListener, shared: Arc<Shared>, graceful: &GracefulShutdown) {
    let listener = match UnixListener::from_std(listener) {
        Ok(l) => l,
        Err(e) => return log::line("master", &format!("cannot use the hand-over socket: {e}")),
    };
    let (tx, mut received) = mpsc::channel::<Received>(64);
    let reading = async {
        loop {
            let stream = crate::ipc::address::accept_same_user(&listener).await;
            let tx = tx.clone();
            tokio::spawn(async move {
                match tokio::time::timeout(READ_LIMIT, read(stream)).await {
                    Ok(Ok(got)) => {
                        let _ = tx.send(got).await;
                    }
                    Ok(Err(e)) => log::line("master", &format!("a hand-over from a worker failed: {e}")),
                    Err(_) => log::line("master", "a hand-over from a worker did not arrive in time"),
                }
            });
        }
    };
    let limit = shared.connection_limit.clone();
    let builder = Arc::new(super::connection_builder(&shared.config));
    let serving = async {
        while let Some(Received { socket, id, prefix, mut front }) = received.recv().await {
            match adopt(socket, id, prefix) {
                Ok((stream, info)) => {
                    match stream {
                        Adopted::Tcp(s) => super::spawn_connection(s, info, &shared, &limit, &builder, None, graceful),
                        Adopted::Unix(s) => super::spawn_connection(s, info, &shared, &limit, &builder, None, graceful),
                    }
                    // The front counted it when it accepted it.
                    shared.clients.accepted_elsewhere();
                    let _ = front.write_all(&[1]).await;
                }
                Err(e) => {
                    log::line("master", &format!("cannot serve a connection a worker handed over: {e}"));
                    let _ = front.write_all(&[0]).await;
                }
            }
        }
    };
    tokio::join!(reading, serving);
}

/// Reads one hand-over: the length, the socket with the first bytes, the rest.
async fn read(mut stream: UnixStream) -> std::io::Result<Received> {
    let mut first = vec![0u8; 64 * 1024];
    let (got, socket) = stream
        .async_io(Interest::READABLE, || {
            let mut iov = [IoSliceMut::new(&mut first)];
            let mut space = nix::cmsg_space!([RawFd; 1]);
            let msg = recvmsg::<()>(stream.as_raw_fd(), &mut iov, Some(&mut space), MsgFlags::MSG_CMSG_CLOEXEC).map_err(std::io::Error::from)?;
            let mut socket = None;
            for cmsg in msg.cmsgs().map_err(std::io::Error::from)? {
                if let ControlMessageOwned::ScmRights(fds) = cmsg {
                    for fd in fds {
                        // SAFETY: the kernel just installed `fd` in this process for us;
                        // nothing else owns it.
                        let owned = unsafe { OwnedFd::from_raw_fd(fd) };
                        socket.get_or_insert(owned);
                    }
                }
            }
            Ok((msg.bytes, socket))
        })
        .await?;
    let socket = socket.ok_or_else(|| std::io::Error::other("no socket came with the hand-over"))?;
    let mut buf = BytesMut::from(&first[..got]);
    while buf.len() < 4 {
        let n = stream.read_buf(&mut buf).await?;
        if n == 0 {
            return Err(std::io::Error::other("the hand-over ended early"));
        }
    }
    let len = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
    if len < 8 {
        return Err(std::io::Error::other("the hand-over has no connection number"));
    }
    buf.advance(4);
    while buf.len() < len {
        let n = stream.read_buf(&mut buf).await?;
        if n == 0 {
            return Err(std::io::Error::other("the hand-over ended early"));
        }
    }
    buf.truncate(len);
    let id = buf.get_u64();
    Ok(Received { socket, id, prefix: buf.freeze(), front: stream })
}

enum Adopted {
    Tcp(Prefixed<tokio::net::TcpStream>),
    Unix(Prefixed<tokio::net::UnixStream>),
}

/// The received socket as a stream of this runtime, and what the master knows of it.
fn adopt(socket: OwnedFd, id: u64, prefix: Bytes) -> std::io::Result<(Adopted, ConnInfo)> {
    let local = nix::sys::socket::getsockname::<nix::sys::socket::SockaddrStorage>(socket.as_raw_fd()).map_err(std::io::Error::from)?;
    let unix = local.as_unix_addr().is_some();
    if unix {
        let std = std::os::unix::net::UnixStream::from(socket);
        std.set_nonblocking(true)?;
        let stream = tokio::net::UnixStream::from_std(std)?;
        return Ok((Adopted::Unix(Prefixed { prefix, inner: stream }), conn_info(id, None, None)));
    }
    let std = std::net::TcpStream::from(socket);
    std.set_nonblocking(true)?;
    let (peer, local) = (std.peer_addr()?, std.local_addr()?);
    let stream = tokio::net::TcpStream::from_std(std)?;
    let _ = stream.set_nodelay(true);
    Ok((Adopted::Tcp(Prefixed { prefix, inner: stream }), conn_info(id, Some(peer), Some(local))))
}

/// A handed-over connection of the main port (never TLS: see the module's comment).
fn conn_info(id: u64, peer: Option<std::net::SocketAddr>, local: Option<std::net::SocketAddr>) -> ConnInfo {
    ConnInfo {
        id,
        remote_addr: peer.map(|a| a.ip().to_canonical().to_string()).unwrap_or_default(),
        remote_port: peer.map_or(0, |a| a.port()),
        server_addr: local.map(|a| a.ip().to_canonical().to_string()).unwrap_or_default(),
        server_port: local.map_or(0, |a| a.port()),
        https: false,
        port: 0,
        permit: parking_lot::Mutex::default(),
        upgraded: std::sync::atomic::AtomicBool::default(),
        handover: None,
    }
}

/// A stream that yields `prefix` before what `inner` reads.
struct Prefixed<S> {
    prefix: Bytes,
    inner: S,
}

impl<S: AsyncRead + Unpin> AsyncRead for Prefixed<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        if !self.prefix.is_empty() {
            let n = self.prefix.len().min(buf.remaining());
            buf.put_slice(&self.prefix[..n]);
            self.prefix.advance(n);
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Prefixed<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(mut self: Pin<&mut Self>, cx: &mut Context<'_>, bufs: &[IoSlice<'_>]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::Prefixed;
    use tokio::io::AsyncReadExt;

    #[tokio::test]
    async fn the_request_comes_before_the_socket() {
        let (mut a, b) = tokio::io::duplex(64);
        tokio::io::AsyncWriteExt::write_all(&mut a, b" rest").await.unwrap();
        drop(a);
        let mut s = Prefixed { prefix: bytes::Bytes::from_static(b"GET / HTTP/1.1\r\n\r\n"), inner: b };
        let mut all = String::new();
        s.read_to_string(&mut all).await.unwrap();
        assert_eq!(all, "GET / HTTP/1.1\r\n\r\n rest");
    }
}
