//! The front's relay: hands the front's requests to its PHP thread one at a time, and,
//! while that thread is held up by a long request, offers the waiting ones to another
//! worker (`sibling.rs`) and stops accepting connections while another worker is free.
//! While the current request is young, the next one already waits in the inbox, so the
//! PHP thread goes from one to the next without sleeping; it is taken back from there
//! when the current one holds the PHP thread up.
//!
//! The requests other fronts pass it join its queue (`sibling.rs`). It publishes its
//! PHP thread's state on the shared board (with the current request's label and the
//! requests answered, for `bin/laravels status`), observes each request's queue wait in
//! the shared metrics as the PHP thread takes it, and enforces `max_request_time`: past
//! a request's deadline its client gets 504 and the worker ends itself, as a master's
//! slot would kill it; the manager replaces it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{oneshot, Notify};
use tokio::time::Instant;

use super::board::{Board, HELD_UP_AFTER};
use super::handoff::{Handed, Inbox};
use super::sibling;
use crate::log;
use crate::reactor::dispatch::{SlotQueues, Work};
use crate::reactor::job::{Failure, Job, Reply};
use crate::reactor::Shared;

/// How often a held-up front looks at the board again for a free worker.
const LOOK_AGAIN: Duration = Duration::from_millis(1);

/// A request in the PHP thread's inbox: the next one, which the PHP thread finds as soon
/// as it is done with the one before.
struct InInbox {
    job: Job,
    finished: oneshot::Receiver<()>,
    /// The request's method and path, for the board once it runs.
    label: String,
}

/// The request the PHP thread runs.
struct Running {
    job: Job,
    finished: oneshot::Receiver<()>,
    since: Instant,
    /// `since` as `monotonic_ns`, the clock every process reads the board with.
    started_ns: u64,
}

pub(super) struct Relay {
    pub shared: Arc<Shared>,
    pub inbox: Arc<Inbox>,
    pub me: u32,
    /// The shared board; `None` when the master made none (then nothing is forwarded).
    pub board: Option<&'static Board>,
    /// When the front accepts connections; `None` with no board.
    pub gate: Option<Arc<super::gate::Gate>>,
    /// Set once the front stops: the board no longer shows this worker.
    pub leaving: Arc<AtomicBool>,
}

impl Relay {
    pub(super) async fn run(self) {
        let Some(queues) = self.shared.dispatcher.queues_for(0) else { return };
        // Told when a forwarded request is answered: its taker may be free again.
        let forwarded = Arc::new(Notify::new());
        let mut running: Option<Running> = None;
        // Handed behind `running` while that is young: the PHP thread takes it without a
        // wake-up. Taken back if `running` holds the PHP thread up, to be passed on.
        let mut next: Option<InInbox> = None;
        let mut held: Option<Job> = None;
        let mut look_at = Instant::now();
        let mut mean = Mean::default();
        // Requests the PHP thread answered, for `bin/laravels status`.
        let mut served = 0u64;
        if let Some(board) = self.board {
            board.set_served(self.me, 0);
        }
        loop {
            if self.inbox.aborting() {
                let first = held.take().or_else(|| self.take_back(&mut next));
                return self.hand_over(first, &queues).await;
            }
            if running.is_none() {
                running = match next.take() {
                    Some(r) => Some(self.begin(r)),
                    None => match held.take().map(|job| self.hand(job)) {
                        Some(Ok(r)) => r.map(|r| self.begin(r)),
                        Some(Err(job)) => {
                            held = Some(job);
                            None
                        }
                        None => None,
                    },
                };
            }
            // How long the current request has run: one clock read per turn.
            let ran = running.as_ref().map_or(Duration::ZERO, |r| r.since.elapsed());
            let held_up = ran >= HELD_UP_AFTER;
            if held_up {
                if held.is_none() {
                    held = self.take_back(&mut next);
                }
            } else if running.is_some() && next.is_none() && !self.inbox.has_work() {
                if let Some(job) = held.take() {
                    match self.hand(job) {
                        Ok(r) => next = r,
                        Err(job) => held = Some(job),
                    }
                }
            }
            self.publish(running.as_ref(), usize::from(held.is_some()) + usize::from(next.is_some()), &queues);
            if held_up {
                // Each waiting request goes to a free worker as it comes; with none free,
                // it waits here and the board is read again after `LOOK_AGAIN`.
                if let Some(job) = held.take() {
                    if Instant::now() >= look_at {
                        held = self.forward(job, ran, &forwarded).await;
                        if held.is_some() {
                            look_at = Instant::now() + LOOK_AGAIN;
                        }
                    } else {
                        held = Some(job);
                    }
                }
                if let Some(gate) = &self.gate {
                    gate.set_held_up(gate.board.free_other_than(self.me, ran).is_some());
                }
            } else if let Some(gate) = &self.gate {
                gate.set_held_up(false);
            }
            let wake_at = match &running {
                // A request the inbox could not take yet: look again shortly.
                None if held.is_some() => Some(Instant::now() + LOOK_AGAIN),
                None => None,
                Some(r) if !held_up => Some(r.since + HELD_UP_AFTER),
                Some(_) if held.is_some() => Some(look_at),
                Some(_) => Some(Instant::now() + LOOK_AGAIN),
            };
            tokio::select! {
                biased;
                answered = settle(&mut running) => {
                    let Some(done) = running.take() else { continue };
                    if !answered {
                        deadline_passed(done.job, &self.inbox, self.board, self.me).await;
                        continue;
                    }
                    mean.add(done.since.elapsed());
                    served += 1;
                    if let Some(board) = self.board {
                        board.set_mean(self.me, mean.ns);
                        board.set_served(self.me, served);
                    }
                }
                work = queues.next(), if held.is_none() && next.is_none() => {
                    if let Work::Request(job) = work {
                        held = Some(job);
                    }
                }
                () = sleep_until(wake_at) => {}
                () = forwarded.notified(), if held.is_some() => look_at = Instant::now(),
            }
        }
    }

