//! One worker's connection, seen from the master. Every child of the manager connects
//! to the master's worker socket and says who it is (`Hello`); its id decides what the
//! connection serves, each in its own file:
//!
//! # Layout
//! - `http.rs`: an HTTP worker: requests, WebSocket and port events, and the `finish()`
//!   of its tasks, one at a time from its queues; relays the answer and enforces the
//!   job's deadline (`reactor::deadline`).
//! - `task.rs`: the task queue, tasks delivered now or after a delay, and a task worker's
//!   connection: one task at a time, the finished task sent back to its origin.
//! - `waits.rs`: results a worker waits for inside its request (`taskwait`), written
//!   to it while its slot reads its frames.
//! - `timer.rs`: the timer and the custom processes: no jobs, task deliveries at any
//!   moment, asked to stop on reload and stop.
//! - `link.rs`: the socket's two halves, registered with the reactor for reading only.
//! - this file: the connection itself (frames in and out), the `Hello`, the worker
//!   generation a reload ends, and what every connection answers while it waits for an
//!   answer: task deliveries (`task.rs`) and one-way frames (`reactor::push`).

mod http;
mod link;
mod task;
mod timer;
mod waits;

pub use task::{TaskJob, TaskQueue};
use waits::Waits;

use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixStream;
use tokio::sync::watch;

use super::control::Generations;
use super::Shared;
use crate::ipc::{self, ToMaster, ToWorker};
use crate::log;
use crate::pool::ProcessRole;

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

/// The reading half of a worker connection, one frame at a time.
struct FrameReader {
    reader: BufReader<link::ReadHalf>,
    buf: BytesMut,
}

struct Conn {
    frames: FrameReader,
    writer: link::WriteHalf,
    /// The HTTP worker slot (`ProcessRole::Http`'s index) that the tasks this process
    /// delivers name as their origin, for their `finish()`; `None` for other roles.
    origin: Option<u32>,
    /// The process id (`Hello`'s) of the worker on this connection.
    worker_id: u32,
    /// Requests written on this connection, checked against the worker's receipts.
    jobs_sent: u32,
    /// Task results the worker waits for in its current job (`waits.rs`).
    waits: Waits,
}

impl Conn {
    /// Whether worker `pid` certainly died before reading the last request written to it
    /// (`pool::receipts`).
    fn never_read_last_job(&self, pid: u32) -> bool {
        crate::pool::receipts::board().is_some_and(|board| board.unread(self.worker_id, pid, self.jobs_sent))
    }

    async fn read(&mut self) -> Result<Option<ToMaster>, SlotError> {
        self.frames.read().await
    }

    async fn write(&mut self, msg: &ToWorker) -> std::io::Result<()> {
        self.writer.write_all(&ipc::encode_to_worker(msg)).await
    }
}

impl FrameReader {
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
}

/// Serves one worker connection until the worker leaves.
pub async fn serve(stream: UnixStream, shared: Arc<Shared>, control: watch::Receiver<Generations>) {
    let fd = std::os::fd::AsRawFd::as_raw_fd(&stream);
    let (r, w) = match link::split(stream) {
        Ok(halves) => halves,
        Err(e) => {
            log::line("master", &format!("rejected a worker connection: {e}"));
            return;
        }
    };
    let frames = FrameReader { reader: BufReader::with_capacity(64 * 1024, r), buf: BytesMut::with_capacity(64 * 1024) };
    let mut conn = Conn { frames, writer: w, origin: None, worker_id: 0, jobs_sent: 0, waits: Waits::new() };
    let (worker_id, pid, forked_at) = match hello(&mut conn).await {
        Ok(Some(who)) => who,
        Ok(None) => {
            // `bin/laravels status`: one answer, then the connection ends.
            let json = serde_json::to_vec(&super::status::report(&shared)).unwrap_or_default();
            let _ = conn.write(&ToWorker::Status(json.into())).await;
            return;
        }
        Err(e) => {
            log::line("master", &format!("rejected a worker connection: {e}"));
            return;
        }
    };
    let Some(role) = shared.layout.role(worker_id) else {
        log::line("master", &format!("rejected a worker connection: {}", SlotError::BadId(worker_id)));
        return;
    };
    conn.worker_id = worker_id;
    // Forked before the last reload that concerns it (it was booting then): it may run the
    // old code, so it leaves at once and the manager forks a fresh one.
    // 0: not forked by a manager (the reactor's tests run workers as threads).
    let task_worker = matches!(role, ProcessRole::Task { .. });
    let mut reloaded_at = shared.reloaded_at.load(std::sync::atomic::Ordering::SeqCst);
    if task_worker {
        reloaded_at = reloaded_at.max(shared.tasks_reloaded_at.load(std::sync::atomic::Ordering::SeqCst));
    }
    let stale = forked_at != 0 && forked_at < reloaded_at;
    let generation = Generation::new(control, stale, task_worker);
    shared.workers.attach(worker_id, pid);
    match role {
        ProcessRole::Http { index } => http::serve(conn, fd, &shared, generation, index, pid).await,
        ProcessRole::Task { index } => task::serve(conn, &shared, generation, worker_id, pid, index).await,
        ProcessRole::Timer => timer::serve(conn, &shared, generation, worker_id, pid, timer::AskToStop::Message).await,
        ProcessRole::Custom { .. } => timer::serve(conn, &shared, generation, worker_id, pid, timer::AskToStop::Signal).await,
    }
    shared.workers.detach(worker_id, pid);
}

