//! The waits bounded on an HTTP/1.x connection, as nginx bounds them: a request head must
//! arrive whole within `http.header_timeout` (else 408 and close, nginx's
//! `client_header_timeout`), and an idle keep-alive connection is closed after its
//! keep-alive time (`heartbeat_idle_time`, else 75 s, nginx's `keepalive_timeout`).
//!
//! hyper's own `header_read_timeout` closes without an answer and cannot tell an idle
//! connection from a slow head, so the connection's IO is wrapped instead: `Timed` sees
//! each byte read, and the service tells it (`Activity`) when a request is in the
//! application's hands and when its response has been sent. While a request is in
//! flight nothing is timed here (`max_request_time` bounds the worker). HTTP/2 and
//! upgraded (WebSocket) connections are not timed here. On a TLS port the handshake
//! must finish within the same `http.header_timeout` (`tls::handshake`, closed without
//! an answer), and the first head's time runs from the connection's start.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_util::task::AtomicWaker;
use hyper::body::{Body, Frame, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

use super::body::{Aborted, ResponseBody};
use super::http::ConnInfo;
use crate::config::HttpTimeouts;

/// What the connection's service tells its IO: requests in the application's hands, and
/// how many responses have ended.
#[derive(Debug, Default)]
pub struct Activity {
    in_flight: AtomicU32,
    answered: AtomicU64,
    /// The connection's task, woken when a response ends: hyper may not read again on
    /// its own, and the keep-alive timer starts on the next read.
    reader: AtomicWaker,
}

/// One request from its head to the end of its response body (or until hyper drops it).
pub struct InFlight(Arc<Activity>);

impl InFlight {
    /// Marks a request as in flight on `activity`'s connection.
    pub fn begin(activity: &Arc<Activity>) -> Self {
        activity.in_flight.fetch_add(1, Ordering::SeqCst);
        InFlight(activity.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        // Counted as answered before it stops being in flight: `Timed::refresh` reads in
        // the other order, so it never sees the connection idle with the old count.
        self.0.answered.fetch_add(1, Ordering::SeqCst);
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
        self.0.reader.wake();
    }
}

/// A response body that ends its request's `InFlight` when hyper is done with it.
pub struct Tracked {
    body: ResponseBody,
    _in_flight: InFlight,
}

impl Tracked {
    /// `body`, holding `in_flight` until it is sent or dropped.
    pub fn new(body: ResponseBody, in_flight: InFlight) -> Self {
        Tracked { body, _in_flight: in_flight }
    }
}

impl Body for Tracked {
    type Data = Bytes;
    type Error = Aborted;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Aborted>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// Where the connection is, as far as timing goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Waiting for a request head: `started` once a byte of it arrived; `None`: no limit.
    Waiting { deadline: Option<Instant>, started: bool },
    /// A request is in the application's hands.
    Busy,
    /// The head timed out: writing the 408, `sent` bytes so far.
    Answering { sent: usize },
    /// The 408 is sent; reads see the end of the stream.
    Closed,
    /// HTTP/2 or an upgraded connection: not timed here.
    Off,
}

const TIMEOUT_408: &[u8] = b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 65\r\n\r\n408 Request Timeout: the request head did not arrive in time.\r\n\r\n";

/// A connection's IO with the header and keep-alive timeouts.
pub struct Timed<S> {
    inner: S,
    activity: Arc<Activity>,
    conn: Arc<ConnInfo>,
    limits: HttpTimeouts,
    phase: Phase,
    /// `activity.answered` when last looked at.
    seen: u64,
    /// No byte read yet (an HTTP/2 preface is recognised on the first read).
    first: bool,
    sleep: Pin<Box<Sleep>>,
}

impl<S> Timed<S> {
    /// Wraps a new connection accepted at `accepted`: its first request head is timed
    /// from then (a TLS handshake counts against it).
    pub fn new(inner: S, activity: Arc<Activity>, conn: Arc<ConnInfo>, limits: HttpTimeouts, accepted: Instant) -> Self {
        let deadline = limits.header.map(|d| accepted + d);
        let sleep = Box::pin(tokio::time::sleep_until(deadline.unwrap_or_else(far_future)));
        Timed { inner, activity, conn, limits, phase: Phase::Waiting { deadline, started: false }, seen: 0, first: true, sleep }
    }

    /// Follows what the service said: a request in flight, or a response that ended (the
    /// keep-alive wait starts).
    fn refresh(&mut self) {
        if !matches!(self.phase, Phase::Waiting { .. } | Phase::Busy) {
            return;
        }
        if self.conn.upgraded.load(Ordering::SeqCst) {
            self.phase = Phase::Off;
            return;
        }
        if self.activity.in_flight.load(Ordering::SeqCst) > 0 {
            self.phase = Phase::Busy;
            return;
        }
        let answered = self.activity.answered.load(Ordering::SeqCst);
        if answered != self.seen || self.phase == Phase::Busy {
            self.seen = answered;
            self.phase = Phase::Waiting { deadline: Some(Instant::now() + self.limits.keepalive), started: false };
        }
    }

    /// Bytes arrived: the first ones of a request head start its header timeout (a new
    /// connection's runs from its start, as nginx's does).
    fn on_bytes(&mut self, h2_preface: bool) {
        if std::mem::take(&mut self.first) && h2_preface {
            self.phase = Phase::Off;
            return;
        }
        self.refresh();
        if let Phase::Waiting { deadline, started: false } = self.phase {
            let deadline = if self.seen == 0 { deadline } else { self.limits.header.map(|d| Instant::now() + d) };
            self.phase = Phase::Waiting { deadline, started: true };
        }
    }
}

/// A deadline that never comes, for a sleep not in use.
fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(86400 * 365)
}

impl<S: AsyncRead + AsyncWrite + Unpin> Timed<S> {
    /// Writes the 408, then shuts the connection; hyper then reads the end of the stream.
    fn answer_408(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Phase::Answering { sent } = self.phase {
            if sent == TIMEOUT_408.len() {
                ready!(Pin::new(&mut self.inner).poll_flush(cx))?;
                let _ = ready!(Pin::new(&mut self.inner).poll_shutdown(cx));
                self.phase = Phase::Closed;
                break;
            }
            match ready!(Pin::new(&mut self.inner).poll_write(cx, &TIMEOUT_408[sent..])) {
                Ok(0) => self.phase = Phase::Closed,
                Ok(n) => self.phase = Phase::Answering { sent: sent + n },
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for Timed<S> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match this.phase {
            Phase::Off => return Pin::new(&mut this.inner).poll_read(cx, buf),
            Phase::Answering { .. } => return this.answer_408(cx),
            Phase::Closed => return Poll::Ready(Ok(())),
            Phase::Waiting { .. } | Phase::Busy => {}
        }
        let before = buf.filled().len();
        if let Poll::Ready(result) = Pin::new(&mut this.inner).poll_read(cx, buf) {
            if result.is_ok() && buf.filled().len() > before {
                let h2_preface = this.first && buf.filled()[before..].starts_with(b"PRI * HTTP/2");
                this.on_bytes(h2_preface);
            }
            return Poll::Ready(result);
        }
        this.activity.reader.register(cx.waker());
        this.refresh();
        let Phase::Waiting { deadline: Some(deadline), started } = this.phase else {
            return Poll::Pending;
        };
        if this.sleep.deadline() != deadline {
            this.sleep.as_mut().reset(deadline);
        }
        if this.sleep.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        if started {
            // nginx's answer to a head that did not arrive in time (RFC 9110 15.5.9).
            this.phase = Phase::Answering { sent: 0 };
            this.answer_408(cx)
        } else {
            // An idle keep-alive connection just ends, as nginx's does: the end of the stream.
            this.phase = Phase::Closed;
            Poll::Ready(Ok(()))
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Timed<S> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, data)
    }

    fn poll_write_vectored(self: Pin<&mut Self>, cx: &mut Context<'_>, bufs: &[io::IoSlice<'_>]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}
