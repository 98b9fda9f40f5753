//! The queues that carry jobs (`job.rs`) from connections to HTTP worker slots.
//!
//! `dispatch_mode` 3 puts every job in one shared queue that idle workers pull from, so a
//! request never waits behind a busy worker while another is idle. Modes 1, 2, 4 and 5 pick
//! a worker slot up front (in turn, by connection, by client IP, by the uid `bind()` gave
//! the connection, read from the shared client list) and use that slot's own queue; a slot
//! outlives the process in it, so a replaced worker takes over its queue.
//!
//! Requests are admitted by the overload policy (`queue`): while `queue.max_requests`
//! wait, the next one is refused (the connection answers 503 at once), and a request
//! that waited `queue.max_wait_seconds` is withdrawn by its connection (`deadline.rs`).
//! Each queue is FIFO, so when a worker frees up it takes the oldest request.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::oneshot;

use super::deadline::Deadline;
use super::job::{EventJob, Job, Ticket};
use super::upload::TempFiles;
use crate::clients::Clients;
use crate::config::{DispatchMode, QueuePolicy};
use crate::ipc::ToWorker;

/// What an HTTP worker is asked to do.
pub enum Work {
    /// An HTTP request (or a WebSocket handshake) for the application or a port's handler.
    Request(Job),
    /// Run `finish()` of a task this worker delivered (the task, serialized).
    Finish(Bytes),
    /// A WebSocket or extra port's event for its handler.
    Event(EventJob),
    /// A `sendMessage()` from another process, for this worker's `onPipeMessage` handlers.
    Pipe(Bytes),
}

type Queue<T> = (async_channel::Sender<T>, async_channel::Receiver<T>);

/// Every HTTP worker slot's queue and the shared one, and the rule (`dispatch_mode`) that
/// picks one for each job.
pub struct Dispatcher {
    mode: DispatchMode,
    shared: Queue<Work>,
    slots: Vec<Queue<Work>>,
    turn: AtomicUsize,
    policy: QueuePolicy,
    /// Requests queued and not yet taken nor withdrawn (`Deadline` keeps it).
    waiting: Arc<AtomicUsize>,
    /// Requests refused because the queue was full, and withdrawn after waiting too long.
    shed: AtomicU64,
}

