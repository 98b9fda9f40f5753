//! The hand-off between a worker's HTTP front (its tokio thread) and its PHP thread: one
//! request at a time, in memory, with a wake-up only when the PHP thread sleeps.
//!
//! The front puts a request in the inbox (`hand`); the PHP thread takes it (`take`) and
//! answers on the request's own reply channel (`Handed::head`, `chunk`), the same channel
//! the master's slot feeds in `serving_mode` master, so `http.rs` builds the response as
//! it always does. Dropping the `Handed` tells the front the request is done.
//!
//! Waking: the PHP thread marks itself `sleeping` before it polls an eventfd (with the
//! master socket beside it); the front writes the eventfd only when it finds that mark,
//! so a busy or spinning PHP thread costs the front no syscall.

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};

use bytes::Bytes;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use parking_lot::Mutex;
use tokio::sync::{mpsc, oneshot, Notify};

use crate::ipc::ToWorker;
use crate::reactor::job::{Payload, Reply, ReplyHead};
use crate::reactor::upload::TempFiles;

/// A request the PHP thread has in hand, and where its answer goes.
pub struct Handed {
    /// The frame PHP reads, as a master would have sent it.
    pub frame: Option<ToWorker>,
    /// Spooled upload files, removed once the request is done.
    uploads: TempFiles,
    reply: mpsc::Sender<Reply>,
    done: Option<oneshot::Sender<()>>,
}

impl Handed {
    /// A request taken from the front's queue; `done` fires when it is dropped.
    pub(super) fn new(payload: Payload, reply: mpsc::Sender<Reply>, done: oneshot::Sender<()>) -> Self {
        Handed { frame: Some(payload.frame), uploads: payload.uploads, reply, done: Some(done) }
    }

    /// Sends the response head (with the whole body when `complete`). A client that left
    /// makes the send fail, which is ignored as the master's slot ignores it.
    pub fn head(&self, status: u16, reason: Option<String>, headers: Vec<crate::ipc::Header>, body: Bytes, complete: bool) {
        let _ = self.reply.blocking_send(Reply::Head(ReplyHead { status, reason, headers, body, complete }));
    }

    /// Sends one piece of a streamed body; waits while the client is slow to read, as a
    /// full socket makes the master's worker wait.
    pub fn chunk(&self, data: Bytes) {
        let _ = self.reply.blocking_send(Reply::Chunk(data));
    }
}

impl Handed {
    /// The request back, untouched, from an inbox the PHP thread had not taken it from
    /// (`Inbox::withdraw`); the front does not hear that it is done.
    pub(super) fn into_payload(mut self) -> Option<Payload> {
        self.done = None;
        let frame = self.frame.take()?;
        Some(Payload { frame, uploads: std::mem::take(&mut self.uploads) })
    }
}

impl Drop for Handed {
    fn drop(&mut self) {
        if let Some(done) = self.done.take() {
            let _ = done.send(());
        }
    }
}

/// What the front and the PHP thread share.
pub struct Inbox {
    slot: Mutex<Option<Handed>>,
    ready: AtomicBool,
    sleeping: AtomicBool,
    wake: OwnedFd,
    /// The PHP thread asks the front to stop accepting and close its connections.
    stop: Notify,
    /// The PHP thread serves nothing more: the front drops what is queued.
    abort: AtomicBool,
    /// The front has closed every connection (or given up waiting for them).
    finished: AtomicBool,
}

/// What woke the PHP thread.
#[derive(Debug, Clone, Copy, Default)]
pub struct Woken {
    /// The master socket has input (or was closed).
    pub master: bool,
}

impl Inbox {
    /// An empty inbox with its eventfd.
    pub fn new() -> std::io::Result<Self> {
        // SAFETY: eventfd takes no pointers; a non-negative result is a new descriptor
        // that nothing else owns, so `OwnedFd` may take it.
        let fd = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: `fd` was just returned by eventfd and is owned by nothing else.
        let wake = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(Inbox {
            slot: Mutex::new(None),
            ready: AtomicBool::new(false),
            sleeping: AtomicBool::new(false),
            wake,
            stop: Notify::new(),
            abort: AtomicBool::new(false),
            finished: AtomicBool::new(false),
        })
    }

    // The front's side.

    /// Puts a request in the inbox; gives it back while the inbox still holds one (the PHP
    /// thread has not taken the request before it yet).
    pub(super) fn hand(&self, handed: Handed) -> Result<(), Box<Handed>> {
        {
            let mut slot = self.slot.lock();
            if slot.is_some() {
                return Err(Box::new(handed));
            }
            *slot = Some(handed);
            self.ready.store(true, Ordering::SeqCst);
        }
        self.wake();
        Ok(())
    }

    /// Takes back the request in the inbox, if the PHP thread has not taken it.
    pub(super) fn withdraw(&self) -> Option<Handed> {
        let mut slot = self.slot.lock();
        self.ready.store(false, Ordering::SeqCst);
        slot.take()
    }

    /// Marks the front done with every connection.
    pub(super) fn finish(&self) {
        self.finished.store(true, Ordering::SeqCst);
        self.wake();
    }

    /// Completes once the PHP thread asked the front to stop.
    pub(super) async fn stop_asked(&self) {
        self.stop.notified().await;
    }

