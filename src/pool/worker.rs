//! The worker's end of the master connection: take a request, send its response.
//!
//! A worker serves one request at a time, so the link is a plain blocking socket.
//! `WorkerLink` tracks where the current response is (`Exchange`) and decides, when a
//! response ends, whether the worker retires (`max_request`, memory ceiling) so the
//! master learns it in the same frame and sends nothing more.

use std::io::{self, BufReader, BufWriter, Read, Write};
use std::os::fd::AsFd;
use std::os::unix::net::UnixStream;
use std::time::Duration;

use nix::poll::{poll, PollFd, PollFlags, PollTimeout};

use bytes::Bytes;

use super::process::peak_rss_bytes;

mod front;
use crate::ipc::{self, Header, Retire, ToMaster, ToWorker};

/// How long an idle worker polls for the next request before it blocks.
const SPIN: Duration = Duration::from_micros(50);

/// When a worker leaves after the response it is sending.
#[derive(Debug, Clone, Copy, Default)]
pub struct WorkerLimits {
    /// Leave after this many requests; 0 means never.
    pub max_request: u64,
    /// Leave once peak resident memory passes this many bytes.
    pub memory_limit: Option<u64>,
}

/// Where the current exchange with the master stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exchange {
    /// No request in hand.
    Idle,
    /// A request was taken; no byte of its response was sent.
    Received,
    /// The head of a streamed response was sent; chunks may follow.
    Streaming,
    /// A task is running; `task_done` ends it.
    Task,
    /// A task's `finish()` is running; `finish_done` ends it.
    Finish,
    /// The timer: no request in hand, but working on its own.
    Unprompted,
    /// A WebSocket message or close is being handled; `event_done` ends it.
    Event,
}