/// The queue is full (`queue.max_requests`): the request was not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueFull;

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
    pub fn new(mode: DispatchMode, worker_num: u32, policy: QueuePolicy) -> Self {
        Dispatcher {
            mode,
            shared: async_channel::unbounded(),
            slots: (0..worker_num).map(|_| async_channel::unbounded()).collect(),
            turn: AtomicUsize::new(0),
            policy,
            waiting: Arc::new(AtomicUsize::new(0)),
            shed: AtomicU64::new(0),
        }
    }

    /// Queues a request for a worker if fewer than `queue.max_requests` wait, due within
    /// `limit` (`max_request_time`); the ticket its connection waits on, or `QueueFull`.
    pub fn enqueue(&self, frame: ToWorker, connection: u64, uploads: TempFiles, limit: Option<Duration>) -> Result<Ticket, QueueFull> {
        let max = self.policy.max_requests.unwrap_or(usize::MAX);
        if self.waiting.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| (n < max).then_some(n + 1)).is_err() {
            return Err(QueueFull);
        }
        let deadline = Deadline::queued(limit, self.policy.max_wait, self.waiting.clone());
        let (job, ticket) = Job::new(frame, connection, uploads, deadline);
        self.submit(job);
        Ok(ticket)
    }

    /// Counts a request the overload policy answered with 503 (`overload.rs`).
    pub fn count_shed(&self) {
        self.shed.fetch_add(1, Ordering::Relaxed);
    }

    /// Requests refused or given up by the overload policy since the start.
    pub fn shed(&self) -> u64 {
        self.shed.load(Ordering::Relaxed)
    }

    /// Requests waiting for a worker.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::SeqCst)
    }

    /// Whether the queue is full: the next request would be refused.
    pub fn saturated(&self) -> bool {
        self.policy.max_requests.is_some_and(|max| self.waiting() >= max)
    }

    /// Sends a finished task back to the HTTP worker slot that delivered it (`slot/task.rs`).
    pub fn finish(&self, origin: u32, payload: Bytes) {
        if let Some(slot) = self.slots.get(origin as usize) {
            let _ = slot.0.try_send(Work::Finish(payload));
        }
    }

    /// Queues a `sendMessage()` for HTTP worker slot `index`; false when there is none.
    pub fn pipe(&self, index: u32, payload: Bytes) -> bool {
        self.slots.get(index as usize).is_some_and(|slot| slot.0.try_send(Work::Pipe(payload)).is_ok())
    }

    /// Queues a job already admitted (`enqueue`), or one handed back by a slot whose
    /// worker died before it could read it.
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
        let by = |key: u64| &self.slots[(key % self.slots.len() as u64) as usize];
        match self.mode {
            DispatchMode::Idle => &self.shared,
            DispatchMode::RoundRobin => &self.slots[self.turn.fetch_add(1, Ordering::Relaxed) % self.slots.len()],
            DispatchMode::FixedByConnection => by(connection),
            DispatchMode::ByIp => by(Clients::shared().and_then(|c| c.info(connection)).map_or(connection, |info| ip_key(&info.remote_ip))),
            DispatchMode::ByUid => by(Clients::shared().and_then(|c| c.info(connection)).map(|info| info.uid).filter(|&uid| uid != 0).unwrap_or(connection)),
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

/// The key `dispatch_mode` 4 takes a client's worker by: an IPv4 address as its 32-bit
/// number (as Swoole does), an IPv6 one folded to 64 bits; a unix-socket peer (no address)
/// is 0.
fn ip_key(ip: &str) -> u64 {
    match ip.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(v4)) => u64::from(u32::from(v4)),
        Ok(std::net::IpAddr::V6(v6)) => {
            let n = u128::from(v6);
            (n >> 64) as u64 ^ n as u64
        }
        Err(_) => 0,
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
    use crate::reactor::job::{Failure, Reply, ReplyHead};

    fn uri(w: Work) -> String {
        match w {
            Work::Request(job) => match job.take().map(|p| p.frame) {
                Some(ToWorker::Request(r)) => r.head.uri,
                Some(_) => "another frame".into(),
                None => "withdrawn".into(),
            },
            Work::Finish(_) => "finish".into(),
            Work::Pipe(_) => "pipe".into(),
            Work::Event(e) => format!("event {}", e.fd),
        }
    }

    fn frame(connection: u64) -> ToWorker {
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
        ToWorker::Request(Request { head, body: Bytes::new(), form: None })
    }

    /// Queues a job for `connection` outside the overload policy; its connection waits
    /// on the ticket (dropped, it withdraws the job).
    fn submit(d: &Dispatcher, connection: u64) -> Ticket {
        let (job, ticket) = Job::new(frame(connection), connection, TempFiles::default(), Deadline::queued(None, None, Arc::default()));
        d.submit(job);
        ticket
    }

    fn bounded(max_requests: Option<usize>, max_wait: Option<u64>) -> Dispatcher {
        Dispatcher::new(DispatchMode::Idle, 2, QueuePolicy { max_requests, max_wait: max_wait.map(Duration::from_secs) })
    }

    /// What a slot does with the next request: takes it, unless its connection withdrew it.
    async fn take_next(q: &SlotQueues) -> Option<String> {
        match q.next().await {
            Work::Request(job) => job.take().and_then(|p| match p.frame {
                ToWorker::Request(r) => Some(r.head.uri),
                _ => None,
            }),
            _ => None,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_full_queue_refuses_the_next_request_at_once() {
        let d = bounded(Some(3), None);
        let tickets: Vec<_> = (1..=3).map(|c| d.enqueue(frame(c), c, TempFiles::default(), None).unwrap()).collect();
        assert!(d.saturated());
        assert_eq!(d.enqueue(frame(4), 4, TempFiles::default(), None).err(), Some(QueueFull), "the 4th over a bound of 3");
        assert_eq!(d.waiting(), 3, "the refused one is not queued");
        let q = d.queues_for(0).unwrap();
        assert_eq!(take_next(&q).await.as_deref(), Some("/1"), "a worker takes the oldest");
        assert!(!d.saturated(), "a taken request frees its place");
        assert!(d.enqueue(frame(5), 5, TempFiles::default(), None).is_ok());
        drop(tickets);
        let unbounded = bounded(None, None);
        let _many: Vec<_> = (0..5000).map(|c| unbounded.enqueue(frame(c), c, TempFiles::default(), None).unwrap()).collect();
        assert!(!unbounded.saturated(), "0: no bound");
    }

    #[tokio::test(start_paused = true)]
    async fn queued_requests_are_taken_in_the_order_sent() {
        let d = bounded(Some(10), Some(30));
        let _tickets: Vec<_> = (1..=5).map(|c| d.enqueue(frame(c), c, TempFiles::default(), None).unwrap()).collect();
        let (a, b) = (d.queues_for(0).unwrap(), d.queues_for(1).unwrap());
        let mut order = Vec::new();
        for q in [&a, &b, &b, &a, &a] {
            order.push(take_next(q).await.unwrap());
        }
        assert_eq!(order, ["/1", "/2", "/3", "/4", "/5"]);
        assert_eq!(d.waiting(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_waiting_past_max_wait_gets_queue_wait_and_never_reaches_a_worker() {
        let d = bounded(Some(3), Some(2));
        let mut ticket = d.enqueue(frame(1), 1, TempFiles::default(), Some(Duration::from_secs(60))).unwrap();
        let started = tokio::time::Instant::now();
        let first = ticket.first().await;
        assert!(matches!(first, Some(Reply::Failed(Failure::QueueWait))), "{first:?}");
        assert_eq!(started.elapsed(), Duration::from_secs(2), "answered at the bound, not later");
        assert_eq!(d.waiting(), 0, "a withdrawn request no longer counts");
        assert_eq!(take_next(&d.queues_for(0).unwrap()).await, None, "no worker gets it");
    }

    #[tokio::test(start_paused = true)]
    async fn max_request_time_below_max_wait_still_answers_504() {
        let d = bounded(Some(3), Some(30));
        let mut ticket = d.enqueue(frame(1), 1, TempFiles::default(), Some(Duration::from_secs(1))).unwrap();
        assert!(matches!(ticket.first().await, Some(Reply::Failed(Failure::Deadline))));
    }

    #[tokio::test(start_paused = true)]
    async fn a_taken_request_outlives_the_wait_bound() {
        let d = bounded(Some(3), Some(2));
        let mut ticket = d.enqueue(frame(1), 1, TempFiles::default(), None).unwrap();
        let Work::Request(job) = d.queues_for(0).unwrap().next().await else { panic!("a request") };
        assert!(job.deadline.take());
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(10)).await;
            let head = ReplyHead { status: 200, reason: None, headers: vec![], body: Bytes::new(), complete: true };
            job.reply.send(Reply::Head(head)).await.unwrap();
        });
        assert!(matches!(ticket.first().await, Some(Reply::Head(h)) if h.status == 200), "the wait bound is for the queue only");
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_whose_client_left_is_dropped_before_a_worker() {
        let d = bounded(Some(3), Some(30));
        let gone = d.enqueue(frame(1), 1, TempFiles::default(), None).unwrap();
        let _kept = d.enqueue(frame(2), 2, TempFiles::default(), None).unwrap();
        drop(gone);
        assert_eq!(d.waiting(), 1, "its place is freed at once");
        let q = d.queues_for(0).unwrap();
        assert_eq!(take_next(&q).await, None, "the slot skips it");
        assert_eq!(take_next(&q).await.as_deref(), Some("/2"));
    }

    /// A body whose memory is freed when `freed` turns true.
    struct Tracked(Arc<std::sync::atomic::AtomicBool>, Vec<u8>);
    impl AsRef<[u8]> for Tracked {
        fn as_ref(&self) -> &[u8] {
            &self.1
        }
    }
    impl Drop for Tracked {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    /// A request with a 1 MiB body and a spooled upload file; what tells they are freed.
    fn heavy(connection: u64, name: &str) -> (ToWorker, TempFiles, Arc<std::sync::atomic::AtomicBool>, std::path::PathBuf) {
        let freed = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let ToWorker::Request(mut r) = frame(connection) else { unreachable!() };
        r.body = Bytes::from_owner(Tracked(freed.clone(), vec![7; 1 << 20]));
        let file = std::env::temp_dir().join(format!("laravels-withdrawn-{name}-{}", std::process::id()));
        std::fs::write(&file, b"upload").unwrap();
        (ToWorker::Request(r), TempFiles::adopt(vec![file.clone()]), freed, file)
    }

    #[tokio::test(start_paused = true)]
    async fn a_withdrawn_request_frees_its_body_and_files_at_once_and_counts_nowhere() {
        let d = bounded(Some(2), Some(5));
        // Its client left while it was queued.
        let (request, uploads, freed, file) = heavy(1, "left");
        let gone = d.enqueue(request, 1, uploads, None).unwrap();
        drop(gone);
        assert!(freed.load(Ordering::SeqCst), "the body is freed before any worker pops the entry");
        assert!(!file.exists(), "the spooled upload is removed");
        // It waited past queue.max_wait_seconds and got its 503.
        let (request, uploads, freed, file) = heavy(2, "waited");
        let mut waited = d.enqueue(request, 2, uploads, None).unwrap();
        assert!(matches!(waited.first().await, Some(Reply::Failed(Failure::QueueWait))));
        assert!(freed.load(Ordering::SeqCst) && !file.exists(), "freed as the 503 is answered");
        // Neither counts against queue.max_requests, though both entries are still queued.
        assert_eq!((d.waiting(), d.queued()), (0, 2));
        let kept: Vec<_> = (3..=4).map(|c| d.enqueue(frame(c), c, TempFiles::default(), None).unwrap()).collect();
        assert!(d.saturated(), "the two places are the live requests'");
        let q = d.queues_for(0).unwrap();
        assert_eq!(take_next(&q).await, None);
        assert_eq!(take_next(&q).await, None);
        assert_eq!(take_next(&q).await.as_deref(), Some("/3"));
        drop(kept);
    }

    #[tokio::test(start_paused = true)]
    async fn a_taken_request_keeps_its_body_for_the_worker() {
        let d = bounded(Some(2), None);
        let (request, uploads, freed, file) = heavy(1, "taken");
        let ticket = d.enqueue(request, 1, uploads, None).unwrap();
        let Work::Request(job) = d.queues_for(0).unwrap().next().await else { panic!("a request") };
        let payload = job.take().expect("queued");
        drop(ticket);
        assert!(!freed.load(Ordering::SeqCst) && file.exists(), "the client leaving does not take it from the slot");
        assert!(!job.holds_payload());
        // Handed back (its worker died before reading it): queued again, with its body.
        assert!(job.put_back(payload));
        assert!(job.holds_payload());
        drop(job);
        assert!(freed.load(Ordering::SeqCst) && !file.exists());
    }

    #[tokio::test]
    async fn idle_mode_shares_one_queue() {
        let d = Dispatcher::new(DispatchMode::Idle, 2, QueuePolicy::default());
        let _waiting = [submit(&d, 1), submit(&d, 2)];
        let (a, b) = (d.queues_for(0).unwrap(), d.queues_for(1).unwrap());
        assert_eq!(uri(a.next().await), "/1");
        assert_eq!(uri(b.next().await), "/2");
        assert!(d.queues_for(2).is_none());
    }

    #[tokio::test]
    async fn fixed_mode_keeps_a_connection_on_one_slot() {
        let d = Dispatcher::new(DispatchMode::FixedByConnection, 3, QueuePolicy::default());
        let _waiting: Vec<_> = (0..3).map(|_| submit(&d, 4)).collect();
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
        let d = Dispatcher::new(DispatchMode::RoundRobin, 2, QueuePolicy::default());
        let _waiting: Vec<_> = (0..4).map(|c| submit(&d, c)).collect();
        let (a, b) = (d.queues_for(0).unwrap(), d.queues_for(1).unwrap());
        assert_eq!(uri(a.next().await), "/0");
        assert_eq!(uri(b.next().await), "/1");
        assert_eq!(uri(a.next().await), "/2");
        assert_eq!(uri(b.next().await), "/3");
    }

    #[tokio::test]
    async fn a_finished_task_goes_back_to_its_origin_slot() {
        let d = Dispatcher::new(DispatchMode::Idle, 2, QueuePolicy::default());
        d.finish(1, Bytes::from_static(b"t"));
        let q = d.queues_for(1).unwrap();
        assert_eq!(uri(q.next().await), "finish");
    }

    #[test]
    fn dispatch_mode_4_keys_a_client_by_its_address() {
        assert_eq!(super::ip_key("127.0.0.1"), 0x7f00_0001);
        assert_eq!(super::ip_key("127.0.0.2") % 2, 0);
        assert_eq!(super::ip_key("127.0.0.1") % 2, 1);
        assert_eq!(super::ip_key("::1"), 1);
        assert_eq!(super::ip_key(""), 0, "a unix-socket peer");
    }
}