    /// Whether the PHP thread serves nothing more.
    pub(super) fn aborting(&self) -> bool {
        self.abort.load(Ordering::SeqCst)
    }

    fn wake(&self) {
        if self.sleeping.swap(false, Ordering::SeqCst) {
            let one = 1u64.to_ne_bytes();
            // SAFETY: writes 8 bytes from a live local buffer to our own eventfd.
            let _ = unsafe { libc::write(self.wake.as_raw_fd(), one.as_ptr().cast(), one.len()) };
        }
    }

    // The PHP thread's side.

    /// Whether a request waits in the inbox.
    pub fn has_work(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }

    /// The waiting request, if any.
    pub fn take(&self) -> Option<Handed> {
        if !self.has_work() {
            return None;
        }
        let mut slot = self.slot.lock();
        self.ready.store(false, Ordering::SeqCst);
        slot.take()
    }

    /// Whether the front has closed every connection after a stop.
    pub fn is_finished(&self) -> bool {
        self.finished.load(Ordering::SeqCst)
    }

    /// Asks the front to stop accepting and to close its connections once their
    /// requests are answered; `abort` also drops the requests not yet handed over.
    pub fn stop(&self, abort: bool) {
        if abort {
            self.abort.store(true, Ordering::SeqCst);
        }
        self.stop.notify_one();
    }

    /// Sleeps until a request comes, the front finishes, `master` has input, or
    /// `timeout` passes (or a signal comes).
    pub fn wait(&self, master: Option<BorrowedFd<'_>>, timeout: PollTimeout) -> std::io::Result<Woken> {
        self.sleeping.store(true, Ordering::SeqCst);
        if self.has_work() || self.is_finished() {
            self.sleeping.store(false, Ordering::SeqCst);
            return Ok(Woken::default());
        }
        // A fixed pair, no allocation per sleep; without a master socket only the first
        // is polled (the second repeats it to fill the array).
        let wake = self.wake.as_fd();
        let mut fds = [PollFd::new(wake, PollFlags::POLLIN), PollFd::new(master.unwrap_or(wake), PollFlags::POLLIN)];
        let polled = if master.is_some() { poll(&mut fds, timeout) } else { poll(&mut fds[..1], timeout) };
        self.sleeping.store(false, Ordering::SeqCst);
        let ready = |fd: &PollFd| fd.revents().is_some_and(|r| !r.is_empty());
        if ready(&fds[0]) {
            let mut count = [0u8; 8];
            // SAFETY: reads at most 8 bytes into a live local buffer from our own eventfd.
            let _ = unsafe { libc::read(self.wake.as_raw_fd(), count.as_mut_ptr().cast(), count.len()) };
        }
        let woken = Woken { master: master.is_some() && ready(&fds[1]) };
        match polled {
            Ok(_) | Err(nix::errno::Errno::EINTR) => Ok(woken),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handed(done: oneshot::Sender<()>) -> (Handed, mpsc::Receiver<Reply>) {
        let (reply, replies) = mpsc::channel(4);
        let payload = Payload { frame: ToWorker::Stop, uploads: TempFiles::default() };
        (Handed::new(payload, reply, done), replies)
    }

    #[test]
    fn a_sleeping_php_thread_is_woken_by_a_request_and_answers_on_its_channel() {
        let inbox = std::sync::Arc::new(Inbox::new().unwrap());
        let (done, finished) = oneshot::channel();
        let (h, mut replies) = handed(done);
        let front = inbox.clone();
        let t = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(30));
            assert!(front.hand(h).is_ok());
        });
        let started = std::time::Instant::now();
        inbox.wait(None, PollTimeout::from(5000u16)).unwrap();
        assert!(started.elapsed() < std::time::Duration::from_secs(4), "woken, not timed out");
        let got = inbox.take().expect("the request");
        assert!(inbox.take().is_none());
        got.head(200, None, vec![], Bytes::from_static(b"hi"), true);
        drop(got);
        assert!(matches!(replies.try_recv(), Ok(Reply::Head(h)) if h.status == 200));
        assert!(finished.blocking_recv().is_ok(), "dropping it tells the front it is done");
        t.join().unwrap();
    }

    #[test]
    fn a_full_inbox_gives_the_next_request_back_and_a_withdrawn_one_is_not_done() {
        let inbox = Inbox::new().unwrap();
        let (first_done, mut first_finished) = oneshot::channel();
        let (second_done, _) = oneshot::channel();
        assert!(inbox.hand(handed(first_done).0).is_ok());
        let refused = inbox.hand(handed(second_done).0).expect_err("the inbox holds the first");
        assert!(matches!(refused.into_payload(), Some(Payload { frame: ToWorker::Stop, .. })));
        let back = inbox.withdraw().expect("the PHP thread had not taken it");
        assert!(!inbox.has_work() && inbox.take().is_none());
        assert!(back.into_payload().is_some());
        assert!(first_finished.try_recv().is_err(), "taken back, it was not answered");
    }

    #[test]
    fn a_finished_front_ends_the_wait_at_once() {
        let inbox = Inbox::new().unwrap();
        inbox.finish();
        inbox.wait(None, PollTimeout::NONE).unwrap();
        assert!(inbox.is_finished());
    }
}
