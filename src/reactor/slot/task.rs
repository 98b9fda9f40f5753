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
}

/// Tasks queued beyond this make `deliver` return false instead of growing without bound.
const TASK_QUEUE_CAPACITY: usize = 65_536;

/// The task queue every task worker pulls from.
pub struct TaskQueue {
    queue: (async_channel::Sender<TaskJob>, async_channel::Receiver<TaskJob>),
    /// `task_worker_num`: without task workers every delivery is refused.
    workers: u32,
}

impl TaskQueue {
    /// An empty queue for `workers` task workers (`task_worker_num`).
    pub fn new(workers: u32) -> Self {
        TaskQueue { queue: async_channel::bounded(TASK_QUEUE_CAPACITY), workers }
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
}

/// Serves a task worker: one task at a time from the task queue; finished tasks that
/// asked for it go back to their origin worker.
pub(super) async fn serve(mut conn: Conn, shared: &Arc<Shared>, mut generation: Generation, worker_id: u32, pid: u32) {
    let tasks = shared.tasks.queue.1.clone();
    let cause = loop {
        let task = tokio::select! {
            biased;
            () = generation.ended() => {
                let _ = conn.write(&ToWorker::Stop).await;
                break Restart::Reload;
            }
            Ok(task) = tasks.recv() => task,
        };
        let origin = task.origin;
        if conn.write(&ToWorker::Task { payload: task.payload, origin }).await.is_err() {
            break Restart::Crash;
        }
        shared.workers.begin(worker_id, "task".to_owned());
        let done = next_frame(&mut conn, shared, None).await;
        shared.workers.end(worker_id);
        if let Some(ToMaster::TaskDone { payload, origin, retire }) = done {
            if let (Some(payload), Some(origin)) = (payload, origin) {
                shared.dispatcher.finish(origin, payload);
            }
            if retire.leaves() {
                break super::http::restart_cause(retire);
            }
        } else {
            log::line("master", &format!("task worker #{worker_id} (pid {pid}) stopped during a task"));
            break Restart::Crash;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn tasks_queue_for_the_task_workers_and_are_refused_without_them() {
        let tasks = TaskQueue::new(1);
        assert!(tasks.deliver(TaskJob { payload: Bytes::from_static(b"t"), origin: Some(1) }, 0));
        assert_eq!(tasks.queue.1.recv().await.unwrap().origin, Some(1));
        let none = TaskQueue::new(0);
        assert!(!none.deliver(TaskJob { payload: Bytes::new(), origin: None }, 0), "no task workers: refused");
    }
}
