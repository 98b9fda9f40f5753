//! What one instance publishes for the others: a push, a close, a fan-out to every
//! connection or to a uid's, a message of the Pusher server's, or a hello that says the
//! instance is alive.
//!
//! Instances may run different builds during a rolling upgrade, so unlike the worker
//! frames (`crate::ipc`) the encoding starts with a magic and a version, and a decoder
//! refuses what it does not know instead of guessing. Layout, integers big-endian:
//! `"LRS" | version u8 | origin node u32 | origin instance u64 | kind u8 | fields`, the
//! last field running to the end.

use bytes::{BufMut, Bytes, BytesMut};
use thiserror::Error;

const MAGIC: &[u8; 3] = b"LRS";
const VERSION: u8 = 1;
const HEADER: usize = 3 + 1 + 4 + 8 + 1;

mod kind {
    pub const PUSH: u8 = 1;
    pub const CLOSE: u8 = 2;
    pub const FANOUT: u8 = 3;
    pub const HELLO: u8 = 4;
    pub const PUSHER: u8 = 5;
}

/// Which instance sent a message: its node id and a number drawn at its start, so a
/// restarted instance, or two given the same node id by mistake, are told apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    /// `websocket.cluster.node`.
    pub node: u32,
    /// Random, drawn once per master start.
    pub instance: u64,
}

/// Whose connections a fan-out reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Every established WebSocket connection (`pushAll()`).
    All,
    /// Every established WebSocket connection `bind()` tied to this uid (`pushToUid()`).
    Uid(u64),
}

/// What the receiving instance does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// `push($fd, $data, $opcode)` to one of the receiver's connections.
    Push {
        /// The connection, as its instance minted the id.
        fd: u64,
        /// 1, 2, 9 or 10.
        opcode: u8,
        /// The message.
        data: Bytes,
    },
    /// `disconnect($fd, $code, $reason)` (a close frame), or `close($fd)` when `code` is `None`.
    Close {
        /// The connection.
        fd: u64,
        /// The close code; `None`: end the connection without a close frame.
        code: Option<u16>,
        /// The close frame's reason.
        reason: String,
    },
    /// A message for every connection of an audience, on every instance.
    Fanout {
        /// Who gets it.
        audience: Audience,
        /// 1, 2, 9 or 10.
        opcode: u8,
        /// The message.
        data: Bytes,
    },
    /// The sender is alive (sent every few seconds and when it meets a new node).
    Hello,
    /// For the Pusher server of every instance (`websocket.pusher`): a publication or a
    /// change of presence members, in its own encoding (`pusher::relay`), opaque here.
    Pusher(Bytes),
}

/// One published message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// Who sent it.
    pub origin: Origin,
    /// What to do.
    pub delivery: Delivery,
}

/// A message this build cannot read; it is dropped, and logged once per kind of problem.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum EnvelopeError {
    /// Shorter than its kind needs.
    #[error("a cluster message of {0} bytes is too short")]
    Short(usize),
    /// Not published by laravels-rs (another program on the same channel?).
    #[error("a message on the cluster channel is not laravels-rs's (check websocket.cluster.prefix)")]
    Foreign,
    /// Published by a newer build.
    #[error("cluster message version {0} is newer than this build's ({VERSION}); upgrade every instance")]
    Version(u8),
    /// A kind this build does not know.
    #[error("unknown cluster message kind {0}")]
    Kind(u8),
}

impl Envelope {
    /// The bytes to publish.
    pub fn encode(&self) -> Bytes {
        let extra = match &self.delivery {
            Delivery::Push { data, .. } | Delivery::Fanout { data, .. } => 9 + data.len(),
            Delivery::Close { reason, .. } => 10 + reason.len(),
            Delivery::Pusher(data) => data.len(),
            Delivery::Hello => 0,
        };
        let mut out = BytesMut::with_capacity(HEADER + extra);
        out.put_slice(MAGIC);
        out.put_u8(VERSION);
        out.put_u32(self.origin.node);
        out.put_u64(self.origin.instance);
        match &self.delivery {
            Delivery::Push { fd, opcode, data } => {
                out.put_u8(kind::PUSH);
                out.put_u64(*fd);
                out.put_u8(*opcode);
                out.put_slice(data);
            }
            Delivery::Close { fd, code, reason } => {
                out.put_u8(kind::CLOSE);
                out.put_u64(*fd);
                // 0 is no close code (RFC 6455 never sends it).
                out.put_u16(code.unwrap_or(0));
                out.put_slice(reason.as_bytes());
            }
            Delivery::Fanout { audience, opcode, data } => {
                out.put_u8(kind::FANOUT);
                // uid 0 is "not bound", so it can stand for everyone.
                out.put_u64(match audience {
                    Audience::All => 0,
                    Audience::Uid(uid) => *uid,
                });
                out.put_u8(*opcode);
                out.put_slice(data);
            }
            Delivery::Hello => out.put_u8(kind::HELLO),
            Delivery::Pusher(data) => {
                out.put_u8(kind::PUSHER);
                out.put_slice(data);
            }
        }
        out.freeze()
    }

