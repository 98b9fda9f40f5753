//! One worker's connection, seen from the master: hand it jobs one at a time and relay
//! its response frames to the waiting HTTP connection.

use std::sync::Arc;
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::UnixStream;
use tokio::sync::watch;

use super::dispatch::{EventJob, Failure, Job, JobKind, Reply, ReplyHead, SlotKind, SocketEvent, TaskJob, Work};
use super::websocket::registry::Outbound;
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

/// The reading half of a worker connection, one frame at a time.
struct FrameReader {
    reader: BufReader<OwnedReadHalf>,
    buf: BytesMut,
}

struct Conn {
    frames: FrameReader,
    writer: OwnedWriteHalf,
    /// Set by the Hello frame.
    worker_id: Option<u32>,
}

impl Conn {
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

/// How one job ended, for the slot's next step.
enum Outcome {
    Done {
        retire: bool,
    },
    /// The worker is gone or must be: stop using this connection.
    Lost,
}

/// Serves one worker connection until the worker leaves.
pub async fn serve(stream: UnixStream, shared: Arc<Shared>, control: watch::Receiver<u64>) {
    let fd = std::os::fd::AsRawFd::as_raw_fd(&stream);
    let (r, w) = stream.into_split();
    let frames = FrameReader { reader: BufReader::with_capacity(64 * 1024, r), buf: BytesMut::with_capacity(64 * 1024) };
    let mut conn = Conn { frames, writer: w, worker_id: None };
    let (worker_id, pid) = match hello(&mut conn).await {
        Ok(who) => who,
        Err(e) => {
            log::line("master", &format!("rejected a worker connection: {e}"));
            return;
        }
    };
    let queues = match shared.dispatcher.slot(worker_id) {
        Some(SlotKind::Http(queues)) => queues,
        Some(SlotKind::Task(tasks)) => return serve_task_worker(conn, tasks, shared, Generation::new(control), worker_id, pid).await,
        Some(SlotKind::Timer) => return serve_unprompted(conn, shared, Generation::new(control), worker_id, pid, AskToStop::Message).await,
        Some(SlotKind::Custom) => return serve_unprompted(conn, shared, Generation::new(control), worker_id, pid, AskToStop::Signal).await,
        None => {
            log::line("master", &format!("rejected a worker connection: {}", SlotError::BadId(worker_id)));
            return;
        }
    };
    let mut generation = Generation::new(control);
    shared.workers.attach(worker_id, pid);
    // Checked before a reactor thread spins for an answer (reactor/spin.rs).
    let _watched = super::spin::current().map(|spin| spin.watch(fd));

    loop {
        let work = tokio::select! {
            biased;
            () = generation.ended() => {
                let _ = conn.write(&ToWorker::Stop).await;
                break;
            }
            // An idle worker sends nothing; readable means it died (EOF) or misbehaves.
            _ = conn.frames.reader.fill_buf() => {
                log::line("master", &format!("worker #{worker_id} (pid {pid}) went away while idle"));
                break;
            }
            work = queues.next() => work,
        };
        let outcome = match work {
            Work::Request(job) => run_job(&mut conn, job, &shared, pid).await,
            Work::Finish(payload) => run_finish(&mut conn, payload, &shared).await,
            Work::Event(event) => run_event(&mut conn, event, &shared).await,
        };
        match outcome {
            Outcome::Done { retire: false } => {}
            Outcome::Done { retire: true } | Outcome::Lost => break,
        }
        if generation.is_over() {
            let _ = conn.write(&ToWorker::Stop).await;
            break;
        }
    }
    shared.workers.detach(worker_id, pid);
}

/// The generation of workers a process belongs to: a reload or a stop starts a new one,
/// and every process of an older one must leave after what it is doing.
struct Generation {
    control: watch::Receiver<u64>,
    started: u64,
    /// The master's control channel is gone: as good as a new generation.
    closed: bool,
}

impl Generation {
    fn new(mut control: watch::Receiver<u64>) -> Self {
        let started = *control.borrow_and_update();
        Generation { control, started, closed: false }
    }

