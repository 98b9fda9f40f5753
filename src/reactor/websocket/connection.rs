//! One accepted WebSocket connection, on its own task: frames in, events out to the
//! workers one at a time, pushes from the registry written back.
//!
//! RFC 6455 framing (masking, fragments reassembled, control frames, UTF-8 of text) is
//! tungstenite's; what it reports as an error is answered here with the close code the
//! RFC asks for: 1002 for a protocol error, 1007 for invalid UTF-8, 1009 for a message
//! over `package_max_length`.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use tokio::sync::{oneshot, OwnedSemaphorePermit};
use tokio_tungstenite::tungstenite::error::{CapacityError, Error as WsError, ProtocolError};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};
use tokio_tungstenite::WebSocketStream;

use super::opcode;
use super::registry::{Mailbox, Outbound};
use crate::clients::{Counter, WsStatus};
use crate::ipc::ToWorker;
use crate::reactor::Shared;

type Socket = WebSocketStream<TokioIo<Upgraded>>;

/// How long a closing connection waits for the client's close frame before dropping it.
const CLOSE_GRACE: Duration = Duration::from_secs(3);
/// Bytes tungstenite reads per call, and its per-connection read buffer (see `run`).
const READ_BUFFER: usize = 1024;
/// Pushes written before one flush: a broadcast burst becomes few large writes.
const BATCH: usize = 64;

/// Why the connection ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The client closed (close frame or EOF), or a close handshake we started finished.
    Closed,
    /// We fail the connection with this close code (RFC 6455 7.1.7).
    Fail(u16, &'static str),
    /// Dropped without a close frame: heartbeat timeout or `close($fd)`.
    Drop,
}

/// What the connection does with one item read from the client.
#[derive(Debug, PartialEq, Eq)]
pub enum ReadStep {
    /// A whole message for the handler: its opcode (`TEXT` or `BINARY`) and data.
    Dispatch(u8, Bytes),
    /// A control frame: tungstenite queued any reply (a pong), which a flush writes.
    Flush,
    /// The client's close frame: tungstenite queued our reply (the client's code, or
    /// 1002 for a code that must not be sent), which a flush writes. Not `close()`: after
    /// the peer's close it refuses with `SendAfterClosing` and the reply would never leave.
    FlushAndClose,
    /// The connection ends without writing anything more here.
    End(End),
}

/// tungstenite's settings for a connection whose messages may be `max` bytes.
pub fn config(max: usize) -> WebSocketConfig {
    // tungstenite allocates the read buffer up front and keeps it for the connection's
    // life, and idle connections are most of them: 1 KiB rather than 4 KiB saves 30 MB
    // at 10,000 connections (docs/benchmarks.md). It also caps each read, so messages of
    // 64 KiB and more echo about 12% slower; small messages are unaffected.
    WebSocketConfig::default().read_buffer_size(READ_BUFFER).write_buffer_size(0).max_message_size(Some(max)).max_frame_size(Some(max))
}

/// What to do with what tungstenite read (`None`: the client's EOF).
pub fn read_step(incoming: Option<Result<Message, WsError>>) -> ReadStep {
    match incoming {
        Some(Ok(Message::Text(text))) => ReadStep::Dispatch(opcode::TEXT, Bytes::from(text)),
        Some(Ok(Message::Binary(data))) => ReadStep::Dispatch(opcode::BINARY, data),
        Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => ReadStep::Flush,
        Some(Ok(Message::Close(_))) => ReadStep::FlushAndClose,
        Some(Err(e)) => ReadStep::End(failure(e)),
        None => ReadStep::End(End::Closed),
    }
}

/// Serves WebSocket connection `fd` of port `port` after its 101: client messages to
/// the handler one at a time, `mailbox`'s pushes to the client, until it closes or idles
/// past the heartbeat. `permit` is its place under `max_connection`.
pub async fn run(upgraded: Upgraded, fd: u64, port: u32, mailbox: Mailbox, shared: Arc<Shared>, permit: Option<OwnedSemaphorePermit>) {
    let max = shared.config.package_max_length;
    let mut ws = WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(config(max))).await;
    shared.clients.set_status(fd, WsStatus::Active);
    let idle = shared.config.heartbeat_idle;
    let mut in_flight: Option<oneshot::Receiver<()>> = None;
    let heartbeat = tokio::time::sleep(idle.unwrap_or(Duration::MAX / 4));
    tokio::pin!(heartbeat);

    let end = loop {
        // Unbiased: a steady stream of pushes must not starve reading the client (or the
        // heartbeat, which counts only what the client sends).
        tokio::select! {
            out = mailbox.recv() => {
                if let Some(end) = send_out(&mut ws, &mailbox, &shared, fd, out).await {
                    break end;
                }
            }
            // The handler finished the previous message: the next may be read, after what
            // it pushed has been written, so its replies precede our answer to whatever
            // the client sent next (a close, say).
            _ = async { in_flight.as_mut().unwrap().await }, if in_flight.is_some() => {
                in_flight = None;
                if let Some(end) = send_queued(&mut ws, &mailbox, &shared, fd).await {
                    break end;
                }
            }
            () = &mut heartbeat, if idle.is_some() => break End::Drop,
            incoming = ws.next(), if in_flight.is_none() => {
                if let Some(idle) = idle {
                    heartbeat.as_mut().reset(tokio::time::Instant::now() + idle);
                }
                match read_step(incoming) {
                    ReadStep::Dispatch(opcode, data) => in_flight = Some(dispatch(&shared, fd, port, opcode, data)),
                    ReadStep::Flush => {
                        let _ = ws.flush().await;
                    }
                    ReadStep::FlushAndClose => {
                        let _ = ws.flush().await;
                        break End::Closed;
                    }
                    ReadStep::End(end) => break end,
                }
            }
        }
    };
    if let End::Fail(code, reason) = end {
        let _ = ws.close(Some(CloseFrame { code: CloseCode::from(code), reason: reason.into() })).await;
        drain_until_closed(&mut ws).await;
    }
    drop(ws);
    // The handler sees the close after every message before it, as in Swoole.
    if let Some(pending) = in_flight {
        let _ = pending.await;
    }
    finish(fd, port, &shared).await;
    drop(permit);
}

