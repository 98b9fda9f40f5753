//! An HTTP worker's connection: it takes requests, WebSocket and port events, and the
//! `finish()` of the tasks it delivered, one at a time, from its slot's queues
//! (`reactor::dispatch`), and relays each answer to whoever waits for it.

use std::os::fd::RawFd;
use std::sync::Arc;

use bytes::Bytes;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use tokio::io::AsyncBufReadExt;

use super::{next_frame, Conn, Generation};
use crate::ipc::{Retire, ToMaster, ToWorker};
use crate::log;
use crate::metrics::Restart;
use crate::reactor::dispatch::Work;
use crate::reactor::job::{EventJob, Failure, Job, Payload, Reply, ReplyHead};
use crate::reactor::Shared;

/// A `Work` this slot has taken: a request with what its worker gets.
enum Taken {
    Request(Job, Payload),
    Finish(Bytes),
    Event(EventJob),
    Pipe(Bytes),
}

/// How one job ended, for the slot's next step.
enum Outcome {
    /// The job is done; the worker stays or says why it leaves.
    Done { retire: Retire },
    /// The worker is gone or must be (for this cause): stop using this connection.
    Lost(Restart),
}

/// Serves an HTTP worker until it leaves: retired, replaced by a reload, or gone.
pub(super) async fn serve(mut conn: Conn, fd: RawFd, shared: &Arc<Shared>, mut generation: Generation, index: u32, pid: u32) {
    let Some(queues) = shared.dispatcher.queues_for(index) else { return };
    conn.origin = Some(index);
    // Checked before a reactor thread spins for an answer (reactor/spin.rs).
    let _watched = crate::reactor::spin::current().map(|spin| spin.watch(fd));
    let cause = loop {
        let work = tokio::select! {
            biased;
            () = generation.ended() => {
                let _ = conn.write(&ToWorker::Stop).await;
                break Restart::Reload;
            }
            // `serving_mode` worker: the worker is in a request of its own front, which
            // this slot does not see, and waits there (`taskwait()`) for these results.
            Some((id, payload)) = conn.waits.next(), if conn.waits.pending() => {
                // A worker that went away is seen at its end of stream, just below.
                let _ = conn.write(&ToWorker::TaskResult { id, payload }).await;
                continue;
            }
            // An idle worker speaks only from a timer or a coroutine between requests:
            // pushes and task deliveries. In `serving_mode` worker it speaks from its
            // requests too (task deliveries, `taskwait()`, pushes). EOF means it died; any
            // other frame is out of turn.
            filled = conn.frames.reader.fill_buf() => {
                let eof = filled.map_or(true, <[u8]>::is_empty);
                // In `serving_mode` worker a worker retires on its own (`max_request`,
                // memory, `exit()`, a deadline) after draining its connections, and says
                // why on the fronts' board first; one that said nothing crashed.
                if eof && shared.config.serving_mode == crate::config::ServingMode::Worker {
                    break crate::front::board::shared().and_then(|b| b.farewell_of(index, pid)).unwrap_or(Restart::Crash);
                }
                if eof || !matches!(super::side_frame(&mut conn, shared, Some(index)).await, super::Side::Handled) {
                    log::line("master", &format!("worker #{index} (pid {pid}) went away while idle"));
                    break Restart::Crash;
                }
                continue;
            }
            work = queues.next() => work,
        };
        let taken = match work {
            Work::Request(job) => match job.take() {
                Some(payload) => {
                    if let Some(metrics) = &shared.metrics {
                        metrics.dequeued(job.deadline.queued_at().elapsed());
                    }
                    Taken::Request(job, payload)
                }
                // Its client went away while it was queued, or had its 503 or 504: no
                // worker runs it, and it is not counted as served.
                None => continue,
            },
            Work::Finish(payload) => Taken::Finish(payload),
            Work::Event(event) => Taken::Event(event),
            Work::Pipe(payload) => Taken::Pipe(payload),
        };
        shared.workers.begin(index, doing(&taken));
        let outcome = match taken {
            Taken::Request(job, payload) => run_job(&mut conn, job, payload, shared, pid).await,
            Taken::Finish(payload) => run_finish(&mut conn, payload, shared).await,
            Taken::Event(event) => run_event(&mut conn, event, shared).await,
            Taken::Pipe(payload) => run_pipe(&mut conn, payload, shared).await,
        };
        shared.workers.end(index);
        // Results of tasks the worker waited for that did not come in time go nowhere.
        conn.waits.forget();
        match outcome {
            Outcome::Done { retire } if retire.leaves() => break restart_cause(retire),
            Outcome::Done { .. } => {}
            Outcome::Lost(cause) => break cause,
        }
        if generation.is_over() {
            let _ = conn.write(&ToWorker::Stop).await;
            break Restart::Reload;
        }
    };
    if let Some(metrics) = &shared.metrics {
        metrics.restart(cause);
    }
}

/// The restart a worker's announced retirement counts as.
pub(super) fn restart_cause(retire: Retire) -> Restart {
    Restart::from(retire)
}

/// What `bin/laravels status` shows for a job: the method and path of a request (never
/// its query, which may carry secrets), or the kind of event.
fn doing(work: &Taken) -> String {
    let request = crate::reactor::workers::request_label;
    match work {
        Taken::Request(_, payload) => match &payload.frame {
            ToWorker::Request(r) => request("", &r.head),
            ToWorker::PortRequest { port, head, .. } => request(&format!("port {port}: "), head),
            ToWorker::Open { head, .. } => request("WebSocket handshake: ", head),
            _ => "request".to_owned(),
        },
        Taken::Finish(_) => "task finish()".to_owned(),
        Taken::Pipe(_) => "pipe message".to_owned(),
        Taken::Event(event) => match event.frame {
            ToWorker::Frame { fd, .. } => format!("WebSocket message of #{fd}"),
            ToWorker::Close { fd, .. } => format!("close of #{fd}"),
            _ => format!("event of #{}", event.fd),
        },
    }
}