/// The generation of workers a process belongs to: a reload or a stop starts a new one,
/// and every process of an older one must leave after what it is doing. A task-only
/// reload starts a new one for the task workers alone.
struct Generation {
    control: watch::Receiver<Generations>,
    /// Whether task-only reloads end it too.
    task_worker: bool,
    started: u64,
    /// The master's control channel is gone, or the process is of a generation before
    /// the current one (`stale`): it must leave.
    closed: bool,
}

impl Generation {
    fn new(mut control: watch::Receiver<Generations>, stale: bool, task_worker: bool) -> Self {
        let started = control.borrow_and_update().watched(task_worker);
        Generation { control, task_worker, started, closed: stale }
    }

    /// Whether the process must leave now.
    fn is_over(&self) -> bool {
        self.closed || self.control.borrow().watched(self.task_worker) != self.started
    }

    /// Completes once the process must leave. Cancel-safe, for `select!`.
    async fn ended(&mut self) {
        while !self.is_over() {
            if self.control.changed().await.is_err() {
                self.closed = true;
            }
        }
    }
}

/// Who connected: a process of the server (`Some((id, pid))`), or `bin/laravels status`
/// (`None`).
async fn hello(conn: &mut Conn) -> Result<Option<(u32, u32, u64)>, SlotError> {
    match conn.read().await? {
        Some(ToMaster::Hello { worker_id, pid, forked_at }) => Ok(Some((worker_id, pid, forked_at))),
        Some(ToMaster::StatusQuery) => Ok(None),
        _ => Err(SlotError::NoHello),
    }
}

/// The next frame that answers the master's last message. Task deliveries the worker makes
/// meanwhile are queued and acknowledged here, pushes carried out, and the results of
/// tasks it waits for written to it. `None` when the worker went away.
async fn next_frame(conn: &mut Conn, shared: &Arc<Shared>, origin: Option<u32>) -> Option<ToMaster> {
    loop {
        if conn.waits.pending() {
            // Only while results are due: the plain path reads without a select.
            tokio::select! {
                biased;
                Some((id, payload)) = conn.waits.next() => {
                    if conn.write(&ToWorker::TaskResult { id, payload }).await.is_err() {
                        return None;
                    }
                    continue;
                }
                ready = conn.frames.reader.fill_buf() => {
                    if ready.is_err() {
                        return None;
                    }
                }
            }
        }
        match side_frame(conn, shared, origin).await {
            Side::Handled => {}
            Side::Answer(frame) => return Some(frame),
            Side::Gone => return None,
        }
    }
}

/// Queues a task of Swoole's `task()` (answered `TaskAccepted`; its result goes back to
/// `origin` between requests) or `taskwait()` (answered later by `TaskResult`, or at once
/// when refused).
async fn deliver_to(conn: &mut Conn, shared: &Arc<Shared>, payload: Bytes, dst: Option<u32>, wait: Option<u64>, origin: Option<u32>) -> std::io::Result<()> {
    let Some(id) = wait else {
        let accepted = shared.tasks.deliver_to(TaskJob::new(payload, origin), dst);
        return conn.write(&ToWorker::TaskAccepted(accepted)).await;
    };
    let job = TaskJob { payload, origin: None, waiter: Some(conn.waits.waiter(id)) };
    if shared.tasks.deliver_to(job, dst) {
        return Ok(());
    }
    conn.waits.refused();
    conn.write(&ToWorker::TaskResult { id, payload: None }).await
}

/// What `side_frame` read.
enum Side {
    /// A task delivery (queued and acknowledged) or a one-way frame (carried out).
    Handled,
    /// A frame that answers the master's last message.
    Answer(ToMaster),
    /// The worker went away.
    Gone,
}

/// Reads one frame and carries out what a worker may send at any moment: task deliveries
/// and one-way frames (`reactor::push`).
async fn side_frame(conn: &mut Conn, shared: &Arc<Shared>, origin: Option<u32>) -> Side {
    match conn.read().await {
        Ok(Some(ToMaster::DeliverTask { payload, finish, delay_ms })) => {
            let accepted = shared.tasks.deliver(TaskJob::new(payload, origin.filter(|_| finish)), delay_ms);
            if !accepted {
                log::line("master", "a task was refused: the task queue is full or task_worker_num is 0");
            }
            if conn.write(&ToWorker::TaskAccepted(accepted)).await.is_err() {
                return Side::Gone;
            }
            Side::Handled
        }
        Ok(Some(ToMaster::TaskTo { payload, dst, wait })) => {
            if deliver_to(conn, shared, payload, dst, wait, origin).await.is_err() {
                return Side::Gone;
            }
            Side::Handled
        }
        Ok(Some(frame)) => super::push::route(frame, shared).map_or(Side::Handled, Side::Answer),
        Ok(None) | Err(_) => Side::Gone,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_only_reload_ends_the_task_workers_generation_alone_and_a_reload_ends_both() {
        let (tx, rx) = watch::channel(Generations::default());
        let http = Generation::new(rx.clone(), false, false);
        let task = Generation::new(rx.clone(), false, true);
        assert!(!http.is_over() && !task.is_over());
        tx.send_modify(|g| g.tasks += 1);
        assert!(!http.is_over(), "an HTTP worker stays through a task-only reload");
        assert!(task.is_over(), "a task worker leaves on a task-only reload");
        let (http, task) = (Generation::new(rx.clone(), false, false), Generation::new(rx.clone(), false, true));
        tx.send_modify(|g| g.all += 1);
        assert!(http.is_over() && task.is_over(), "a reload ends every generation");
        assert!(Generation::new(rx, true, false).is_over(), "a stale process leaves at once");
    }
}
