//! Jobs and the queues that carry them from connections to worker slots.
//!
//! `dispatch_mode` 3 puts every job in one shared queue that idle workers pull from, so a
//! request never waits behind a busy worker while another is idle. Modes 1 and 2 pick a
//! worker slot up front (in turn, or by connection) and use that slot's own queue; a slot
//! outlives the process in it, so a replaced worker takes over its queue.

use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use tokio::sync::mpsc;

use super::upload::TempFiles;
use crate::config::DispatchMode;
use crate::ipc::{Form, Header, RequestHead};

/// A request waiting for, or being handled by, a worker.
pub struct Job {
    pub head: RequestHead,
    pub body: Bytes,
    pub form: Option<Form>,
    /// Spooled upload files, removed when the job is dropped.
    pub uploads: TempFiles,
    /// Where the worker's answer goes, part by part.
    pub reply: mpsc::Sender<Reply>,
    pub connection: u64,
    pub kind: JobKind,
}

/// Who handles a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// The application, through Laravel's kernel.
    App,
    /// A WebSocket handshake on port `port`: the worker runs `onOpen` and answers 101.
    Open { port: u32 },
    /// The `onRequest` of the Http handler of extra port `port`.
    PortHttp { port: u32 },
}

/// The head of a worker's response.
#[derive(Debug)]
pub struct ReplyHead {
    pub status: u16,
    pub reason: Option<String>,
    pub headers: Vec<Header>,
    /// The whole body when `complete`, else the first part (maybe empty).
    pub body: Bytes,
    pub complete: bool,
}

/// A part of the answer to a job, in order: one `Head`, then for streams `Chunk`s; or a
/// `Failed` status when no worker answered.
#[derive(Debug)]
pub enum Reply {
    Head(ReplyHead),
    Chunk(Bytes),
    Failed(Failure),
}

/// Why a job got no answer from PHP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The worker died while handling the request (502).
    WorkerLost,
    /// The request ran past `max_request_time` (504).
    Deadline,
}

impl Failure {
    pub fn status(self) -> u16 {
        match self {
            Failure::WorkerLost => 502,
            Failure::Deadline => 504,
        }
    }
}

/// What an HTTP worker is asked to do.
pub enum Work {
    Request(Job),
    /// Run `finish()` of a task this worker delivered (the task, serialized).
    Finish(Bytes),
    /// A WebSocket message or close for the handler.
    Event(EventJob),
}

/// Something that happened on a WebSocket connection or an extra port, for its handler.
#[derive(Debug)]
pub enum SocketEvent {
    Frame {
        opcode: u8,
        data: Bytes,
    },
    Close,
    Connect,
    Receive(Bytes),
    /// The output queue passed half of `buffer_output_size` (true) or drained (false).
    Buffer(bool),
    Packet {
        address: String,
        remote_port: u16,
        data: Bytes,
    },
}

/// An event and who waits for the handler to finish it (the connection reads its next
/// message only then, so messages reach the handler in order).
#[derive(Debug)]
pub struct EventJob {
    /// The connection; for a UDP packet, a number derived from the sender's address, so
    /// `dispatch_mode` 2 keeps one sender on one worker.
    pub fd: u64,
    pub port: u32,
    pub event: SocketEvent,
    /// Dropped unsent if the worker died: the waiter goes on either way.
    pub done: tokio::sync::oneshot::Sender<()>,
}

type Queue<T> = (async_channel::Sender<T>, async_channel::Receiver<T>);

pub struct Dispatcher {
    mode: DispatchMode,
    shared: Queue<Work>,
    slots: Vec<Queue<Work>>,
    turn: AtomicUsize,
}

/// What a slot reads jobs from.
pub struct SlotQueues {
    pub own: async_channel::Receiver<Work>,
    /// The shared queue in mode 3.
    pub shared: Option<async_channel::Receiver<Work>>,
}

impl Dispatcher {
    pub fn new(mode: DispatchMode, worker_num: u32) -> Self {
        Dispatcher { mode, shared: async_channel::unbounded(), slots: (0..worker_num).map(|_| async_channel::unbounded()).collect(), turn: AtomicUsize::new(0) }
    }

    /// Sends a finished task back to the HTTP worker that delivered it (`slot/task.rs`).
    pub fn finish(&self, origin: u32, payload: Bytes) {
        if let Some(slot) = self.slots.get(origin as usize) {
            let _ = slot.0.try_send(Work::Finish(payload));
        }
    }

    /// Queues a job for a worker.
    pub fn submit(&self, job: Job) {
        let queue = self.queue_for(job.connection);
        // The receivers live as long as the dispatcher, so the queue cannot be closed.
        let _ = queue.0.try_send(Work::Request(job));
    }

