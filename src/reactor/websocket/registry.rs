//! Which WebSocket connections this master holds, and the queue of messages waiting to
//! be written to each.
//!
//! A push arrives from whichever process sent it, on that process's slot task; it is
//! queued here and written by the connection's own task, so a slow client never holds up
//! the worker that pushed. Each queue is bounded in bytes (`buffer_output_size`): past
//! it a push is dropped with a warning rather than growing the master without bound.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use parking_lot::RwLock;
use tokio::sync::mpsc;

use crate::log;

/// Something to do on a connection, from any process.
#[derive(Debug)]
pub enum Outbound {
    Message { opcode: u8, data: Bytes },
    /// Send a close frame, then end the connection once the client answers.
    Close { code: u16, reason: String },
    /// End the connection at once, without a close frame (Swoole's `close($fd)`).
    Drop,
}

struct Entry {
    tx: mpsc::UnboundedSender<Outbound>,
    queued: Arc<AtomicUsize>,
}

/// The receiving end a connection task reads its outbound queue from.
pub struct Mailbox {
    pub rx: mpsc::UnboundedReceiver<Outbound>,
    /// Bytes of messages queued and not yet written; the task subtracts what it writes.
    pub queued: Arc<AtomicUsize>,
}

#[derive(Default)]
pub struct Registry {
    conns: RwLock<HashMap<u64, Entry>>,
}

impl Registry {
    /// Opens the queue of connection `fd` (before its handshake, so `onOpen` can push).
    pub fn register(&self, fd: u64) -> Mailbox {
        let (tx, rx) = mpsc::unbounded_channel();
        let queued = Arc::new(AtomicUsize::new(0));
        self.conns.write().insert(fd, Entry { tx, queued: queued.clone() });
        Mailbox { rx, queued }
    }

    pub fn unregister(&self, fd: u64) {
        self.conns.write().remove(&fd);
    }

    /// Queues a message for `fd`; false when there is no such connection or its queue
    /// already holds `limit` bytes.
    pub fn push(&self, fd: u64, opcode: u8, data: Bytes, limit: usize) -> bool {
        let conns = self.conns.read();
        let Some(entry) = conns.get(&fd) else { return false };
        let len = data.len();
        if entry.queued.load(Ordering::Relaxed) + len > limit {
            log::line("master", &format!("push to connection {fd} dropped: {limit} bytes (buffer_output_size) are already waiting for a slow client"));
            return false;
        }
        entry.queued.fetch_add(len, Ordering::Relaxed);
        entry.tx.send(Outbound::Message { opcode, data }).is_ok()
    }

    /// Asks connection `fd` to close; false when there is no such connection.
    pub fn close(&self, fd: u64, how: Outbound) -> bool {
        self.conns.read().get(&fd).is_some_and(|e| e.tx.send(how).is_ok())
    }

    /// Asks every connection to close with `code` (server stop); returns how many.
    pub fn close_all(&self, code: u16, reason: &str) -> usize {
        let conns = self.conns.read();
        for entry in conns.values() {
            let _ = entry.tx.send(Outbound::Close { code, reason: reason.to_owned() });
        }
        conns.len()
    }

    pub fn len(&self) -> usize {
        self.conns.read().len()
    }

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
        let mut mailbox = r.register(7);
        assert!(r.push(7, 1, Bytes::from_static(b"hello"), 8));
        assert!(!r.push(7, 1, Bytes::from_static(b"world"), 8), "over buffer_output_size");
        assert!(!r.push(8, 1, Bytes::from_static(b"x"), 8), "no such connection");
        assert!(matches!(mailbox.rx.try_recv(), Ok(Outbound::Message { opcode: 1, .. })));
        assert_eq!(mailbox.queued.load(Ordering::Relaxed), 5);
        assert!(r.close(7, Outbound::Drop));
        assert_eq!(r.close_all(1001, "bye"), 1);
        r.unregister(7);
        assert!(r.is_empty() && !r.close(7, Outbound::Drop));
    }
}
