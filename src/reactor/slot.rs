//! One worker's connection, seen from the master: hand it jobs one at a time and relay
//! its response frames to the waiting HTTP connection.

use std::sync::Arc;
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::UnixStream;
use tokio::sync::watch;

use super::dispatch::{Failure, Job, Reply, ReplyHead};
use super::Shared;
use crate::ipc::{self, ToMaster, ToWorker};
use crate::log;

#[derive(Debug, thiserror::Error)]
enum SlotError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("malformed frame: {0}")]
    Decode(#[from] ipc::DecodeError),
    #[error("expected a Hello frame first")]
    NoHello,
    #[error("worker id {0} is out of range")]
    BadId(u32),
}

struct Conn {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
    buf: BytesMut,
}

impl Conn {
    async fn read(&mut self) -> Result<Option<ToMaster>, SlotError> {
        let len = match self.reader.read_u32_le().await {
            Ok(n) => n as usize,
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        if len > ipc::codec::MAX_FRAME {
            return Err(ipc::DecodeError::Truncated.into());
        }
        self.buf.resize(len, 0);
        self.reader.read_exact(&mut self.buf).await?;
        let frame: Bytes = self.buf.split().freeze();
        Ok(Some(ipc::decode_to_master(&frame)?))
    }

    async fn write(&mut self, msg: &ToWorker) -> std::io::Result<()> {
        self.writer.write_all(&ipc::encode_to_worker(msg)).await
    }
}

/// How one job ended, for the slot's next step.
enum Outcome {
    Done { retire: bool },
    /// The worker is gone or must be: stop using this connection.
    Lost,
}

/// Serves one worker connection until the worker leaves.
pub async fn serve(stream: UnixStream, shared: Arc<Shared>, mut control: watch::Receiver<u64>) {
    let (r, w) = stream.into_split();
    let mut conn = Conn { reader: BufReader::with_capacity(64 * 1024, r), writer: w, buf: BytesMut::with_capacity(64 * 1024) };
    let (worker_id, pid) = match hello(&mut conn).await {
        Ok(who) => who,
        Err(e) => {
            log::line("master", &format!("rejected a worker connection: {e}"));
            return;
        }
    };
    let Some(queues) = shared.dispatcher.queues_for(worker_id) else {
        log::line("master", &format!("rejected a worker connection: {}", SlotError::BadId(worker_id)));
        return;
    };
    let generation = *control.borrow_and_update();
    shared.workers.attach(worker_id, pid);

    loop {
        let job = tokio::select! {
            biased;
            changed = control.changed() => {
                if changed.is_err() || *control.borrow() != generation {
                    let _ = conn.write(&ToWorker::Stop).await;
                    break;
                }
                continue;
            }
            job = queues.next() => job,
        };
        match run_job(&mut conn, job, &shared, pid).await {
            Outcome::Done { retire: false } => {}
            Outcome::Done { retire: true } | Outcome::Lost => break,
        }
        if *control.borrow() != generation {
            let _ = conn.write(&ToWorker::Stop).await;
            break;
        }
    }
    shared.workers.detach(worker_id, pid);
}

async fn hello(conn: &mut Conn) -> Result<(u32, u32), SlotError> {
    match conn.read().await? {
        Some(ToMaster::Hello { worker_id, pid }) => Ok((worker_id, pid)),
        _ => Err(SlotError::NoHello),
    }
}

/// Sends one job to the worker and relays its answer; enforces `max_request_time`.
async fn run_job(conn: &mut Conn, job: Job, shared: &Shared, pid: u32) -> Outcome {
    let started = Instant::now();
    // `_uploads` lives until the worker is done with the request, then removes the files.
    let Job { head, body, form, uploads: _uploads, reply, .. } = job;
    if reply.is_closed() {
        // The client went away while the job was queued.
        return Outcome::Done { retire: false };
    }
    if conn.write(&ToWorker::Request { head, body, form }).await.is_err() {
        let _ = reply.send(Reply::Failed(Failure::WorkerLost)).await;
        return Outcome::Lost;
    }
    let relay = relay(conn, &reply);
    let result = match shared.config.max_request_time {
        Some(limit) => tokio::time::timeout(limit.saturating_sub(started.elapsed()), relay).await,
        None => Ok(relay.await),
    };
    match result {
        Ok(Ok(retire)) => Outcome::Done { retire },
        Ok(Err(())) => {
            // Before the head this is the client's 502; after it, it aborts the stream.
            let _ = reply.send(Reply::Failed(Failure::WorkerLost)).await;
            Outcome::Lost
        }
        Err(_) => {
            log::line("master", &format!("worker pid {pid} passed max_request_time; answering 504 and replacing it"));
            let _ = reply.try_send(Reply::Failed(Failure::Deadline));
            let _ = kill(Pid::from_raw(pid as i32), Signal::SIGKILL);
            Outcome::Lost
        }
    }
}

/// Relays response frames until the response ends. `Ok(retire)` when it ended;
/// `Err(())` when the worker went away first.
async fn relay(conn: &mut Conn, reply: &tokio::sync::mpsc::Sender<Reply>) -> Result<bool, ()> {
    loop {
        let frame = match conn.read().await {
            Ok(Some(frame)) => frame,
            Ok(None) | Err(_) => return Err(()),
        };
        let done = frame.finishes_response();
        let retire = frame.retires();
        // A client that went away makes `send` fail; keep reading so the worker's
        // frames are consumed and it stays usable.
        match frame {
            ToMaster::Response { status, reason, headers, body, complete, .. } => {
                let _ = reply.send(Reply::Head(ReplyHead { status, reason, headers, body, complete })).await;
            }
            ToMaster::Chunk(data) => {
                let _ = reply.send(Reply::Chunk(data)).await;
            }
            ToMaster::End { .. } => {}
            ToMaster::Hello { .. } => return Err(()),
        }
        if done {
            return Ok(retire);
        }
    }
}