    /// Hands a request to the PHP thread's inbox, unless it was withdrawn or is past its
    /// deadline (`Ok(None)`); gives it back while the inbox still holds the one before.
    fn hand(&self, job: Job) -> Result<Option<InInbox>, Job> {
        let Some(payload) = job.take() else { return Ok(None) };
        if job.deadline.is_past() {
            let _ = job.reply.try_send(Reply::Failed(Failure::Deadline));
            return Ok(None);
        }
        let label = match &payload.frame {
            crate::ipc::ToWorker::Request(request) if self.board.is_some() => crate::reactor::workers::request_label("", &request.head),
            _ => String::new(),
        };
        let (done, finished) = oneshot::channel();
        match self.inbox.hand(Handed::new(payload, job.reply.clone(), done)) {
            Ok(()) => Ok(Some(InInbox { job, finished, label })),
            Err(handed) => requeue(job, *handed).map_or(Ok(None), Err),
        }
    }

    /// The PHP thread runs `handed` from now: its queue wait ends and the board shows it.
    fn begin(&self, handed: InInbox) -> Running {
        let InInbox { job, finished, label } = handed;
        // Waited from when this front (or, forwarded, its taker) queued it until now.
        if let Some(metrics) = self.shared.metrics {
            metrics.dequeued(job.deadline.queued_at().elapsed());
        }
        if let Some(board) = self.board.filter(|_| !label.is_empty()) {
            board.begin(self.me, &label);
        }
        Running { job, finished, since: Instant::now(), started_ns: crate::pool::process::monotonic_ns() }
    }

    /// Takes the next request back from the inbox, as a job to pass on, if the PHP thread
    /// has not taken it yet.
    fn take_back(&self, next: &mut Option<InInbox>) -> Option<Job> {
        next.as_ref()?;
        let handed = self.inbox.withdraw()?;
        let InInbox { job, .. } = next.take()?;
        requeue(job, handed)
    }

    /// Offers a waiting request to a free worker where it would wait less than the
    /// current request has run (`ran`); gives it back when none took it.
    async fn forward(&self, job: Job, ran: Duration, forwarded: &Arc<Notify>) -> Option<Job> {
        let board = self.board?;
        let Some(pid) = board.free_other_than(self.me, ran).and_then(|id| board.pid(id)) else { return Some(job) };
        // Withdrawn meanwhile (its client left, or had its 503/504).
        let payload = job.take()?;
        match sibling::offer(pid, &payload, job.deadline.queued_at().elapsed(), false).await {
            Some(stream) => {
                tokio::spawn(sibling::relay_answer(stream, job, payload, forwarded.clone()));
                None
            }
            None => {
                if job.put_back(payload) {
                    Some(job)
                } else {
                    let _ = job.reply.try_send(Reply::Failed(Failure::Deadline));
                    None
                }
            }
        }
    }