/// Why a call on the worker's link to the master failed.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    /// Reading or writing the master socket failed: the master is gone.
    #[error("lost the connection to the master: {0}")]
    Io(#[from] io::Error),
    /// A frame from the master did not decode.
    #[error("the master sent a malformed frame: {0}")]
    Decode(#[from] ipc::DecodeError),
    /// A response call while no request is in hand.
    #[error("no request is waiting for a response")]
    NoRequest,
    /// `respond` or `start_stream` after a streamed response's head went out.
    #[error("the response head was already sent")]
    HeadSent,
    /// A call for another exchange than the current one (say `task_done` during a request).
    #[error("this call does not fit what the worker is doing now")]
    WrongState,
    /// A frame the master should not send now, named.
    #[error("the master sent {0} out of turn")]
    Unexpected(&'static str),
}

/// A worker's blocking connection to the master: one exchange at a time, and the
/// `WorkerLimits` that decide when the worker retires.
pub struct WorkerLink {
    reader: BufReader<UnixStream>,
    writer: BufWriter<UnixStream>,
    /// This process's id (Swoole's `$workerId`), sent to the master in `Hello`.
    pub worker_id: u32,
    limits: WorkerLimits,
    served: u64,
    /// Requests read since connecting, the count `pool::receipts` publishes.
    taken: u32,
    exchange: Exchange,
    /// Set once the worker has told the master it leaves; `recv` then yields nothing.
    retiring: bool,
    /// Why it retires, once the exchange that decided it finished.
    why: Retire,
    /// Set when the process is ending whatever the limits say.
    leaving: bool,
    /// Results of waited-for tasks that came while waiting for something else.
    results: Vec<(u64, Option<Bytes>)>,
    /// A job the master sent while this worker, idle, waited for the answer to a task
    /// it delivered from a timer: `recv` hands it out next.
    stashed: Option<ToWorker>,
    /// Its own HTTP front (`serving_mode` worker; `src/front/`), and the request of it in
    /// hand, whose answer goes there instead of to the master.
    local: Option<Local>,
}

/// The worker's own front, seen from the PHP thread.
struct Local {
    front: crate::front::Front,
    /// The request being answered, while the exchange is one of the front's.
    handed: Option<crate::front::Handed>,
    /// A stop was asked of the front (reload, stop, retirement): it accepts no more,
    /// and `recv` ends once it has closed its connections.
    draining: bool,
    /// The master closed this worker's socket (after its `Stop`): only the front is left.
    master_gone: bool,
}

impl WorkerLink {
    /// Connects to the master's worker socket and introduces this worker.
    pub fn connect(socket_name: &str, worker_id: u32, limits: WorkerLimits) -> Result<Self, LinkError> {
        let stream = UnixStream::connect_addr(&ipc::address::socket_addr(socket_name)?)?;
        let mut link = WorkerLink {
            reader: BufReader::with_capacity(64 * 1024, stream.try_clone()?),
            writer: BufWriter::with_capacity(64 * 1024, stream),
            worker_id,
            limits,
            served: 0,
            taken: 0,
            exchange: Exchange::Idle,
            retiring: false,
            why: Retire::Stays,
            leaving: false,
            results: Vec::new(),
            stashed: None,
            local: None,
        };
        if let Some(board) = super::receipts::board() {
            board.record(worker_id, std::process::id(), 0);
        }
        link.send(&ToMaster::Hello { worker_id, pid: std::process::id(), forked_at: super::process::forked_at() })?;
        super::boot::mark_booted(worker_id);
        // `serving_mode` worker: from here this worker accepts its own connections.
        if let Some(front) = crate::front::start() {
            link.local = Some(Local { front: front?, handed: None, draining: false, master_gone: false });
        }
        Ok(link)
    }

    /// Where the current exchange stands; PHP reads it as the worker's state.
    pub fn exchange(&self) -> Exchange {
        self.exchange
    }

    /// Exchanges finished so far (responses, tasks, `finish()` runs, events), the count
    /// `max_request` is checked against.
    pub fn served(&self) -> u64 {
        self.served
    }

    /// Blocks for the next request, task or event, as the master sent it (`Stop` and
    /// `TaskAccepted` never come out). `None` means leave: the master asked us to stop, it
    /// went away, or this worker retired after its last response.
    pub fn recv(&mut self) -> Result<Option<ToWorker>, LinkError> {
        if self.local.is_some() {
            return self.recv_with_front();
        }
        if self.retiring {
            return Ok(None);
        }
        let frame = if let Some(frame) = self.stashed.take() {
            frame
        } else {
            loop {
                if self.reader.buffer().is_empty() && !self.wait_briefly_for_input() {
                    self.wait_for_input()?;
                }
                let mut prefix = [0u8; 4];
                match self.reader.read_exact(&mut prefix) {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
                    Err(e) => return Err(e.into()),
                }
                match self.read_frame(prefix)? {
                    // The result of a wait that timed out in an earlier request: nobody wants it.
                    ToWorker::TaskResult { .. } => {}
                    frame => break frame,
                }
            }
        };
        self.begin_exchange(frame)
    }

    /// Sets the exchange a frame from the master (or the front) opens, and hands it out.
    fn begin_exchange(&mut self, frame: ToWorker) -> Result<Option<ToWorker>, LinkError> {
        self.results.clear();
        self.exchange = match &frame {
            ToWorker::Request(_) if self.local.as_ref().is_some_and(|l| l.handed.is_some()) => Exchange::Received,
            ToWorker::Request(_) | ToWorker::Open { .. } | ToWorker::PortRequest { .. } => {
                // Read, before PHP sees it: from here a death of this worker answers 502.
                self.taken = self.taken.wrapping_add(1);
                if let Some(board) = super::receipts::board() {
                    board.record(self.worker_id, std::process::id(), self.taken);
                }
                Exchange::Received
            }
            ToWorker::Task { .. } => Exchange::Task,
            ToWorker::Finish { .. } => Exchange::Finish,
            ToWorker::Frame { .. }
            | ToWorker::Close { .. }
            | ToWorker::Connect { .. }
            | ToWorker::Receive { .. }
            | ToWorker::Packet { .. }
            | ToWorker::Buffer { .. }
            | ToWorker::PipeMessage { .. } => Exchange::Event,
            ToWorker::Stop => return Ok(None),
            ToWorker::TaskAccepted(_) => return Err(LinkError::Unexpected("TaskAccepted")),
            ToWorker::Status(_) => return Err(LinkError::Unexpected("Status")),
            ToWorker::TaskResult { .. } => return Err(LinkError::Unexpected("TaskResult")),
        };
        Ok(Some(frame))
    }

    fn read_frame(&mut self, prefix: [u8; 4]) -> Result<ToWorker, LinkError> {
        let len = ipc::codec::frame_len(prefix);
        if len > ipc::codec::MAX_FRAME {
            return Err(LinkError::Decode(ipc::DecodeError::Truncated));
        }
        let mut frame = vec![0u8; len];
        self.reader.read_exact(&mut frame)?;
        Ok(ipc::decode_to_worker(&Bytes::from(frame))?)
    }

    /// Hands a task to the master for a task worker; true when it was queued. Allowed
    /// while handling anything (a request, a task, a finish), and between requests (a
    /// timer's callback), when the master reads an idle worker's frames too.
    pub fn deliver_task(&mut self, payload: Bytes, finish: bool, delay_ms: u64) -> Result<bool, LinkError> {
        self.send(&ToMaster::DeliverTask { payload, finish, delay_ms })?;
        self.accepted()
    }

    /// Reads until the master's `TaskAccepted`; results of waited-for tasks that come
    /// first are kept for `task_results`.
    fn accepted(&mut self) -> Result<bool, LinkError> {
        loop {
            let mut prefix = [0u8; 4];
            self.reader.read_exact(&mut prefix)?;
            match self.read_frame(prefix)? {
                ToWorker::TaskAccepted(ok) => return Ok(ok),
                // The timer, always "busy", or an idle worker can be told to stop meanwhile.
                ToWorker::Stop => self.retiring = true,
                ToWorker::TaskResult { id, payload } => self.results.push((id, payload)),
                // An idle worker's next job crossed the delivery: it waits for `recv`.
                job @ (ToWorker::Request(_)
                | ToWorker::Task { .. }
                | ToWorker::Finish { .. }
                | ToWorker::Open { .. }
                | ToWorker::PortRequest { .. }
                | ToWorker::Frame { .. }
                | ToWorker::Close { .. }
                | ToWorker::Connect { .. }
                | ToWorker::Receive { .. }
                | ToWorker::Packet { .. }
                | ToWorker::Buffer { .. })
                    if (self.exchange == Exchange::Idle || self.local.is_some()) && self.stashed.is_none() =>
                {
                    self.stashed = Some(job);
                }
                _ => return Err(LinkError::Unexpected("a frame other than TaskAccepted")),
            }
        }
    }

    /// Swoole's `task()` and `taskwait()`: queues a task for task worker `dst` (any with
    /// `None`). Without `wait`, true when queued (a result comes back as a `Finish` between
    /// requests); with a wait id, returns at once and `task_results` collects the result.
    pub fn task_to(&mut self, payload: Bytes, dst: Option<u32>, wait: Option<u64>) -> Result<bool, LinkError> {
        if self.exchange == Exchange::Idle {
            return Err(LinkError::NoRequest);
        }
        self.send(&ToMaster::TaskTo { payload, dst, wait })?;
        if wait.is_some() {
            return Ok(true);
        }
        self.accepted()
    }

    /// Waits up to `timeout` for the results of the tasks sent with wait ids `ids`; what
    /// came, in arrival order (`None`: the task was refused). Results for other ids
    /// (a wait that already gave up) are dropped.
    pub fn task_results(&mut self, ids: &[u64], timeout: Duration) -> Result<Vec<(u64, Option<Bytes>)>, LinkError> {
        let mut out: Vec<(u64, Option<Bytes>)> = Vec::with_capacity(ids.len());
        let wanted = |id: u64, out: &[(u64, Option<Bytes>)]| ids.contains(&id) && !out.iter().any(|(seen, _)| *seen == id);
        for (id, payload) in std::mem::take(&mut self.results) {
            if wanted(id, &out) {
                out.push((id, payload));
            }
        }
        let deadline = std::time::Instant::now() + timeout;
        while out.len() < ids.len() {
            if self.reader.buffer().is_empty() && !self.poll_until(deadline)? {
                break;
            }
            let mut prefix = [0u8; 4];
            self.reader.read_exact(&mut prefix)?;
            match self.read_frame(prefix)? {
                ToWorker::TaskResult { id, payload } if wanted(id, &out) => out.push((id, payload)),
                ToWorker::TaskResult { .. } => {}
                ToWorker::Stop => self.retiring = true,
                _ => return Err(LinkError::Unexpected("a frame other than TaskResult")),
            }
        }
        Ok(out)
    }

    /// Waits for input until `deadline`; false when none came.
    fn poll_until(&self, deadline: std::time::Instant) -> Result<bool, LinkError> {
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            // Rounded up, so a wait of 0.4 ms does not become a busy poll of 0 ms.
            let ms = PollTimeout::try_from(left.as_micros().div_ceil(1000).min(i32::MAX as u128) as i32).unwrap_or(PollTimeout::MAX);
            let mut fds = [PollFd::new(self.reader.get_ref().as_fd(), PollFlags::POLLIN)];
            match poll(&mut fds, ms) {
                Ok(0) => return Ok(false),
                Ok(_) => return Ok(true),
                Err(nix::errno::Errno::EINTR) => {}
                Err(e) => return Err(LinkError::Io(e.into())),
            }
        }
    }

    /// Swoole's `sendMessage()`: a message for process `dst`'s `onPipeMessage`; one-way.
    pub fn pipe_message(&mut self, dst: u32, payload: Bytes) -> Result<(), LinkError> {
        self.send(&ToMaster::PipeMessage { dst, payload })
    }

    /// Waits up to `timeout` for the master's next message, without taking it: true when
    /// `recv` has something (or nothing more) to say at once, false on timeout or when a
    /// signal came, so that PHP can run its handler. An idle worker with timers waits here.
    pub fn poll_input(&mut self, timeout: Duration) -> Result<bool, LinkError> {
        if self.retiring || self.stashed.is_some() || !self.reader.buffer().is_empty() {
            return Ok(true);
        }
        if let Some(local) = &self.local {
            if local.front.inbox.has_work() || local.draining {
                return Ok(true);
            }
            let ms = PollTimeout::try_from(timeout.as_millis().min(i32::MAX as u128) as i32).unwrap_or(PollTimeout::MAX);
            let master = (!local.master_gone).then(|| self.reader.get_ref().as_fd());
            let woken = local.front.inbox.wait(master, ms)?;
            return Ok(woken.master || local.front.inbox.has_work());
        }
        let ms = PollTimeout::try_from(timeout.as_millis().min(i32::MAX as u128) as i32).unwrap_or(PollTimeout::MAX);
        let mut fds = [PollFd::new(self.reader.get_ref().as_fd(), PollFlags::POLLIN)];
        match poll(&mut fds, ms) {
            Ok(n) => Ok(n > 0),
            Err(nix::errno::Errno::EINTR) => Ok(false),
            Err(e) => Err(LinkError::Io(e.into())),
        }
    }

    /// For a process that takes no requests (the timer): waits up to `timeout` for the
    /// master's `Stop`; true once it came (now or earlier), false on timeout.
    pub fn wait_stop(&mut self, timeout: Duration) -> Result<bool, LinkError> {
        if self.retiring {
            return Ok(true);
        }
        let deadline = std::time::Instant::now() + timeout;
        loop {
            if self.reader.buffer().is_empty() {
                let left = deadline.saturating_duration_since(std::time::Instant::now());
                let ms = PollTimeout::try_from(left.as_millis().min(i32::MAX as u128) as i32).unwrap_or(PollTimeout::MAX);
                let mut fds = [PollFd::new(self.reader.get_ref().as_fd(), PollFlags::POLLIN)];
                match poll(&mut fds, ms) {
                    Ok(0) => return Ok(false),
                    Ok(_) => {}
                    Err(nix::errno::Errno::EINTR) => continue,
                    Err(e) => return Err(LinkError::Io(e.into())),
                }
            }
            let mut prefix = [0u8; 4];
            match self.reader.read_exact(&mut prefix) {
                Ok(()) => {}
                // The master is gone: as good as a stop.
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(true),
                Err(e) => return Err(e.into()),
            }
            if let ToWorker::Stop = self.read_frame(prefix)? {
                self.retiring = true;
                return Ok(true);
            }
        }
    }

    /// Marks the link busy for a process that runs on its own schedule (the timer), so it
    /// may deliver tasks at any time.
    pub fn run_unprompted(&mut self) {
        self.exchange = Exchange::Unprompted;
    }

    /// Sends a result of the running task to its sender now (Swoole's `finish()`); the
    /// task goes on.
    pub fn task_finish(&mut self, payload: Bytes) -> Result<(), LinkError> {
        self.expect(Exchange::Task)?;
        self.send(&ToMaster::TaskFinish { payload })
    }

    /// Ends a task; `payload` (the task again) goes to `origin` for its `finish()`.
    pub fn task_done(&mut self, payload: Option<Bytes>, origin: Option<u32>) -> Result<(), LinkError> {
        self.expect(Exchange::Task)?;
        let retire = self.finish_exchange();
        self.send(&ToMaster::TaskDone { payload, origin, retire })
    }

    /// Ends a WebSocket event.
    pub fn event_done(&mut self) -> Result<(), LinkError> {
        self.expect(Exchange::Event)?;
        let retire = self.finish_exchange();
        self.send(&ToMaster::EventDone { retire })
    }

    /// Sends a message to WebSocket connection `fd`, from whatever this process is doing.
    /// The master does not answer: whether `fd` can take it is read from the shared
    /// client list by the caller.
    pub fn push(&mut self, fd: u64, opcode: u8, data: Bytes) -> Result<(), LinkError> {
        self.send(&ToMaster::Push { fd, opcode, data })
    }

    /// Sends a message to every established WebSocket connection of `audience`, on every
    /// instance with `websocket.cluster` (`pushAll()`, `pushToUid()`). Never answered.
    pub fn fanout(&mut self, audience: crate::cluster::Audience, opcode: u8, data: Bytes) -> Result<(), LinkError> {
        self.send(&ToMaster::Fanout { audience, opcode, data })
    }

    /// Publishes an event to Pusher channels (the `laravels` broadcaster); one-way.
    pub fn publish(&mut self, channels: Vec<String>, event: String, data: String, except: Option<String>) -> Result<(), LinkError> {
        self.send(&ToMaster::Publish { channels, event, data, except })
    }

    /// Sends a UDP datagram from extra port `port`.
    pub fn send_to(&mut self, port: u32, address: String, remote_port: u16, data: Bytes) -> Result<(), LinkError> {
        self.send(&ToMaster::SendTo { port, address, remote_port, data })
    }

    /// Closes connection `fd`: with a close frame when `code` is set, else at once.
    pub fn disconnect(&mut self, fd: u64, code: Option<u16>, reason: String) -> Result<(), LinkError> {
        self.send(&ToMaster::Disconnect { fd, code, reason })
    }

    /// Ends a task's `finish()`.
    pub fn finish_done(&mut self) -> Result<(), LinkError> {
        self.expect(Exchange::Finish)?;
        let retire = self.finish_exchange();
        self.send(&ToMaster::FinishDone { retire })
    }

    /// Under load the next request follows the last response within microseconds; polling
    /// for it briefly keeps the worker off the scheduler's sleep and wake-up path, which
    /// costs more than the request itself for small handlers.
    /// Whether input came.
    fn wait_briefly_for_input(&self) -> bool {
        let fd = self.reader.get_ref().as_fd();
        let started = std::time::Instant::now();
        while started.elapsed() < SPIN {
            let mut fds = [PollFd::new(fd, PollFlags::POLLIN)];
            if poll(&mut fds, PollTimeout::ZERO).is_ok_and(|n| n > 0) {
                return true;
            }
            std::thread::yield_now();
        }
        false
    }

    /// Sleeps until the master sends something (or goes away). In `poll()`, not in
    /// `read()`: a reader asleep in `read()` waits on the socket's one wait queue, which
    /// the master's reading of this worker's last response also wakes (the freed send
    /// buffer is write space), so every response read after the worker fell asleep woke
    /// it for nothing, a cross-CPU wake-up paid by the master; `poll()` for input only
    /// is not woken by write space. Measured in docs/benchmarks.md (issue 18).
    fn wait_for_input(&self) -> io::Result<()> {
        let fd = self.reader.get_ref().as_fd();
        loop {
            let mut fds = [PollFd::new(fd, PollFlags::POLLIN)];
            match poll(&mut fds, PollTimeout::NONE) {
                Ok(_) => return Ok(()),
                Err(nix::errno::Errno::EINTR) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Sends a whole response.
    pub fn respond(&mut self, status: u16, reason: Option<String>, headers: Vec<Header>, body: Bytes) -> Result<(), LinkError> {
        self.expect(Exchange::Received)?;
        let retire = self.finish_exchange();
        if let Some(handed) = self.local.as_mut().and_then(|l| l.handed.take()) {
            handed.head(status, reason, headers, body, true);
            drop(handed);
            self.after_front_response(retire);
            return Ok(());
        }
        self.send(&ToMaster::Response { status, reason, headers, body, complete: true, retire })
    }

    /// Sends the head of a streamed response; `write` and `end` follow.
    pub fn start_stream(&mut self, status: u16, reason: Option<String>, headers: Vec<Header>) -> Result<(), LinkError> {
        self.expect(Exchange::Received)?;
        self.exchange = Exchange::Streaming;
        if let Some(handed) = self.local.as_ref().and_then(|l| l.handed.as_ref()) {
            handed.head(status, reason, headers, Bytes::new(), false);
            return Ok(());
        }
        self.send(&ToMaster::Response { status, reason, headers, body: Bytes::new(), complete: false, retire: Retire::Stays })
    }

    /// Sends one piece of a streamed body, at once.
    pub fn write(&mut self, data: Bytes) -> Result<(), LinkError> {
        self.expect(Exchange::Streaming)?;
        if data.is_empty() {
            return Ok(());
        }
        if let Some(handed) = self.local.as_ref().and_then(|l| l.handed.as_ref()) {
            handed.chunk(data);
            return Ok(());
        }
        self.send(&ToMaster::Chunk(data))
    }

    /// Ends a streamed body.
    pub fn end(&mut self) -> Result<(), LinkError> {
        self.expect(Exchange::Streaming)?;
        let retire = self.finish_exchange();
        if let Some(handed) = self.local.as_mut().and_then(|l| l.handed.take()) {
            drop(handed);
            self.after_front_response(retire);
            return Ok(());
        }
        self.send(&ToMaster::End { retire })
    }

    fn expect(&self, state: Exchange) -> Result<(), LinkError> {
        match (self.exchange, state) {
            (a, b) if a == b => Ok(()),
            (Exchange::Idle, _) => Err(LinkError::NoRequest),
            (Exchange::Streaming, Exchange::Received) => Err(LinkError::HeadSent),
            _ => Err(LinkError::WrongState),
        }
    }

    /// Closes the current exchange and decides whether this worker retires after it.
    fn finish_exchange(&mut self) -> Retire {
        self.exchange = Exchange::Idle;
        self.served += 1;
        let retire = if self.leaving {
            Retire::Ending
        } else if self.limits.max_request > 0 && self.served >= self.limits.max_request {
            Retire::MaxRequest
        } else if self.limits.memory_limit.is_some_and(|limit| peak_rss_bytes() > limit) {
            Retire::Memory
        } else {
            Retire::Stays
        };
        self.retiring = retire.leaves();
        self.why = retire;
        retire
    }

    /// Marks this worker as leaving: the response in progress tells the master so, and
    /// `recv` yields nothing more. Used when the process is ending (exit, fatal error).
    pub fn leave_after_this_response(&mut self) {
        self.leaving = true;
    }

    /// Why this worker is retiring, for its last log line.
    pub fn retire_reason(&self) -> Option<&'static str> {
        if !self.retiring {
            return None;
        }
        Some(match self.why {
            Retire::Ending => "the process is ending",
            Retire::MaxRequest => "max_request reached",
            Retire::Memory => "worker_memory_limit passed",
            Retire::Stays => "the master asked it to stop",
        })
    }

    fn send(&mut self, msg: &ToMaster) -> Result<(), LinkError> {
        self.writer.write_all(&ipc::encode_to_master(msg))?;
        self.writer.flush()?;
        ipc::doorbell::ring();
        Ok(())
    }
}