    /// Whether the process must leave now.
    fn is_over(&self) -> bool {
        self.closed || *self.control.borrow() != self.started
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

async fn hello(conn: &mut Conn) -> Result<(u32, u32), SlotError> {
    match conn.read().await? {
        Some(ToMaster::Hello { worker_id, pid }) => {
            conn.worker_id = Some(worker_id);
            Ok((worker_id, pid))
        }
        _ => Err(SlotError::NoHello),
    }
}

/// Sends one job to the worker and relays its answer; enforces `max_request_time`.
async fn run_job(conn: &mut Conn, job: Job, shared: &Arc<Shared>, pid: u32) -> Outcome {
    let started = Instant::now();
    // `_uploads` lives until the worker is done with the request, then removes the files.
    let Job { head, body, form, uploads: _uploads, reply, connection, kind } = job;
    if reply.is_closed() {
        // The client went away while the job was queued.
        return Outcome::Done { retire: false };
    }
    let request = match kind {
        JobKind::App => ToWorker::Request { head, body, form },
        JobKind::Open { port } => ToWorker::Open { fd: connection, port, head },
        JobKind::PortHttp { port } => ToWorker::PortRequest { fd: connection, port, head, body },
    };
    if conn.write(&request).await.is_err() {
        // The worker died before it could read the request: another worker takes it.
        let (head, body, form) = match request {
            ToWorker::Request { head, body, form } => (head, body, form),
            ToWorker::Open { head, .. } => (head, bytes::Bytes::new(), None),
            ToWorker::PortRequest { head, body, .. } => (head, body, None),
            _ => unreachable!("built above"),
        };
        shared.dispatcher.submit(Job { head, body, form, uploads: _uploads, reply, connection, kind });
        return Outcome::Lost;
    }
    let origin = conn.worker_id;
    let _in_hand = super::spin::in_hand();
    let relay = relay(conn, &reply, shared, origin);
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
async fn relay(conn: &mut Conn, reply: &tokio::sync::mpsc::Sender<Reply>, shared: &Arc<Shared>, origin: Option<u32>) -> Result<bool, ()> {
    loop {
        let frame = match next_frame(conn, shared, origin).await {
            Some(frame) => frame,
            None => return Err(()),
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
            _ => return Err(()),
        }
        if done {
            return Ok(retire);
        }
    }
}

/// The next frame that answers the master's last message. Task deliveries the worker makes
/// meanwhile are queued and acknowledged here. `None` when the worker went away.
async fn next_frame(conn: &mut Conn, shared: &Arc<Shared>, origin: Option<u32>) -> Option<ToMaster> {
    loop {
        match conn.read().await {
            Ok(Some(ToMaster::DeliverTask { payload, finish, delay_ms })) => {
                let task = TaskJob { payload, origin: origin.filter(|_| finish) };
                let accepted = if delay_ms == 0 { shared.dispatcher.deliver_task(task) } else { schedule_task(shared.clone(), task, delay_ms) };
                if !accepted {
                    log::line("master", "a task was refused: the task queue is full or task_worker_num is 0");
                }
                if conn.write(&ToWorker::TaskAccepted(accepted)).await.is_err() {
                    return None;
                }
            }
            Ok(Some(frame)) => match route_socket_frame(frame, shared) {
                Some(frame) => return Some(frame),
                None => continue,
            },
            Ok(None) | Err(_) => return None,
        }
    }
}

/// Carries out a push or disconnect a process sent (they are never answered); gives any
/// other frame back.
fn route_socket_frame(frame: ToMaster, shared: &Shared) -> Option<ToMaster> {
    match frame {
        ToMaster::Push { fd, opcode, data } => {
            shared.sockets.push(fd, opcode, data, shared.config.buffer_output_size);
            None
        }
        ToMaster::SendTo { port, address, remote_port, data } => {
            // Port numbers from PHP may be Swoole's -1 ("the UDP port"): take the first.
            let socket = shared.udp.get(&port).or_else(|| shared.udp.iter().min_by_key(|(index, _)| **index).map(|(_, s)| s));
            match (socket, address.parse::<std::net::IpAddr>()) {
                (Some(socket), Ok(ip)) => {
                    let _ = socket.try_send_to(&data, std::net::SocketAddr::new(ip, remote_port));
                }
                _ => log::line("master", "sendto dropped: no UDP port in `sockets`, or a bad address"),
            }
            None
        }
        ToMaster::Disconnect { fd, code, reason } => {
            let how = match code {
                Some(code) => Outbound::Close { code, reason },
                None => Outbound::Drop,
            };
            shared.sockets.close(fd, how);
            None
        }
        other => Some(other),
    }
}

/// Runs a WebSocket event in this worker; the connection waits for it to finish.
async fn run_event(conn: &mut Conn, job: EventJob, shared: &Arc<Shared>) -> Outcome {
    let EventJob { fd, port, event, done } = job;
    let msg = match event {
        SocketEvent::Frame { opcode, data } => ToWorker::Frame { fd, port, opcode, data },
        SocketEvent::Close => ToWorker::Close { fd, port },
        SocketEvent::Connect => ToWorker::Connect { fd, port },
        SocketEvent::Receive(data) => ToWorker::Receive { fd, port, data },
        SocketEvent::Buffer(full) => ToWorker::Buffer { fd, port, full },
        SocketEvent::Packet { address, remote_port, data } => ToWorker::Packet { port, address, remote_port, data },
    };
    if conn.write(&msg).await.is_err() {
        return Outcome::Lost;
    }
    let _in_hand = super::spin::in_hand();
    let outcome = match next_frame(conn, shared, conn.worker_id).await {
        Some(ToMaster::EventDone { retire }) => Outcome::Done { retire },
        _ => {
            log::line("master", &format!("a worker stopped while handling a WebSocket event of connection {fd}"));
            Outcome::Lost
        }
    };
    let _ = done.send(());
    outcome
}

/// Queues a delayed task when its time comes. It counts as accepted now; if the queue is
/// full then, the loss is logged.
fn schedule_task(shared: Arc<Shared>, task: TaskJob, delay_ms: u64) -> bool {
    if shared.config.task_worker_num == 0 {
        return false;
    }
    tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(delay_ms)).await;
        if !shared.dispatcher.deliver_task(task) {
            log::line("master", "a delayed task was dropped: the task queue was full when its delay ended");
        }
    });
    true
}

/// Runs a task's `finish()` in this worker.
async fn run_finish(conn: &mut Conn, payload: bytes::Bytes, shared: &Arc<Shared>) -> Outcome {
    if conn.write(&ToWorker::Finish { payload }).await.is_err() {
        return Outcome::Lost;
    }
    match next_frame(conn, shared, conn.worker_id).await {
        Some(ToMaster::FinishDone { retire }) => Outcome::Done { retire },
        _ => Outcome::Lost,
    }
}

/// Serves a task worker: one task at a time from the task queue; finished tasks that
/// asked for it go back to their origin worker.
async fn serve_task_worker(mut conn: Conn, tasks: async_channel::Receiver<TaskJob>, shared: Arc<Shared>, mut generation: Generation, worker_id: u32, pid: u32) {
    shared.workers.attach(worker_id, pid);
    loop {
        let task = tokio::select! {
            biased;
            () = generation.ended() => {
                let _ = conn.write(&ToWorker::Stop).await;
                break;
            }
            Ok(task) = tasks.recv() => task,
        };
        let origin = task.origin;
        if conn.write(&ToWorker::Task { payload: task.payload, origin }).await.is_err() {
            break;
        }
        match next_frame(&mut conn, &shared, None).await {
            Some(ToMaster::TaskDone { payload, origin, retire }) => {
                if let (Some(payload), Some(origin)) = (payload, origin) {
                    shared.dispatcher.finish(origin, payload);
                }
                if retire {
                    break;
                }
            }
            _ => {
                log::line("master", &format!("task worker #{worker_id} (pid {pid}) stopped during a task"));
                break;
            }
        }
        if generation.is_over() {
            let _ = conn.write(&ToWorker::Stop).await;
            break;
        }
    }
    shared.workers.detach(worker_id, pid);
}

/// How a process that takes no jobs is asked to leave.
enum AskToStop {
    /// A `Stop` frame (the timer waits on its connection between jobs).
    Message,
    /// SIGUSR1 on reload, SIGTERM on stop: a custom process runs user code that never
    /// reads the connection; its handlers call `onReload` / `onStop`.
    Signal,
}

/// Serves the timer or a custom process: no jobs, a request to stop on reload and stop,
/// and task deliveries at any moment, so its frames are read by a task of their own.
async fn serve_unprompted(conn: Conn, shared: Arc<Shared>, mut generation: Generation, worker_id: u32, pid: u32, ask: AskToStop) {
    shared.workers.attach(worker_id, pid);
    let Conn { mut frames, mut writer, .. } = conn;
    let (frames_tx, mut incoming) = tokio::sync::mpsc::channel(16);
    tokio::spawn(async move {
        while let Ok(Some(frame)) = frames.read().await {
            if frames_tx.send(frame).await.is_err() {
                return;
            }
        }
    });
    let mut stopping = false;
    // After it was asked to stop, how long it may take: the timer's running job gets
    // timer.max_wait_time, a custom process max_wait_time; then it is killed.
    let grace = match ask {
        AskToStop::Message => shared.config.timer_max_wait,
        AskToStop::Signal => shared.config.max_wait_time,
    };
    let deadline = tokio::time::sleep(std::time::Duration::MAX / 4);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            _ = &mut deadline, if stopping => {
                log::line("master", &format!("process #{worker_id} (pid {pid}) did not stop within {}s; killing it", grace.as_secs()));
                let _ = kill(Pid::from_raw(pid as i32), Signal::SIGKILL);
                break;
            }
            () = generation.ended(), if !stopping => {
                stopping = true;
                deadline.as_mut().reset(tokio::time::Instant::now() + grace);
                match ask {
                    AskToStop::Message => {
                        if writer.write_all(&ipc::encode_to_worker(&ToWorker::Stop)).await.is_err() {
                            break;
                        }
                    }
                    AskToStop::Signal => {
                        let sig = if shared.stopping.load(std::sync::atomic::Ordering::SeqCst) { Signal::SIGTERM } else { Signal::SIGUSR1 };
                        let _ = kill(Pid::from_raw(pid as i32), sig);
                    }
                }
            }
            frame = incoming.recv() => match frame {
                Some(ToMaster::DeliverTask { payload, delay_ms, .. }) => {
                    let task = TaskJob { payload, origin: None };
                    let accepted = if delay_ms == 0 { shared.dispatcher.deliver_task(task) } else { schedule_task(shared.clone(), task, delay_ms) };
                    if !accepted {
                        log::line("master", "a task from the timer or a custom process was refused: the task queue is full or task_worker_num is 0");
                    }
                    if writer.write_all(&ipc::encode_to_worker(&ToWorker::TaskAccepted(accepted))).await.is_err() {
                        break;
                    }
                }
                Some(frame) => {
                    // Pushes and disconnects; anything else is out of turn and ignored.
                    let _ = route_socket_frame(frame, &shared);
                }
                None => break,
            }
        }
    }
    shared.workers.detach(worker_id, pid);
}
