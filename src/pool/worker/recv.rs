//! Waiting for and reading the master's frames: the next job (`recv`), input for an idle
//! worker with timers (`poll_input`), and the timer's wait for its `Stop`.

use std::io::{self, Read};
use std::os::fd::AsFd;
use std::time::Duration;

use bytes::Bytes;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};

use super::{Exchange, LinkError, WorkerLink, SPIN};
use crate::ipc::{self, ToWorker};

impl WorkerLink {
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
    pub(super) fn begin_exchange(&mut self, frame: ToWorker) -> Result<Option<ToWorker>, LinkError> {
        self.results.clear();
        self.exchange = match &frame {
            ToWorker::Request(_) if self.local.as_ref().is_some_and(|l| l.handed.is_some()) => Exchange::Received,
            ToWorker::Request(_) | ToWorker::Open { .. } | ToWorker::PortRequest { .. } => {
                // Read, before PHP sees it: from here a death of this worker answers 502.
                self.taken = self.taken.wrapping_add(1);
                if let Some(board) = crate::pool::receipts::board() {
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

    pub(super) fn read_frame(&mut self, prefix: [u8; 4]) -> Result<ToWorker, LinkError> {
        let len = ipc::codec::frame_len(prefix);
        if len > ipc::codec::MAX_FRAME {
            return Err(LinkError::Decode(ipc::DecodeError::Truncated));
        }
        let mut frame = vec![0u8; len];
        self.reader.read_exact(&mut frame)?;
        Ok(ipc::decode_to_worker(&Bytes::from(frame))?)
    }

    /// Waits up to `timeout` for the master's next message, without taking it: true when
    /// `recv` has something (or nothing more) to say at once, false on timeout or when a
    /// signal came, so that PHP can run its handler. An idle worker with timers waits here.
    pub fn poll_input(&mut self, timeout: Duration) -> Result<bool, LinkError> {
        if self.local.is_some() {
            return self.poll_with_front(timeout);
        }
        if self.retiring || self.stashed.is_some() || !self.reader.buffer().is_empty() {
            return Ok(true);
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
}
