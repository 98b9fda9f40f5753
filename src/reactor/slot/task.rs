//! Tasks: the queue between the processes that deliver them (`Task::deliver`, in any
//! worker, the timer or a custom process) and the task workers, delayed deliveries, and
//! a task worker's connection.
//!
//! A delivery is answered at once (`TaskAccepted`): queued, or refused when the queue is
//! full or there are no task workers. A task with a delay counts as accepted then and is
//! queued when its delay ends, by a tokio timer in the master. A task worker takes one
//! task at a time; a finished task that asked for it goes back to the HTTP worker that
//! delivered it, whose slot runs its `finish()` between two requests (`slot/http.rs`).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tokio::io::AsyncBufReadExt;

use super::waits::Waiter;
use super::{next_frame, Conn, Generation};
use crate::ipc::{ToMaster, ToWorker};
use crate::log;
use crate::metrics::Restart;
use crate::reactor::Shared;

/// A task waiting for a task worker.
pub struct TaskJob {
    /// The task as PHP serialized it; the task worker unserializes and runs it.
    pub payload: Bytes,
    /// The HTTP worker (its slot index) to send the finished task back to, for its `finish()`.
    pub origin: Option<u32>,
    /// The worker waiting inside its request for the result (`taskwait`), instead of `origin`.
    pub waiter: Option<Waiter>,
}

impl TaskJob {
    /// A task whose result, if any, goes back to `origin` between its requests.
    pub fn new(payload: Bytes, origin: Option<u32>) -> Self {
        TaskJob { payload, origin, waiter: None }
    }
}

/// What one task worker is asked to do through its own queue.
pub enum TaskWork {
    /// A task addressed to this task worker (Swoole's `$dstWorkerId`).
    Task(TaskJob),
    /// A `sendMessage()` for its `onPipeMessage` handlers.
    Pipe(Bytes),
}

/// Tasks queued beyond this make `deliver` return false instead of growing without bound.
const TASK_QUEUE_CAPACITY: usize = 65_536;

type Queue<T> = (async_channel::Sender<T>, async_channel::Receiver<T>);

/// The task queue every task worker pulls from, and each task worker's own.
pub struct TaskQueue {
    queue: Queue<TaskJob>,
    /// One per task worker (`ProcessRole::Task`'s index): tasks addressed to it, pipe messages.
    own: Vec<Queue<TaskWork>>,
    /// `task_worker_num`: without task workers every delivery is refused.
    workers: u32,
}

impl TaskQueue {
    /// An empty queue for `workers` task workers (`task_worker_num`).
    pub fn new(workers: u32) -> Self {
        let own = (0..workers).map(|_| async_channel::bounded(TASK_QUEUE_CAPACITY)).collect();
        TaskQueue { queue: async_channel::bounded(TASK_QUEUE_CAPACITY), own, workers }
    }

    /// Tasks waiting for a task worker (a delayed one counts once its delay is over).
    pub fn waiting(&self) -> usize {
        self.queue.0.len()
    }

    /// Queues a task now, or after `delay_ms`; false when it is refused (the queue is
    /// full, or there are no task workers). A delayed task counts as accepted now; if the
    /// queue is full when its delay ends, the loss is logged.
    pub fn deliver(&self, task: TaskJob, delay_ms: u64) -> bool {
        if self.workers == 0 {
            return false;
        }
        if delay_ms == 0 {
            return self.queue.0.try_send(task).is_ok();
        }
        let queue = self.queue.0.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(delay_ms)).await;
            if queue.try_send(task).is_err() {
                log::line("master", "a delayed task was dropped: the task queue was full when its delay ended");
            }
        });
        true
    }

    /// Queues a task for task worker `dst` (its index), or for any with `None`; false
    /// when refused (no such task worker, or its queue is full).
    pub fn deliver_to(&self, task: TaskJob, dst: Option<u32>) -> bool {
        match dst {
            None => self.deliver(task, 0),
            Some(index) => self.own.get(index as usize).is_some_and(|q| q.0.try_send(TaskWork::Task(task)).is_ok()),
        }
    }

    /// Queues a `sendMessage()` for task worker `index`; false when there is none.
    pub fn pipe(&self, index: u32, payload: Bytes) -> bool {
        self.own.get(index as usize).is_some_and(|q| q.0.try_send(TaskWork::Pipe(payload)).is_ok())
    }
}