/// Sends one job this slot has taken to the worker and relays its answer. Once this slot
/// has taken the job, it alone acts on the job's deadline (`reactor::deadline`): past it,
/// the client gets `Failed(Deadline)` and the worker is killed, and the manager replaces it.
async fn run_job(conn: &mut Conn, job: Job, payload: Payload, shared: &Arc<Shared>, pid: u32) -> Outcome {
    if job.deadline.is_past() {
        // Taken as its deadline passed: no worker gets it, and only this slot can answer.
        let _ = job.reply.try_send(Reply::Failed(Failure::Deadline));
        return Outcome::Done { retire: Retire::Stays };
    }
    if conn.write(&payload.frame).await.is_err() {
        // The worker died before it could read the request: another worker takes it.
        hand_back(job, payload, shared);
        return Outcome::Lost(Restart::Crash);
    }
    conn.jobs_sent = conn.jobs_sent.wrapping_add(1);
    // The frame is kept until the worker answers: should it die before it read it
    // (`pool::receipts`), the request goes to another worker. `uploads` lives until the
    // worker is done with the request, then removes the files.
    let Payload { frame, uploads } = payload;
    let mut unread = Some(frame);
    let origin = conn.origin;
    let _in_hand = crate::reactor::spin::in_hand();
    let relay = relay(conn, &job.reply, shared, origin, &mut unread);
    let result = match job.deadline.at() {
        Some(at) => tokio::time::timeout_at(at, relay).await,
        None => Ok(relay.await),
    };
    match result {
        Ok(Ok(retire)) => Outcome::Done { retire },
        Ok(Err(())) => {
            if let Some(frame) = unread.filter(|_| conn.never_read_last_job(pid)) {
                log::line("master", &format!("worker pid {pid} died before reading a request; another worker takes it"));
                hand_back(job, Payload { frame, uploads }, shared);
                return Outcome::Lost(Restart::Crash);
            }
            // Before the head this is the client's 502; after it, it aborts the stream.
            let _ = job.reply.send(Reply::Failed(Failure::WorkerLost)).await;
            Outcome::Lost(Restart::Crash)
        }
        Err(_) => {
            log::line("master", &format!("worker pid {pid} passed max_request_time; answering 504 and replacing it"));
            let _ = job.reply.try_send(Reply::Failed(Failure::Deadline));
            let _ = kill(Pid::from_raw(pid as i32), Signal::SIGKILL);
            Outcome::Lost(Restart::Deadline)
        }
    }
}

/// Queues a job its worker never read again, for another worker; past its deadline, the
/// client gets 504 instead.
fn hand_back(job: Job, payload: Payload, shared: &Arc<Shared>) {
    if job.put_back(payload) {
        shared.dispatcher.submit(job);
    } else {
        let _ = job.reply.try_send(Reply::Failed(Failure::Deadline));
    }
}

/// Relays response frames until the response ends. `Ok(retire)` when it ended;
/// `Err(())` when the worker went away first. `unread` (the request's frame) is dropped
/// at the worker's first frame.
async fn relay(
    conn: &mut Conn,
    reply: &tokio::sync::mpsc::Sender<Reply>,
    shared: &Arc<Shared>,
    origin: Option<u32>,
    unread: &mut Option<ToWorker>,
) -> Result<Retire, ()> {
    loop {
        let Some(frame) = next_frame(conn, shared, origin).await else { return Err(()) };
        // The worker answers: it read the request, and its body can go.
        *unread = None;
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
            _ => return Err(()),
        }
        if done {
            return Ok(retire);
        }
    }
}

/// Runs a WebSocket or port event in this worker; the connection waits for it to finish.
async fn run_event(conn: &mut Conn, job: EventJob, shared: &Arc<Shared>) -> Outcome {
    let EventJob { fd, frame, done } = job;
    if conn.write(&frame).await.is_err() {
        return Outcome::Lost(Restart::Crash);
    }
    let _in_hand = crate::reactor::spin::in_hand();
    let outcome = if let Some(ToMaster::EventDone { retire }) = next_frame(conn, shared, conn.origin).await {
        Outcome::Done { retire }
    } else {
        log::line("master", &format!("a worker stopped while handling a WebSocket event of connection {fd}"));
        Outcome::Lost(Restart::Crash)
    };
    let _ = done.send(());
    outcome
}

/// Runs the `finish()` of a task this worker delivered (`slot/task.rs` sent it back).
async fn run_finish(conn: &mut Conn, payload: bytes::Bytes, shared: &Arc<Shared>) -> Outcome {
    if conn.write(&ToWorker::Finish { payload }).await.is_err() {
        return Outcome::Lost(Restart::Crash);
    }
    match next_frame(conn, shared, conn.origin).await {
        Some(ToMaster::FinishDone { retire }) => Outcome::Done { retire },
        _ => Outcome::Lost(Restart::Crash),
    }
}

/// Runs the `onPipeMessage` handlers of a `sendMessage()` another process sent this worker.
async fn run_pipe(conn: &mut Conn, payload: Bytes, shared: &Arc<Shared>) -> Outcome {
    if conn.write(&ToWorker::PipeMessage { payload }).await.is_err() {
        return Outcome::Lost(Restart::Crash);
    }
    match next_frame(conn, shared, conn.origin).await {
        Some(ToMaster::EventDone { retire }) => Outcome::Done { retire },
        _ => Outcome::Lost(Restart::Crash),
    }
}