    /// Queues a WebSocket event, by the same rule as the connection's requests.
    pub fn submit_event(&self, job: EventJob) {
        let _ = self.queue_for(job.fd).0.try_send(Work::Event(job));
    }

    fn queue_for(&self, connection: u64) -> &Queue<Work> {
        match self.mode {
            DispatchMode::Idle => &self.shared,
            DispatchMode::RoundRobin => &self.slots[self.turn.fetch_add(1, Ordering::Relaxed) % self.slots.len()],
            DispatchMode::FixedByConnection => &self.slots[(connection % self.slots.len() as u64) as usize],
        }
    }

    /// The queues worker slot `worker_id` serves; `None` for an id out of range.
    pub fn queues_for(&self, worker_id: u32) -> Option<SlotQueues> {
        let own = self.slots.get(worker_id as usize)?.1.clone();
        let shared = (self.mode == DispatchMode::Idle).then(|| self.shared.1.clone());
        Some(SlotQueues { own, shared })
    }

    /// Jobs not yet taken by any worker.
    pub fn queued(&self) -> usize {
        self.shared.0.len() + self.slots.iter().map(|q| q.0.len()).sum::<usize>()
    }
}

impl SlotQueues {
    /// The next job for this slot, from its own queue first.
    pub async fn next(&self) -> Work {
        if let Ok(job) = self.own.try_recv() {
            return job;
        }
        match &self.shared {
            Some(shared) => tokio::select! {
                Ok(job) = self.own.recv() => job,
                Ok(job) = shared.recv() => job,
            },
            None => self.own.recv().await.expect("the dispatcher keeps its queues open"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(w: Work) -> String {
        match w {
            Work::Request(j) => j.head.uri,
            Work::Finish(_) => "finish".into(),
            Work::Event(e) => format!("event {}", e.fd),
        }
    }

    fn job(connection: u64) -> (Job, mpsc::Receiver<Reply>) {
        let (tx, rx) = mpsc::channel(1);
        let head = RequestHead {
            method: "GET".into(),
            uri: format!("/{connection}"),
            protocol: "HTTP/1.1",
            headers: vec![],
            remote_addr: String::new(),
            remote_port: 0,
            server_addr: String::new(),
            server_port: 0,
            https: false,
            time: 0.0,
        };
        (Job { head, body: Bytes::new(), form: None, uploads: TempFiles::default(), reply: tx, connection, kind: JobKind::App }, rx)
    }

    #[tokio::test]
    async fn idle_mode_shares_one_queue() {
        let d = Dispatcher::new(DispatchMode::Idle, 2);
        d.submit(job(1).0);
        d.submit(job(2).0);
        let (a, b) = (d.queues_for(0).unwrap(), d.queues_for(1).unwrap());
        assert_eq!(uri(a.next().await), "/1");
        assert_eq!(uri(b.next().await), "/2");
        assert!(d.queues_for(2).is_none());
    }

    #[tokio::test]
    async fn fixed_mode_keeps_a_connection_on_one_slot() {
        let d = Dispatcher::new(DispatchMode::FixedByConnection, 3);
        for _ in 0..3 {
            d.submit(job(4).0);
        }
        let q = d.queues_for(1).unwrap();
        assert_eq!(d.queued(), 3);
        for _ in 0..3 {
            assert_eq!(uri(q.next().await), "/4");
        }
        assert_eq!(d.queued(), 0);
        let (done, _rx) = tokio::sync::oneshot::channel();
        d.submit_event(EventJob { fd: 4, port: 0, event: SocketEvent::Close, done });
        assert_eq!(uri(q.next().await), "event 4", "a connection's events follow its requests to one worker");
    }

    #[tokio::test]
    async fn round_robin_spreads_jobs() {
        let d = Dispatcher::new(DispatchMode::RoundRobin, 2);
        for c in 0..4 {
            d.submit(job(c).0);
        }
        let (a, b) = (d.queues_for(0).unwrap(), d.queues_for(1).unwrap());
        assert_eq!(uri(a.next().await), "/0");
        assert_eq!(uri(b.next().await), "/1");
        assert_eq!(uri(a.next().await), "/2");
        assert_eq!(uri(b.next().await), "/3");
    }

    #[tokio::test]
    async fn a_finished_task_goes_back_to_its_origin_slot() {
        let d = Dispatcher::new(DispatchMode::Idle, 2);
        d.finish(1, Bytes::from_static(b"t"));
        let q = d.queues_for(1).unwrap();
        assert_eq!(uri(q.next().await), "finish");
    }
}