    /// Reads a published message; `bytes` is shared, not copied, by the payload.
    pub fn decode(bytes: &Bytes) -> Result<Self, EnvelopeError> {
        if bytes.len() < 4 || &bytes[..3] != MAGIC {
            return Err(EnvelopeError::Foreign);
        }
        if bytes[3] != VERSION {
            return Err(EnvelopeError::Version(bytes[3]));
        }
        let short = || EnvelopeError::Short(bytes.len());
        let field = |at: usize, len: usize| bytes.get(at..at + len).ok_or_else(short);
        let u64_at = |at: usize| field(at, 8).map(|b| u64::from_be_bytes(b.try_into().expect("8 bytes")));
        let node = u32::from_be_bytes(field(4, 4)?.try_into().expect("4 bytes"));
        let origin = Origin { node, instance: u64_at(8)? };
        let body = HEADER;
        let delivery = match field(16, 1)?[0] {
            kind::PUSH => Delivery::Push { fd: u64_at(body)?, opcode: field(body + 8, 1)?[0], data: bytes.slice(body + 9..) },
            kind::CLOSE => {
                let code = u16::from_be_bytes(field(body + 8, 2)?.try_into().expect("2 bytes"));
                let reason = String::from_utf8_lossy(&bytes[body + 10..]).into_owned();
                Delivery::Close { fd: u64_at(body)?, code: Some(code).filter(|c| *c != 0), reason }
            }
            kind::FANOUT => {
                let audience = match u64_at(body)? {
                    0 => Audience::All,
                    uid => Audience::Uid(uid),
                };
                Delivery::Fanout { audience, opcode: field(body + 8, 1)?[0], data: bytes.slice(body + 9..) }
            }
            kind::HELLO => Delivery::Hello,
            kind::PUSHER => Delivery::Pusher(bytes.slice(body..)),
            other => return Err(EnvelopeError::Kind(other)),
        };
        Ok(Envelope { origin, delivery })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FROM: Origin = Origin { node: 7, instance: 0xDEAD_BEEF };

    fn roundtrip(delivery: Delivery) {
        let e = Envelope { origin: FROM, delivery };
        assert_eq!(Envelope::decode(&e.encode()), Ok(e));
    }

    #[test]
    fn every_delivery_survives_the_trip() {
        roundtrip(Delivery::Push { fd: crate::cluster::fd::compose(2, 9), opcode: 1, data: Bytes::from_static(b"hi \xF0\x9F\x91\x8B") });
        roundtrip(Delivery::Push { fd: 3, opcode: 2, data: Bytes::from_static(&[0, 255, 0]) });
        roundtrip(Delivery::Push { fd: 3, opcode: 1, data: Bytes::new() });
        roundtrip(Delivery::Close { fd: 4, code: Some(4000), reason: "bye".into() });
        roundtrip(Delivery::Close { fd: 4, code: None, reason: String::new() });
        roundtrip(Delivery::Fanout { audience: Audience::All, opcode: 1, data: Bytes::from_static(b"all") });
        roundtrip(Delivery::Fanout { audience: Audience::Uid(42), opcode: 2, data: Bytes::from_static(b"u") });
        roundtrip(Delivery::Hello);
        roundtrip(Delivery::Pusher(Bytes::from_static(br#"{"publish":{}}"#)));
        roundtrip(Delivery::Pusher(Bytes::new()));
    }

    #[test]
    fn the_layout_is_fixed() {
        let e = Envelope { origin: Origin { node: 1, instance: 2 }, delivery: Delivery::Push { fd: 3, opcode: 1, data: Bytes::from_static(b"x") } };
        assert_eq!(&e.encode()[..], b"LRS\x01\0\0\0\x01\0\0\0\0\0\0\0\x02\x01\0\0\0\0\0\0\0\x03\x01x");
    }

    #[test]
    fn what_it_cannot_read_is_refused() {
        assert_eq!(Envelope::decode(&Bytes::from_static(b"hello")), Err(EnvelopeError::Foreign));
        assert_eq!(Envelope::decode(&Bytes::from_static(b"LRS\x02rest")), Err(EnvelopeError::Version(2)));
        let hello = Envelope { origin: FROM, delivery: Delivery::Hello }.encode();
        let mut bad = hello.to_vec();
        bad[16] = 99;
        assert_eq!(Envelope::decode(&Bytes::from(bad)), Err(EnvelopeError::Kind(99)));
        let push = Envelope { origin: FROM, delivery: Delivery::Push { fd: 1, opcode: 1, data: Bytes::new() } }.encode();
        for len in 4..push.len() {
            assert!(Envelope::decode(&push.slice(..len)).is_err(), "cut at {len}");
        }
    }
}
