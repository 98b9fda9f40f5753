//! Which WebSocket connections this master holds, and the queue of messages waiting to
//! be written to each.
//!
//! A push arrives from whichever process sent it, on that process's slot task; it is
//! queued here and written by the connection's own task, so a slow client never holds up
//! the worker that pushed. Each queue is bounded in bytes (`buffer_output_size`): past
//! it a push is dropped with a warning rather than growing the master without bound.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use parking_lot::{Mutex, RwLock};
use tokio::sync::Notify;

use crate::log;

/// Something to do on a connection, from any process.
#[derive(Debug)]
pub enum Outbound {
    /// Write a message: a WebSocket frame, or raw bytes on a TCP port.
    Message {
        /// The frame's `opcode::*`; ignored on a TCP port.
        opcode: u8,
        /// The payload; its length counts against `buffer_output_size` until written.
        data: Bytes,
    },
    /// Send a close frame, then end the connection once the client answers.
    Close {
        /// The close code (RFC 6455 7.4); 1001 when the server stops.
        code: u16,
        /// The close frame's reason text; may be empty.
        reason: String,
    },
    /// End the connection at once, without a close frame (Swoole's `close($fd)`).
    Drop,
}

/// One connection's queue. A plain deque and a Notify rather than a tokio channel: an
/// unbounded channel allocates a 32-slot block up front (about 1.8 KB with its state),
/// which 10,000 idle connections pay for nothing; an empty deque allocates nothing.
#[derive(Default)]
struct Queue {
    items: Mutex<VecDeque<Outbound>>,
    ready: Notify,
    /// Bytes of messages queued and not yet written; the task subtracts what it writes.
    queued: AtomicUsize,
    /// The connection task is gone (its Mailbox dropped): pushes fail from now on.
    closed: AtomicBool,
}

impl Queue {
    fn send(&self, out: Outbound) -> bool {
        if self.closed.load(Ordering::Acquire) {
            return false;
        }
        self.items.lock().push_back(out);
        // With no task waiting this stores a permit, so a push between the task's
        // check and its wait is not missed.
        self.ready.notify_one();
        true
    }
}

/// The receiving end a connection task reads its outbound queue from.
pub struct Mailbox {
    queue: Arc<Queue>,
}

impl Mailbox {
    /// The next thing to do; waits until there is one. Cancel-safe: nothing is taken
    /// from the queue unless it is returned.
    pub async fn recv(&self) -> Outbound {
        loop {
            if let Some(out) = self.try_recv() {
                return out;
            }
            self.queue.ready.notified().await;
        }
    }

    /// The next thing to do, if one is queued; never waits.
    pub fn try_recv(&self) -> Option<Outbound> {
        let mut items = self.queue.items.lock();
        let out = items.pop_front();
        if items.is_empty() && items.capacity() > 0 {
            // Idle connections are most of them: an empty queue holds no memory.
            items.shrink_to_fit();
        }
        out
    }

    /// Counts `len` bytes of a queued message as written.
    pub fn written(&self, len: usize) {
        self.queue.queued.fetch_sub(len, Ordering::Relaxed);
    }

    /// Bytes of messages queued and not yet written.
    pub fn queued(&self) -> usize {
        self.queue.queued.load(Ordering::Relaxed)
    }
}

impl Drop for Mailbox {
    fn drop(&mut self) {
        self.queue.closed.store(true, Ordering::Release);
        self.queue.items.lock().clear();
    }
}

/// The outbound queue of every WebSocket and TCP-port connection the master holds, by
/// connection number (`$fd`).
#[derive(Default)]
pub struct Registry {
    conns: RwLock<HashMap<u64, Arc<Queue>>>,
}

impl Registry {
    /// Opens the queue of connection `fd` (before its handshake, so `onOpen` can push).
    pub fn register(&self, fd: u64) -> Mailbox {
        let queue = Arc::new(Queue::default());
        self.conns.write().insert(fd, queue.clone());
        Mailbox { queue }
    }