    /// The PHP thread is ending (a fatal error, `exit()`): every request that waits for
    /// it goes to another worker, which takes it in any case; with none left, its
    /// client gets 502 as from a master whose worker died. Runs until the front ends.
    async fn hand_over(&self, mut held: Option<Job>, queues: &SlotQueues) {
        self.leaving.store(true, Ordering::SeqCst);
        if let Some(board) = self.board {
            board.clear(self.me, std::process::id());
        }
        let done = Arc::new(Notify::new());
        loop {
            let job = match held.take() {
                Some(job) => job,
                None => match queues.next().await {
                    Work::Request(job) => job,
                    _ => continue,
                },
            };
            let (Some(board), Some(payload)) = (self.board, job.take()) else { continue };
            for pid in board.present_other_than(self.me).filter_map(|id| board.pid(id)) {
                if let Some(stream) = sibling::offer(pid, &payload, job.deadline.queued_at().elapsed(), true).await {
                    tokio::spawn(sibling::relay_answer(stream, job, payload, done.clone()));
                    break;
                }
            }
        }
    }

    /// Shows the PHP thread's state to the other fronts.
    fn publish(&self, running: Option<&Running>, holding: usize, queues: &SlotQueues) {
        let Some(board) = self.board else { return };
        let pid = std::process::id();
        if self.leaving.load(Ordering::Relaxed) {
            board.clear(self.me, pid);
            return;
        }
        let waiting = holding + queues.own.len() + queues.shared.as_ref().map_or(0, async_channel::Receiver::len);
        let since = running.map(|r| r.started_ns);
        board.set(self.me, pid, since, waiting);
    }
}

/// A request the inbox gave back, queued again under its job; `None` (its client told
/// 504) when its deadline passed meanwhile.
fn requeue(job: Job, handed: Handed) -> Option<Job> {
    if let Some(payload) = handed.into_payload() {
        if job.put_back(payload) {
            return Some(job);
        }
    }
    let _ = job.reply.try_send(Reply::Failed(Failure::Deadline));
    None
}

/// How long this worker's requests take: a moving mean over about the last eight.
#[derive(Default)]
struct Mean {
    ns: u64,
}

impl Mean {
    fn add(&mut self, took: Duration) {
        let took = u64::try_from(took.as_nanos()).unwrap_or(u64::MAX);
        self.ns = if self.ns == 0 { took } else { self.ns - self.ns / 8 + took / 8 };
    }
}

/// Waits for the running request's answer, until its deadline; true when it came. Never
/// completes while nothing runs.
async fn settle(running: &mut Option<Running>) -> bool {
    let Some(r) = running.as_mut() else { return std::future::pending().await };
    let at = r.job.deadline.at();
    tokio::select! {
        _ = &mut r.finished => true,
        () = sleep_until(at) => false,
    }
}

/// How long a worker past `max_request_time` lives on: long enough for hyper to write the
/// 504.
const LAST_WORDS: Duration = Duration::from_millis(200);

/// The PHP thread ran past a request's `max_request_time`: its client gets 504 and the
/// process ends (the manager replaces it), saying why on the board for the metrics. The
/// front stops accepting too, so what arrives meanwhile waits on the listening socket for
/// another worker, not in a process about to die.
async fn deadline_passed(job: Job, inbox: &Inbox, board: Option<&Board>, me: u32) {
    log::line("worker", &format!("pid {} passed max_request_time; answering 504 and ending this worker", std::process::id()));
    if let Some(board) = board {
        board.farewell(me, std::process::id(), crate::metrics::Restart::Deadline);
    }
    let _ = job.reply.try_send(Reply::Failed(Failure::Deadline));
    let die = || {
        let _ = nix::sys::signal::kill(nix::unistd::Pid::this(), nix::sys::signal::Signal::SIGKILL);
    };
    // On a thread of its own: the stop below ends this runtime once the 504 is out.
    let ending = std::thread::Builder::new().name("laravels-deadline".into()).spawn(move || {
        std::thread::sleep(LAST_WORDS);
        die();
    });
    if ending.is_err() {
        tokio::time::sleep(LAST_WORDS).await;
        die();
    }
    inbox.stop(false);
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
