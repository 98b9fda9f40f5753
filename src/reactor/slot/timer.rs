//! The processes that take no jobs: the timer (`timer.enable`, which runs `timer.jobs` on
//! its own schedule) and the custom processes of `processes`.
//!
//! They deliver tasks and push at any moment, not only in answer to the master, so their
//! frames are read by a task of their own. The results of tasks they wait for
//! (`taskwait`) are written to them as they come: they are always "in a job". On reload and stop they are asked to leave and
//! given a grace period, then killed.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use tokio::io::AsyncWriteExt;

use super::{Conn, Generation, TaskJob};
use crate::ipc::{self, ToMaster, ToWorker};
use crate::log;
use crate::reactor::Shared;

/// How a process that takes no jobs is asked to leave.
pub(super) enum AskToStop {
    /// A `Stop` frame (the timer waits on its connection between jobs).
    Message,
    /// SIGUSR1 on reload, SIGTERM on stop: a custom process runs user code that never
    /// reads the connection; its handlers call `onReload` / `onStop`.
    Signal,
}

/// Serves the timer or a custom process: no jobs, a request to stop on reload and stop,
/// and task deliveries at any moment, so its frames are read by a task of their own.
pub(super) async fn serve(conn: Conn, shared: &Arc<Shared>, mut generation: Generation, worker_id: u32, pid: u32, ask: AskToStop) {
    let Conn { mut frames, mut writer, mut waits, .. } = conn;
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
    let deadline = tokio::time::sleep(Duration::MAX / 4);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            () = &mut deadline, if stopping => {
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
                        let sig = if shared.stopping.load(Ordering::SeqCst) { Signal::SIGTERM } else { Signal::SIGUSR1 };
                        let _ = kill(Pid::from_raw(pid as i32), sig);
                    }
                }
            }
            Some((id, payload)) = waits.next() => {
                if writer.write_all(&ipc::encode_to_worker(&ToWorker::TaskResult { id, payload })).await.is_err() {
                    break;
                }
            }
            frame = incoming.recv() => match frame {
                Some(ToMaster::TaskTo { payload, dst, wait }) => {
                    // No origin: these processes take no finish() (Swoole's onFinish runs in workers).
                    let (accepted, answer) = match wait {
                        None => {
                            let accepted = shared.tasks.deliver_to(TaskJob::new(payload, None), dst);
                            (accepted, ToWorker::TaskAccepted(accepted))
                        }
                        Some(id) => {
                            let accepted = shared.tasks.deliver_to(TaskJob { payload, origin: None, waiter: Some(waits.waiter(id)) }, dst);
                            if accepted {
                                continue;
                            }
                            waits.refused();
                            (false, ToWorker::TaskResult { id, payload: None })
                        }
                    };
                    if !accepted {
                        log::line("master", "a task from the timer or a custom process was refused: the task queue is full or task_worker_num is 0");
                    }
                    if writer.write_all(&ipc::encode_to_worker(&answer)).await.is_err() {
                        break;
                    }
                }
                Some(ToMaster::DeliverTask { payload, delay_ms, .. }) => {
                    let accepted = shared.tasks.deliver(TaskJob::new(payload, None), delay_ms);
                    if !accepted {
                        log::line("master", "a task from the timer or a custom process was refused: the task queue is full or task_worker_num is 0");
                    }
                    if writer.write_all(&ipc::encode_to_worker(&ToWorker::TaskAccepted(accepted))).await.is_err() {
                        break;
                    }
                }
                Some(frame) => {
                    // Pushes and disconnects; anything else is out of turn and ignored.
                    let _ = crate::reactor::push::route(frame, shared);
                }
                None => break,
            }
        }
    }
}
