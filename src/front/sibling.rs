//! Requests passed between the fronts of two HTTP workers (`serving_mode` worker).
//!
//! A worker whose PHP thread is held up by a long request offers the requests waiting
//! for it to another worker's front (`offer`), which takes them when its own PHP thread
//! is free (`listen`); the answer comes back on the same connection and the first front
//! writes it to its client. A worker that is ending (a fatal error, `exit()`) hands its
//! waiting requests over the same way, and the other front takes them in any case.
//!
//! Each front listens on an abstract unix socket named after its pid; only processes of
//! the same user may connect. One connection carries one request:
//!
//! ```text
//! offerer -> taker: a byte (1: take it in any case, 0: only if free), how long the request
//!                   has waited (u64 ns, big endian), the `ToWorker::Request` frame
//! taker -> offerer: a byte (1: taken, 0: refused); when taken, the answer as the frames a
//!                   worker sends its master: `Response`, then `Chunk`s and `End` for a stream
//! ```
//! A taker that cannot answer (its worker died) closes the connection: the offerer's
//! client gets 502, or 504 once `max_request_time` passed, as from a master.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::Notify;

use super::board::{Board, State};
use crate::ipc::codec::{frame_len, MAX_FRAME};
use crate::ipc::{decode_to_master, decode_to_worker, encode_to_master, encode_to_worker, Retire, ToMaster, ToWorker};
use crate::reactor::deadline::Deadline;
use crate::reactor::job::{Failure, Job, Payload, Reply, ReplyHead};
use crate::reactor::upload::TempFiles;
use crate::reactor::Shared;

/// The abstract socket name of the front in process `pid`.
fn name(pid: u32) -> String {
    format!("laravels-rs/front/{pid}")
}

/// Binds this process's front socket.
pub(super) fn bind() -> std::io::Result<UnixListener> {
    let addr = crate::ipc::address::socket_addr(&name(std::process::id()))?;
    let listener = std::os::unix::net::UnixListener::bind_addr(&addr)?;
    listener.set_nonblocking(true)?;
    UnixListener::from_std(listener)
}

/// What a taker needs of its own front.
pub(super) struct Taker {
    /// This worker's id, whose state on the board says whether it is free.
    pub me: u32,
    pub board: &'static Board,
    /// Taken requests join the front's own queue, in the order they come.
    pub shared: Arc<Shared>,
    /// Set once the front stops: it takes nothing more.
    pub leaving: Arc<AtomicBool>,
}

/// Takes requests offered by other fronts until the front stops.
pub(super) async fn listen(listener: UnixListener, taker: Arc<Taker>) {
    loop {
        let stream = crate::ipc::address::accept_same_user(&listener).await;
        tokio::spawn(take(stream, taker.clone()));
    }
}

async fn take(mut stream: UnixStream, taker: Arc<Taker>) -> std::io::Result<()> {
    let must = stream.read_u8().await? == 1;
    let waited = Duration::from_nanos(stream.read_u64().await?);
    let frame = read_frame(&mut stream).await?;
    let request = decode_to_worker(&frame).map_err(std::io::Error::other)?;
    let free = must || taker.board.get(taker.me) == State::Free;
    if !matches!(request, ToWorker::Request(_)) || !free || taker.leaving.load(Ordering::SeqCst) {
        return stream.write_u8(0).await;
    }
    // `max_request_time` counts from here; the offerer answers 504 at its own deadline.
    // The request was admitted by the offerer's queue bounds (`queue.*`), so it counts
    // in none here (a counter of its own). Its queue wait (the metrics) counts from when
    // the offerer queued it.
    let deadline = Deadline::queued(taker.shared.config.max_request_time, None, Arc::new(AtomicUsize::new(1))).waited_before(waited);
    let (job, mut ticket) = Job::new(request, 0, TempFiles::default(), deadline);
    taker.shared.dispatcher.submit(job);
    stream.write_u8(1).await?;
    let Some(Reply::Head(head)) = ticket.first().await else { return Ok(()) };
    let complete = head.complete;
    let ReplyHead { status, reason, headers, body, .. } = head;
    stream.write_all(&encode_to_master(&ToMaster::Response { status, reason, headers, body, complete, retire: Retire::Stays })).await?;
    if complete {
        return Ok(());
    }
    let mut rest = ticket.rest();
    while let Some(reply) = rest.recv().await {
        match reply {
            Reply::Chunk(data) => stream.write_all(&encode_to_master(&ToMaster::Chunk(data))).await?,
            // Cut: the offerer's client sees its stream end early, as from a master.
            Reply::Failed(_) | Reply::Head(_) => return Ok(()),
        }
    }
    stream.write_all(&encode_to_master(&ToMaster::End { retire: Retire::Stays })).await
}