/// Serves a task worker: one task at a time, from its own queue first, then from the
/// shared one; finished tasks go back to their origin worker or to the one waiting.
pub(super) async fn serve(mut conn: Conn, shared: &Arc<Shared>, mut generation: Generation, worker_id: u32, pid: u32, index: u32) {
    let tasks = shared.tasks.queue.1.clone();
    let Some(own) = shared.tasks.own.get(index as usize).map(|q| q.1.clone()) else { return };
    let cause = loop {
        let work = tokio::select! {
            biased;
            () = generation.ended() => {
                let _ = conn.write(&ToWorker::Stop).await;
                break Restart::Reload;
            }
            // An idle task worker speaks only from a timer or a coroutine: pushes and task
            // deliveries. EOF means it died: noticed now, before a task is handed to it.
            filled = conn.frames.reader.fill_buf() => {
                let eof = filled.map_or(true, <[u8]>::is_empty);
                if eof || !matches!(super::side_frame(&mut conn, shared, None).await, super::Side::Handled) {
                    log::line("master", &format!("task worker #{worker_id} (pid {pid}) went away while idle"));
                    break Restart::Crash;
                }
                continue;
            }
            Ok(work) = own.recv() => work,
            Ok(task) = tasks.recv() => TaskWork::Task(task),
        };
        let done = match work {
            TaskWork::Task(task) => run_task(&mut conn, shared, task, worker_id, pid).await,
            TaskWork::Pipe(payload) => run_pipe(&mut conn, shared, payload, worker_id).await,
        };
        if let Err(cause) = done {
            break cause;
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

/// Runs one task; `Err` with the cause when the worker is gone or retires.
async fn run_task(conn: &mut Conn, shared: &Arc<Shared>, task: TaskJob, worker_id: u32, pid: u32) -> Result<(), Restart> {
    let TaskJob { payload, origin, waiter } = task;
    if conn.write(&ToWorker::Task { payload: payload.clone(), origin }).await.is_err() {
        // It died before it could read the task: another task worker takes it.
        log::line("master", &format!("task worker #{worker_id} (pid {pid}) died before taking a task; another takes it"));
        if !shared.tasks.deliver(TaskJob { payload, origin, waiter }, 0) {
            log::line("master", "a task handed back by a dead task worker was refused: the task queue is full");
        }
        return Err(Restart::Crash);
    }
    shared.workers.begin(worker_id, "task".to_owned());
    let mut result = TaskResults { waiter, origin };
    let done = loop {
        match next_frame(conn, shared, None).await {
            // finish() mid-task: its sender has the result now.
            Some(ToMaster::TaskFinish { payload }) => result.send(shared, payload),
            other => break other,
        }
    };
    shared.workers.end(worker_id);
    conn.waits.forget();
    let Some(ToMaster::TaskDone { payload, retire, .. }) = done else {
        log::line("master", &format!("task worker #{worker_id} (pid {pid}) stopped during a task"));
        return Err(Restart::Crash);
    };
    if let Some(payload) = payload {
        result.send(shared, payload);
    }
    if retire.leaves() {
        return Err(super::http::restart_cause(retire));
    }
    Ok(())
}

/// Where a task's results go: the worker waiting inside its request (`taskwait`), which
/// takes the first, or the origin worker, whose `finish()` runs once per result (Swoole
/// runs onFinish for each `finish()` call).
struct TaskResults {
    waiter: Option<Waiter>,
    origin: Option<u32>,
}

impl TaskResults {
    fn send(&mut self, shared: &Shared, payload: Bytes) {
        if let Some(waiter) = self.waiter.take() {
            // Nobody waits any more when the waiter's request is over: the send just fails.
            waiter.answer(Some(payload));
        } else if let Some(origin) = self.origin {
            shared.dispatcher.finish(origin, payload);
        }
    }
}

/// Runs one `sendMessage()` in the task worker; `Err` with the cause when the worker is
/// gone or retires.
async fn run_pipe(conn: &mut Conn, shared: &Arc<Shared>, payload: Bytes, worker_id: u32) -> Result<(), Restart> {
    if conn.write(&ToWorker::PipeMessage { payload }).await.is_err() {
        return Err(Restart::Crash);
    }
    shared.workers.begin(worker_id, "pipe message".to_owned());
    let done = next_frame(conn, shared, None).await;
    shared.workers.end(worker_id);
    conn.waits.forget();
    match done {
        Some(ToMaster::EventDone { retire }) if retire.leaves() => Err(super::http::restart_cause(retire)),
        Some(ToMaster::EventDone { .. }) => Ok(()),
        _ => Err(Restart::Crash),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn tasks_queue_for_the_task_workers_and_are_refused_without_them() {
        let tasks = TaskQueue::new(1);
        assert!(tasks.deliver(TaskJob::new(Bytes::from_static(b"t"), Some(1)), 0));
        assert_eq!(tasks.queue.1.recv().await.unwrap().origin, Some(1));
        let none = TaskQueue::new(0);
        assert!(!none.deliver(TaskJob::new(Bytes::new(), None), 0), "no task workers: refused");
    }

    #[tokio::test]
    async fn a_task_for_one_task_worker_goes_to_its_own_queue_and_past_the_last_is_refused() {
        let tasks = TaskQueue::new(2);
        assert!(tasks.deliver_to(TaskJob::new(Bytes::from_static(b"t"), None), Some(1)));
        assert!(matches!(tasks.own[1].1.recv().await.unwrap(), TaskWork::Task(_)));
        assert!(tasks.own[0].1.is_empty() && tasks.queue.1.is_empty());
        assert!(!tasks.deliver_to(TaskJob::new(Bytes::new(), None), Some(2)), "no task worker #2");
        assert!(tasks.pipe(0, Bytes::from_static(b"m")) && !tasks.pipe(5, Bytes::new()));
        assert!(matches!(tasks.own[0].1.recv().await.unwrap(), TaskWork::Pipe(_)));
    }
}
