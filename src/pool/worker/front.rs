//! The worker's link when it has its own HTTP front (`serving_mode` worker): requests come
//! from the front in memory (`crate::front`), everything else from the master as before.
//! A stop, a reload or a retirement first stops the front, which lets its open
//! connections finish; the worker leaves once the front has closed them.

use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use nix::poll::PollTimeout;

use super::{LinkError, WorkerLink, SPIN};
use crate::ipc::{Retire, ToWorker};

/// The worker's own front, seen from the PHP thread.
pub(super) struct Local {
    pub(super) front: crate::front::Front,
    /// The request being answered, while the exchange is one of the front's.
    pub(super) handed: Option<crate::front::Handed>,
    /// A stop was asked of the front (reload, stop, retirement): it accepts no more,
    /// and `recv` ends once it has closed its connections.
    pub(super) draining: bool,
    /// The master closed this worker's socket (after its `Stop`): only the front is left.
    pub(super) master_gone: bool,
}

impl WorkerLink {
    /// `recv` for a worker with a front: the front's next request, or the master's next
    /// frame, whichever comes first; `None` once the worker must leave and its front
    /// has closed its connections.
    pub(super) fn recv_with_front(&mut self) -> Result<Option<ToWorker>, LinkError> {
        if let Some(frame) = self.stashed.take() {
            return self.begin_exchange(frame);
        }
        let mut master_ready = false;
        loop {
            let leaving = self.leaving;
            let retiring = self.retiring;
            let local = self.local.as_mut().expect("called for a worker with a front");
            if retiring && !local.draining {
                // `max_request` or the memory ceiling: the requests already on this
                // worker's connections are still served, then they close.
                local.draining = true;
                local.front.inbox.stop(leaving);
            }
            if let Some(mut handed) = local.front.inbox.take() {
                let frame = handed.frame.take();
                local.handed = Some(handed);
                match frame {
                    Some(frame) => return self.begin_exchange(frame),
                    None => continue,
                }
            }
            if local.draining && local.front.inbox.is_finished() {
                return Ok(None);
            }
            if !local.master_gone && (master_ready || !self.reader.buffer().is_empty()) {
                master_ready = false;
                match self.read_master_frame()? {
                    Some(ToWorker::Stop) | None => self.drain(),
                    // The result of a wait that timed out earlier: nobody wants it.
                    Some(ToWorker::TaskResult { .. }) => {}
                    Some(frame) => return self.begin_exchange(frame),
                }
                continue;
            }
            if !self.spin_for_front() {
                let local = self.local.as_ref().expect("called for a worker with a front");
                let master = (!local.master_gone).then(|| self.reader.get_ref().as_fd());
                master_ready = local.front.inbox.wait(master, PollTimeout::NONE)?.master;
            }
        }
    }

    /// `poll_input` for a worker with a front: waits up to `timeout` for a request of the
    /// front or a frame of the master. The master's frame is read here, so that `recv`
    /// has something at once whenever this says true (an idle worker's timers wait on
    /// it): the late result of a `taskwait()` that gave up goes nowhere and the wait goes
    /// on; a job is kept for `recv`; a `Stop` (or the master gone) stops the front.
    pub(super) fn poll_with_front(&mut self, timeout: Duration) -> Result<bool, LinkError> {
        let deadline = Instant::now() + timeout;
        loop {
            if self.retiring || self.stashed.is_some() {
                return Ok(true);
            }
            let local = self.local.as_ref().expect("called for a worker with a front");
            if local.front.inbox.has_work() || local.draining {
                return Ok(true);
            }
            if local.master_gone || self.reader.buffer().is_empty() {
                let left = deadline.saturating_duration_since(Instant::now());
                let ms = PollTimeout::try_from(left.as_millis().min(i32::MAX as u128) as i32).unwrap_or(PollTimeout::MAX);
                let master = (!local.master_gone).then(|| self.reader.get_ref().as_fd());
                if !local.front.inbox.wait(master, ms)?.master {
                    return Ok(local.front.inbox.has_work());
                }
            }
            match self.read_master_frame()? {
                Some(ToWorker::TaskResult { .. }) => {}
                Some(ToWorker::Stop) | None => {
                    self.drain();
                    return Ok(true);
                }
                Some(frame) => {
                    self.stashed = Some(frame);
                    return Ok(true);
                }
            }
        }
    }

    /// Reads the master's next frame; `None` when it closed the socket.
    fn read_master_frame(&mut self) -> Result<Option<ToWorker>, LinkError> {
        let mut prefix = [0u8; 4];
        match std::io::Read::read_exact(&mut self.reader, &mut prefix) {
            Ok(()) => Ok(Some(self.read_frame(prefix)?)),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                if let Some(local) = self.local.as_mut() {
                    local.master_gone = true;
                }
                Ok(None)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The master asked this worker to stop (reload, stop) or went away: the front
    /// accepts no more and closes its connections once their requests are answered.
    fn drain(&mut self) {
        if let Some(local) = self.local.as_mut().filter(|l| !l.draining) {
            local.draining = true;
            local.front.inbox.stop(false);
        }
    }

    /// Under load the next request follows within microseconds: watching the inbox
    /// briefly spares the front a wake-up syscall. Whether a request came.
    fn spin_for_front(&self) -> bool {
        let Some(local) = self.local.as_ref().filter(|local| local.front.may_spin()) else { return false };
        let started = Instant::now();
        while started.elapsed() < SPIN {
            if local.front.inbox.has_work() {
                return true;
            }
            std::thread::yield_now();
        }
        false
    }

    /// After a response to the front: when the process ends with it (`exit()`, a fatal
    /// error), waits until the front has written it, passed the requests queued behind it
    /// to another worker and closed its connections, up to
    /// `max_wait_time`, since the process exit would cut the front's thread short.
    pub(super) fn after_front_response(&mut self, retire: Retire) {
        if retire != Retire::Ending {
            return;
        }
        let Some(local) = self.local.as_mut() else { return };
        local.draining = true;
        local.front.inbox.stop(true);
        let deadline = Instant::now() + local.front.max_wait;
        while !local.front.inbox.is_finished() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            if local.front.inbox.has_work() {
                // Handed before the stop: the front takes it back and passes it to
                // another worker (`front/relay.rs`).
                std::thread::sleep(Duration::from_millis(1));
                continue;
            }
            let ms = PollTimeout::try_from(left.max(Duration::from_millis(1)).as_millis().min(i32::MAX as u128) as i32).unwrap_or(PollTimeout::MAX);
            if local.front.inbox.wait(None, ms).is_err() {
                break;
            }
        }
    }
}