async fn read_frame(stream: &mut UnixStream) -> std::io::Result<Bytes> {
    let mut prefix = [0u8; 4];
    stream.read_exact(&mut prefix).await?;
    let len = frame_len(prefix);
    if len > MAX_FRAME {
        return Err(std::io::Error::other("frame too large"));
    }
    let mut body = vec![0u8; len];
    stream.read_exact(&mut body).await?;
    Ok(Bytes::from(body))
}

/// Offers a request that has waited `waited` to the front of process `pid`; the
/// connection its answer comes on when that front took it.
pub(super) async fn offer(pid: u32, payload: &Payload, waited: Duration, must: bool) -> Option<UnixStream> {
    let addr = crate::ipc::address::socket_addr(&name(pid)).ok()?;
    // A connect to a listening unix socket completes at once, or fails (ECONNREFUSED
    // when that process is gone).
    let stream = std::os::unix::net::UnixStream::connect_addr(&addr).ok()?;
    stream.set_nonblocking(true).ok()?;
    let mut stream = UnixStream::from_std(stream).ok()?;
    let mut offer = vec![u8::from(must)];
    offer.extend_from_slice(&u64::try_from(waited.as_nanos()).unwrap_or(u64::MAX).to_be_bytes());
    offer.extend_from_slice(&encode_to_worker(&payload.frame));
    stream.write_all(&offer).await.ok()?;
    (stream.read_u8().await.ok()? == 1).then_some(stream)
}

/// Relays the answer of a taken request to its client, as a master's slot relays a
/// worker's: 504 past `max_request_time`, 502 if the other front closes unanswered.
/// `payload` keeps the request's upload files until then. `done` is told at the end.
pub(super) async fn relay_answer(mut stream: UnixStream, job: Job, payload: Payload, done: Arc<Notify>) {
    let answered = match job.deadline.at() {
        Some(at) => tokio::time::timeout_at(at, copy_answer(&mut stream, &job)).await.ok(),
        None => Some(copy_answer(&mut stream, &job).await),
    };
    match answered {
        None => {
            let _ = job.reply.send(Reply::Failed(Failure::Deadline)).await;
        }
        Some(Err(())) => {
            let _ = job.reply.send(Reply::Failed(Failure::WorkerLost)).await;
        }
        Some(Ok(())) => {}
    }
    drop(payload);
    done.notify_one();
}

/// Copies the frames of one answer to the job's reply channel; `Err` when the stream
/// ended before the answer did. A client that left ends it early.
async fn copy_answer(stream: &mut UnixStream, job: &Job) -> Result<(), ()> {
    loop {
        let frame = read_frame(stream).await.map_err(|_| ())?;
        let reply = match decode_to_master(&frame).map_err(|_| ())? {
            ToMaster::Response { status, reason, headers, body, complete, .. } => {
                let head = Reply::Head(ReplyHead { status, reason, headers, body, complete });
                if job.reply.send(head).await.is_err() || complete {
                    return Ok(());
                }
                continue;
            }
            ToMaster::Chunk(data) => Reply::Chunk(data),
            ToMaster::End { .. } => return Ok(()),
            _ => return Err(()),
        };
        if job.reply.send(reply).await.is_err() {
            return Ok(());
        }
    }
}