/// Carries out one outbound item: a push (with whatever else is queued behind it), a
/// close handshake, or a drop. `Some` when the connection ends.
async fn send_out(ws: &mut Socket, mailbox: &Mailbox, shared: &Shared, fd: u64, out: Outbound) -> Option<End> {
    let control = match out {
        Outbound::Message { opcode, data } => match write_batch(ws, mailbox, opcode, data).await {
            Ok(None) => return None,
            Ok(Some(control)) => control,
            Err(_) => return Some(End::Closed),
        },
        control => control,
    };
    match control {
        Outbound::Close { code, reason } => {
            shared.clients.set_status(fd, WsStatus::Closing);
            let _ = ws.close(Some(CloseFrame { code: CloseCode::from(code), reason: reason.into() })).await;
            drain_until_closed(ws).await;
            Some(End::Closed)
        }
        _ => Some(End::Drop),
    }
}

/// Carries out everything already queued; `Some` when the connection ends.
async fn send_queued(ws: &mut Socket, mailbox: &Mailbox, shared: &Shared, fd: u64) -> Option<End> {
    while let Some(out) = mailbox.try_recv() {
        if let Some(end) = send_out(ws, mailbox, shared, fd, out).await {
            return Some(end);
        }
    }
    None
}

/// Writes one push and whatever else is already queued, then flushes once. Returns a
/// close request met while batching, for the caller to carry out.
async fn write_batch(ws: &mut Socket, mailbox: &Mailbox, opcode: u8, data: Bytes) -> Result<Option<Outbound>, WsError> {
    let mut next = Some((opcode, data));
    let mut written = 0;
    let mut control = None;
    while let Some((op, data)) = next.take() {
        mailbox.written(data.len());
        ws.feed(message(op, data)).await?;
        written += 1;
        if written < BATCH {
            match mailbox.try_recv() {
                Some(Outbound::Message { opcode, data }) => next = Some((opcode, data)),
                Some(other) => control = Some(other),
                None => {}
            }
        }
    }
    ws.flush().await?;
    Ok(control)
}

fn message(opcode: u8, data: Bytes) -> Message {
    match opcode {
        opcode::TEXT => match Utf8Bytes::try_from(data.clone()) {
            Ok(text) => Message::Text(text),
            // A text frame must be UTF-8 (RFC 6455 5.6); other bytes go as binary.
            Err(_) => Message::Binary(data),
        },
        opcode::PING => Message::Ping(data),
        opcode::PONG => Message::Pong(data),
        _ => Message::Binary(data),
    }
}

/// The close code RFC 6455 asks for when reading failed.
fn failure(e: WsError) -> End {
    match e {
        WsError::Utf8(_) => End::Fail(1007, "invalid UTF-8 in a text message"),
        WsError::Capacity(CapacityError::MessageTooLong { .. }) => End::Fail(1009, "message larger than package_max_length"),
        WsError::Capacity(_) => End::Fail(1009, "message too large"),
        WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake) => End::Closed,
        WsError::Protocol(_) => End::Fail(1002, "protocol error"),
        _ => End::Closed,
    }
}

/// After our close frame: read until the client's close (or EOF), for a bounded time.
async fn drain_until_closed(ws: &mut Socket) {
    let _ = tokio::time::timeout(CLOSE_GRACE, async { while let Some(Ok(_)) = ws.next().await {} }).await;
}

/// Hands a message to a worker; the receiver completes when the handler is done.
fn dispatch(shared: &Shared, fd: u64, port: u32, opcode: u8, data: Bytes) -> oneshot::Receiver<()> {
    shared.clients.touch(fd);
    shared.clients.bump(Counter::MessageCount);
    shared.dispatcher.submit_event(fd, ToWorker::Frame { fd, port, opcode, data })
}

/// The connection is gone: pushes fail from now on, the handler's `onClose` runs, and
/// the connection leaves the client list.
pub async fn finish(fd: u64, port: u32, shared: &Arc<Shared>) {
    shared.clients.set_status(fd, WsStatus::Closing);
    let _ = shared.dispatcher.submit_event(fd, ToWorker::Close { fd, port }).await;
    shared.clients.close(fd);
    // Last: a stopping server waits for this list to empty, i.e. for every onClose.
    shared.sockets.unregister(fd);
}
