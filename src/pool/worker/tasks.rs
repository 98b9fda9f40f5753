//! Tasks, from either end: delivering one (`Task::deliver`, Swoole's `task()`), waiting
//! for the results of `taskwait()` inside a request, and a task worker's results and end.

use std::io::Read;
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use bytes::Bytes;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};

use super::{Exchange, LinkError, WorkerLink};
use crate::ipc::{ToMaster, ToWorker};

impl WorkerLink {
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
                frame => self.stash(frame, "a frame other than TaskAccepted")?,
            }
        }
    }

    /// Keeps a job the master sent while this worker waited for its answer to something
    /// else, for `recv` to hand out next. The master sends a job only to a worker it sees
    /// idle, and one at a time: between requests (a timer's delivery crossed it), or at
    /// any moment in `serving_mode` worker, whose requests come from its own front (a
    /// `finish()` or a pipe message then comes in the middle of a request). Any other
    /// frame, or a second job, is out of turn: `Unexpected(what)`.
    fn stash(&mut self, frame: ToWorker, what: &'static str) -> Result<(), LinkError> {
        let job = matches!(
            frame,
            ToWorker::Request(_)
                | ToWorker::Task { .. }
                | ToWorker::Finish { .. }
                | ToWorker::Open { .. }
                | ToWorker::PortRequest { .. }
                | ToWorker::Frame { .. }
                | ToWorker::Close { .. }
                | ToWorker::Connect { .. }
                | ToWorker::Receive { .. }
                | ToWorker::Packet { .. }
                | ToWorker::Buffer { .. }
                | ToWorker::PipeMessage { .. }
        );
        if job && (self.exchange == Exchange::Idle || self.local.is_some()) && self.stashed.is_none() {
            self.stashed = Some(frame);
            return Ok(());
        }
        Err(LinkError::Unexpected(what))
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
        let deadline = Instant::now() + timeout;
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
                // `serving_mode` worker: a job for between requests came meanwhile.
                frame => self.stash(frame, "a frame other than TaskResult")?,
            }
        }
        Ok(out)
    }

    /// Waits for input until `deadline`; false when none came.
    fn poll_until(&self, deadline: Instant) -> Result<bool, LinkError> {
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
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

    /// Ends a task's `finish()`.
    pub fn finish_done(&mut self) -> Result<(), LinkError> {
        self.expect(Exchange::Finish)?;
        let retire = self.finish_exchange();
        self.send(&ToMaster::FinishDone { retire })
    }
}