    /// Forgets connection `fd` once it has ended; pushes to it fail from then on.
    pub fn unregister(&self, fd: u64) {
        let mut conns = self.conns.write();
        conns.remove(&fd);
        // A map keeps the room of its largest size: after a burst of connections has
        // closed, give most of it back (amortised: only at a quarter full).
        let len = conns.len();
        if conns.capacity() > 64 && len * 4 < conns.capacity() {
            conns.shrink_to(len * 2);
        }
    }

    /// Queues a message for `fd`; false when there is no such connection or its queue
    /// already holds `limit` bytes.
    pub fn push(&self, fd: u64, opcode: u8, data: Bytes, limit: usize) -> bool {
        let conns = self.conns.read();
        let Some(queue) = conns.get(&fd) else { return false };
        let len = data.len();
        if queue.queued.load(Ordering::Relaxed) + len > limit {
            log::line("master", &format!("push to connection {fd} dropped: {limit} bytes (buffer_output_size) are already waiting for a slow client"));
            return false;
        }
        queue.queued.fetch_add(len, Ordering::Relaxed);
        if queue.send(Outbound::Message { opcode, data }) {
            return true;
        }
        queue.queued.fetch_sub(len, Ordering::Relaxed);
        false
    }

    /// Asks connection `fd` to close; false when there is no such connection.
    pub fn close(&self, fd: u64, how: Outbound) -> bool {
        self.conns.read().get(&fd).is_some_and(|q| q.send(how))
    }

    /// Asks every connection to close with `code` (server stop); returns how many.
    pub fn close_all(&self, code: u16, reason: &str) -> usize {
        let conns = self.conns.read();
        for queue in conns.values() {
            queue.send(Outbound::Close { code, reason: reason.to_owned() });
        }
        conns.len()
    }

    /// How many connections are registered.
    pub fn len(&self) -> usize {
        self.conns.read().len()
    }

    /// Whether no connection is registered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pushes_reach_the_connection_within_its_buffer() {
        let r = Registry::default();
        let mailbox = r.register(7);
        assert!(r.push(7, 1, Bytes::from_static(b"hello"), 8));
        assert!(!r.push(7, 1, Bytes::from_static(b"world"), 8), "over buffer_output_size");
        assert!(!r.push(8, 1, Bytes::from_static(b"x"), 8), "no such connection");
        assert!(matches!(mailbox.try_recv(), Some(Outbound::Message { opcode: 1, .. })));
        assert_eq!(mailbox.queue.queued.load(Ordering::Relaxed), 5);
        mailbox.written(5);
        assert!(r.close(7, Outbound::Drop));
        assert_eq!(r.close_all(1001, "bye"), 1);
        assert!(matches!(mailbox.try_recv(), Some(Outbound::Drop)));
        assert!(matches!(mailbox.try_recv(), Some(Outbound::Close { code: 1001, .. })));
        // The connection task ended: pushes fail even before it is unregistered.
        drop(mailbox);
        assert!(!r.push(7, 1, Bytes::from_static(b"late"), 8) && !r.close(7, Outbound::Drop));
        r.unregister(7);
        assert!(r.is_empty() && !r.close(7, Outbound::Drop));
    }

    #[test]
    fn the_map_gives_back_its_room_after_a_burst_closed() {
        let r = Registry::default();
        let mailboxes: Vec<_> = (0..2000).map(|fd| r.register(fd)).collect();
        assert!(r.conns.read().capacity() >= 2000);
        drop(mailboxes);
        for fd in 0..1990 {
            r.unregister(fd);
        }
        assert_eq!(r.len(), 10);
        assert!(r.conns.read().capacity() < 128, "{}", r.conns.read().capacity());
    }

    #[tokio::test]
    async fn recv_waits_for_a_push_made_before_or_during_the_wait() {
        let r = Arc::new(Registry::default());
        let mailbox = r.register(1);
        assert!(r.push(1, 2, Bytes::from_static(b"before"), 64));
        assert!(matches!(mailbox.recv().await, Outbound::Message { opcode: 2, .. }));
        let pusher = {
            let r = r.clone();
            tokio::spawn(async move {
                tokio::task::yield_now().await;
                r.push(1, 1, Bytes::from_static(b"during"), 64)
            })
        };
        assert!(matches!(mailbox.recv().await, Outbound::Message { opcode: 1, .. }));
        assert!(pusher.await.unwrap());
    }
}
