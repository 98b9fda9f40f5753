//! One TCP connection of an extra port with a `TcpSocket` handler: `onConnect`, each
//! framed message to `onReceive` in order, `onClose`; `send()` and `close()` from any
//! process through the same registry as WebSocket pushes.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::OwnedSemaphorePermit;

use super::framing::Decoder;
use crate::clients::Counter;
use crate::config::Framing;
use crate::ipc::ToWorker;
use crate::log;
use crate::reactor::websocket::registry::Outbound;
use crate::reactor::Shared;

/// Serves connection `fd` of extra port `port` (its index in `$server->ports`) until it
/// closes, breaks its framing or sends nothing for the heartbeat's idle time; `max` is
/// the port's `package_max_length` in bytes.
pub async fn serve<S>(mut stream: S, fd: u64, port: u32, framing: Framing, max: usize, shared: Arc<Shared>, permit: OwnedSemaphorePermit)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let mailbox = shared.sockets.register(fd);
    let mut decoder = Decoder::new(framing, max);
    let mut ready: VecDeque<Bytes> = VecDeque::new();
    // onConnect first: nothing is read until the handler has seen the connection.
    let mut in_flight = Some(shared.dispatcher.submit_event(fd, ToWorker::Connect { fd, port }));
    let mut buf = vec![0u8; 16 * 1024];
    let idle = shared.config.heartbeat_idle;
    let heartbeat = tokio::time::sleep(idle.unwrap_or(Duration::MAX / 4));
    tokio::pin!(heartbeat);
    let mut eof = false;
    // onBufferFull past half of buffer_output_size, onBufferEmpty once it drained.
    let high = shared.config.buffer_output_size / 2;
    let mut full = false;
    loop {
        if in_flight.is_none() {
            if let Some(message) = ready.pop_front() {
                shared.clients.bump(Counter::MessageCount);
                in_flight = Some(shared.dispatcher.submit_event(fd, ToWorker::Receive { fd, port, data: message }));
            } else if eof {
                // The client closed its sending side: what the handlers sent it before that
                // still goes out (the handler's last send may come with its done signal).
                while let Some(Outbound::Message { data, .. }) = mailbox.try_recv() {
                    mailbox.written(data.len());
                    if stream.write_all(&data).await.is_err() {
                        break;
                    }
                }
                break;
            }
        }
        // Unbiased: a steady stream of sends must not starve reading the client.
        tokio::select! {
            out = mailbox.recv() => match out {
                Outbound::Message { data, .. } => {
                    if !full && mailbox.queued() >= high {
                        full = true;
                        drop(shared.dispatcher.submit_event(fd, ToWorker::Buffer { fd, port, full: true }));
                    }
                    let written = stream.write_all(&data).await;
                    mailbox.written(data.len());
                    let left = mailbox.queued();
                    if written.is_err() {
                        break;
                    }
                    if full && left == 0 {
                        full = false;
                        drop(shared.dispatcher.submit_event(fd, ToWorker::Buffer { fd, port, full: false }));
                    }
                }
                // A TCP port has no close frame: both mean close now.
                Outbound::Close { .. } | Outbound::Drop => break,
            },
            _ = async { in_flight.as_mut().unwrap().await }, if in_flight.is_some() => in_flight = None,
            () = &mut heartbeat, if idle.is_some() => break,
            read = stream.read(&mut buf), if !eof && ready.len() < 64 => {
                match read {
                    Ok(0) | Err(_) => eof = true,
                    Ok(n) => {
                        if let Some(idle) = idle {
                            heartbeat.as_mut().reset(tokio::time::Instant::now() + idle);
                        }
                        shared.clients.touch(fd);
                        decoder.push(&buf[..n]);
                        loop {
                            match decoder.next_message() {
                                Ok(Some(message)) => ready.push_back(message),
                                Ok(None) => break,
                                Err(e) => {
                                    log::line("master", &format!("closing connection {fd} on port #{port}: {e}"));
                                    eof = true;
                                    ready.clear();
                                    break;
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    let _ = stream.shutdown().await;
    drop(stream);
    if let Some(pending) = in_flight {
        let _ = pending.await;
    }
    let _ = shared.dispatcher.submit_event(fd, ToWorker::Close { fd, port }).await;
    shared.clients.close(fd);
    shared.sockets.unregister(fd);
    drop(permit);
}
