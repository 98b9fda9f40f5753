//! The queues that carry jobs (`job.rs`) from connections to HTTP worker slots.
//!
//! `dispatch_mode` 3 puts every job in one shared queue that idle workers pull from, so a
//! request never waits behind a busy worker while another is idle. Modes 1 and 2 pick a
//! worker slot up front (in turn, or by connection) and use that slot's own queue; a slot
//! outlives the process in it, so a replaced worker takes over its queue.

use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use tokio::sync::oneshot;

use super::job::{EventJob, Job};
use crate::config::DispatchMode;
use crate::ipc::ToWorker;

/// What an HTTP worker is asked to do.
pub enum Work {
    /// An HTTP request (or a WebSocket handshake) for the application or a port's handler.
    Request(Job),
    /// Run `finish()` of a task this worker delivered (the task, serialized).
    Finish(Bytes),
    /// A WebSocket or extra port's event for its handler.
    Event(EventJob),
}

type Queue<T> = (async_channel::Sender<T>, async_channel::Receiver<T>);

/// Every HTTP worker slot's queue and the shared one, and the rule (`dispatch_mode`) that
/// picks one for each job.
pub struct Dispatcher {
    mode: DispatchMode,
    shared: Queue<Work>,
    slots: Vec<Queue<Work>>,
    turn: AtomicUsize,
}

/// What a slot reads jobs from.
pub struct SlotQueues {
    /// The slot's own queue: its jobs in modes 1 and 2, and in any mode the `finish()` of
    /// the tasks its worker delivered.
    pub own: async_channel::Receiver<Work>,
    /// The shared queue in mode 3.
    pub shared: Option<async_channel::Receiver<Work>>,
}

impl Dispatcher {
    /// One slot per HTTP worker (`ProcessRole::Http`'s index).
    pub fn new(mode: DispatchMode, worker_num: u32) -> Self {
        Dispatcher { mode, shared: async_channel::unbounded(), slots: (0..worker_num).map(|_| async_channel::unbounded()).collect(), turn: AtomicUsize::new(0) }
    }

    /// Sends a finished task back to the HTTP worker slot that delivered it (`slot/task.rs`).
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

    /// Queues an event of connection `fd` (see `EventJob`) by the same rule as the
    /// connection's requests; the receiver completes when the handler is done with it.
    pub fn submit_event(&self, fd: u64, frame: ToWorker) -> oneshot::Receiver<()> {
        let (done, finished) = oneshot::channel();
        let _ = self.queue_for(fd).0.try_send(Work::Event(EventJob { fd, frame, done }));
        finished
    }

    fn queue_for(&self, connection: u64) -> &Queue<Work> {
        match self.mode {
            DispatchMode::Idle => &self.shared,
            DispatchMode::RoundRobin => &self.slots[self.turn.fetch_add(1, Ordering::Relaxed) % self.slots.len()],
            DispatchMode::FixedByConnection => &self.slots[(connection % self.slots.len() as u64) as usize],
        }
    }

    /// The queues HTTP worker slot `index` serves (`ProcessRole::Http { index }`); `None`
    /// past the last slot.
    pub fn queues_for(&self, index: u32) -> Option<SlotQueues> {
        let own = self.slots.get(index as usize)?.1.clone();
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
    use crate::ipc::{Request, RequestHead};
    use crate::reactor::job::Ticket;
    use crate::reactor::upload::TempFiles;

    fn uri(w: Work) -> String {
        match w {
            Work::Request(Job { frame: ToWorker::Request(r), .. }) => r.head.uri,
            Work::Request(_) => "another frame".into(),
            Work::Finish(_) => "finish".into(),
            Work::Event(e) => format!("event {}", e.fd),
        }
    }

    fn job(connection: u64) -> (Job, Ticket) {
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
        let frame = ToWorker::Request(Request { head, body: Bytes::new(), form: None });
        Job::new(frame, connection, TempFiles::default(), None)
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
        let _done = d.submit_event(4, ToWorker::Close { fd: 4, port: 0 });
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
