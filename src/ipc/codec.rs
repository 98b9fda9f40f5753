//! The frames: which kind byte stands for which `ToWorker` or `ToMaster` message, and the
//! fields each one carries in order. How a field is written (integers, byte strings, a
//! request head, a form) is `wire.rs`. Encoding writes the 4-byte frame length first, so
//! a frame can be written with one `write_all`.

use bytes::Bytes;

use crate::cluster::Audience;

use super::message::{Request, RequestHead, Retire, ToMaster, ToWorker};
pub use super::wire::DecodeError;
use super::wire::{Reader, Writer};

/// Largest frame accepted; bounds what a corrupt length prefix can make us allocate.
pub const MAX_FRAME: usize = 1 << 30;

mod kind {
    pub const REQUEST: u8 = 1;
    pub const STOP: u8 = 2;
    pub const TASK_ACCEPTED: u8 = 3;
    pub const TASK: u8 = 4;
    pub const FINISH: u8 = 5;
    pub const OPEN: u8 = 6;
    pub const FRAME: u8 = 7;
    pub const CLOSE: u8 = 8;
    pub const CONNECT: u8 = 20;
    pub const RECEIVE: u8 = 21;
    pub const PACKET: u8 = 22;
    pub const PORT_REQUEST: u8 = 23;
    pub const BUFFER: u8 = 25;
    pub const HELLO: u8 = 10;
    pub const RESPONSE: u8 = 11;
    pub const CHUNK: u8 = 12;
    pub const END: u8 = 13;
    pub const DELIVER_TASK: u8 = 14;
    pub const TASK_DONE: u8 = 15;
    pub const FINISH_DONE: u8 = 16;
    pub const PUSH: u8 = 17;
    pub const DISCONNECT: u8 = 18;
    pub const EVENT_DONE: u8 = 19;
    pub const SEND_TO: u8 = 24;
    pub const STATUS_QUERY: u8 = 26;
    pub const STATUS: u8 = 27;
    pub const TASK_RESULT: u8 = 28;
    pub const PIPE_MESSAGE: u8 = 29;
    pub const TASK_TO: u8 = 30;
    pub const PIPE_MESSAGE_TO: u8 = 31;
    pub const FANOUT: u8 = 32;
    pub const TASK_FINISH: u8 = 33;
    // 40 onwards: the Pusher protocol (issue 17), apart from kinds other work may add.
    pub const PUBLISH: u8 = 40;
}

/// Encodes a frame for a worker, length prefix included, ready to write.
pub fn encode_to_worker(msg: &ToWorker) -> Vec<u8> {
    match msg {
        ToWorker::Request(Request { head, body, form }) => {
            let mut w = Writer::frame(kind::REQUEST, head_size(head) + body.len());
            w.head(head);
            w.bytes(body);
            w.form(form.as_ref());
            w.finish()
        }
        ToWorker::Stop => Writer::frame(kind::STOP, 0).finish(),
        ToWorker::Status(json) => {
            let mut w = Writer::frame(kind::STATUS, json.len() + 4);
            w.bytes(json);
            w.finish()
        }
        ToWorker::TaskAccepted(ok) => {
            let mut w = Writer::frame(kind::TASK_ACCEPTED, 1);
            w.u8(u8::from(*ok));
            w.finish()
        }
        ToWorker::Task { payload, origin } => {
            let mut w = Writer::frame(kind::TASK, payload.len() + 9);
            w.bytes(payload);
            w.opt_u32(*origin);
            w.finish()
        }
        ToWorker::Finish { payload } => {
            let mut w = Writer::frame(kind::FINISH, payload.len() + 4);
            w.bytes(payload);
            w.finish()
        }
        ToWorker::Open { fd, port, head } => {
            let mut w = Writer::frame(kind::OPEN, head_size(head) + 12);
            w.u64(*fd);
            w.u32(*port);
            w.head(head);
            w.finish()
        }
        ToWorker::Frame { fd, port, opcode, data } => {
            let mut w = Writer::frame(kind::FRAME, data.len() + 17);
            w.u64(*fd);
            w.u32(*port);
            w.u8(*opcode);
            w.bytes(data);
            w.finish()
        }
        ToWorker::Close { fd, port } => {
            let mut w = Writer::frame(kind::CLOSE, 12);
            w.u64(*fd);
            w.u32(*port);
            w.finish()
        }
        ToWorker::Connect { fd, port } => {
            let mut w = Writer::frame(kind::CONNECT, 12);
            w.u64(*fd);
            w.u32(*port);
            w.finish()
        }
        ToWorker::Receive { fd, port, data } => {
            let mut w = Writer::frame(kind::RECEIVE, data.len() + 16);
            w.u64(*fd);
            w.u32(*port);
            w.bytes(data);
            w.finish()
        }
        ToWorker::Buffer { fd, port, full } => {
            let mut w = Writer::frame(kind::BUFFER, 13);
            w.u64(*fd);
            w.u32(*port);
            w.u8(u8::from(*full));
            w.finish()
        }
        ToWorker::Packet { port, address, remote_port, data } => {
            let mut w = Writer::frame(kind::PACKET, data.len() + address.len() + 14);
            w.u32(*port);
            w.bytes(address.as_bytes());
            w.u16(*remote_port);
            w.bytes(data);
            w.finish()
        }
        ToWorker::PortRequest { fd, port, head, body } => {
            let mut w = Writer::frame(kind::PORT_REQUEST, head_size(head) + body.len() + 12);
            w.u64(*fd);
            w.u32(*port);
            w.head(head);
            w.bytes(body);
            w.finish()
        }
        ToWorker::TaskResult { id, payload } => {
            let mut w = Writer::frame(kind::TASK_RESULT, payload.as_ref().map_or(0, Bytes::len) + 13);
            w.u64(*id);
            w.opt_bytes(payload.as_deref());
            w.finish()
        }
        ToWorker::PipeMessage { payload } => {
            let mut w = Writer::frame(kind::PIPE_MESSAGE, payload.len() + 4);
            w.bytes(payload);
            w.finish()
        }
    }
}

/// A generous guess of an encoded head's size, to allocate once.
fn head_size(head: &RequestHead) -> usize {
    head.headers.iter().map(|(n, v)| n.len() + v.len() + 8).sum::<usize>() + head.uri.len() + 96
}

/// Decodes a frame body (kind byte onwards) sent to a worker.
pub fn decode_to_worker(frame: &Bytes) -> Result<ToWorker, DecodeError> {
    let mut r = Reader::new(frame);
    match r.u8()? {
        kind::REQUEST => {
            let head = r.head()?;
            let body = r.bytes()?;
            let form = r.form()?;
            Ok(ToWorker::Request(Request { head, body, form }))
        }
        kind::STOP => Ok(ToWorker::Stop),
        kind::STATUS => Ok(ToWorker::Status(r.bytes()?)),
        kind::TASK_ACCEPTED => Ok(ToWorker::TaskAccepted(r.u8()? != 0)),
        kind::TASK => Ok(ToWorker::Task { payload: r.bytes()?, origin: r.opt_u32()? }),
        kind::FINISH => Ok(ToWorker::Finish { payload: r.bytes()? }),
        kind::OPEN => Ok(ToWorker::Open { fd: r.u64()?, port: r.u32()?, head: r.head()? }),
        kind::FRAME => Ok(ToWorker::Frame { fd: r.u64()?, port: r.u32()?, opcode: r.u8()?, data: r.bytes()? }),
        kind::CLOSE => Ok(ToWorker::Close { fd: r.u64()?, port: r.u32()? }),
        kind::CONNECT => Ok(ToWorker::Connect { fd: r.u64()?, port: r.u32()? }),
        kind::RECEIVE => Ok(ToWorker::Receive { fd: r.u64()?, port: r.u32()?, data: r.bytes()? }),
        kind::BUFFER => Ok(ToWorker::Buffer { fd: r.u64()?, port: r.u32()?, full: r.u8()? != 0 }),
        kind::PACKET => Ok(ToWorker::Packet { port: r.u32()?, address: r.string()?, remote_port: r.u16()?, data: r.bytes()? }),
        kind::PORT_REQUEST => Ok(ToWorker::PortRequest { fd: r.u64()?, port: r.u32()?, head: r.head()?, body: r.bytes()? }),
        kind::TASK_RESULT => Ok(ToWorker::TaskResult { id: r.u64()?, payload: r.opt_bytes()? }),
        kind::PIPE_MESSAGE => Ok(ToWorker::PipeMessage { payload: r.bytes()? }),
        other => Err(DecodeError::UnknownKind(other)),
    }
}

/// Encodes a frame for the master, length prefix included, ready to write.
pub fn encode_to_master(msg: &ToMaster) -> Vec<u8> {
    match msg {
        ToMaster::Hello { worker_id, pid, forked_at } => {
            let mut w = Writer::frame(kind::HELLO, 16);
            w.u32(*worker_id);
            w.u32(*pid);
            w.u64(*forked_at);
            w.finish()
        }
        ToMaster::Response { status, reason, headers, body, complete, retire } => {
            let size: usize = headers.iter().map(|(n, v)| n.len() + v.len() + 8).sum();
            let mut w = Writer::frame(kind::RESPONSE, size + body.len() + 32);
            w.u16(*status);
            w.bytes(reason.as_deref().unwrap_or("").as_bytes());
            w.headers(headers);
            w.bytes(body);
            w.u8(u8::from(*complete) | retire.code() << 1);
            w.finish()
        }
        ToMaster::Chunk(data) => bytes_frame(kind::CHUNK, data),
        ToMaster::End { retire } => retire_frame(kind::END, *retire),
        ToMaster::DeliverTask { payload, finish, delay_ms } => {
            let mut w = Writer::frame(kind::DELIVER_TASK, payload.len() + 13);
            w.bytes(payload);
            w.u8(u8::from(*finish));
            w.u64(*delay_ms);
            w.finish()
        }
        ToMaster::TaskDone { payload, origin, retire } => {
            let mut w = Writer::frame(kind::TASK_DONE, payload.as_ref().map_or(0, bytes::Bytes::len) + 11);
            match payload {
                Some(p) => {
                    w.u8(1);
                    w.bytes(p);
                }
                None => w.u8(0),
            }
            w.opt_u32(*origin);
            w.u8(retire.code());
            w.finish()
        }
        ToMaster::TaskFinish { payload } => bytes_frame(kind::TASK_FINISH, payload),
        ToMaster::FinishDone { retire } => retire_frame(kind::FINISH_DONE, *retire),
        ToMaster::Push { fd, opcode, data } => {
            let mut w = Writer::frame(kind::PUSH, data.len() + 13);
            w.u64(*fd);
            w.u8(*opcode);
            w.bytes(data);
            w.finish()
        }
        ToMaster::Fanout { audience, opcode, data } => {
            let mut w = Writer::frame(kind::FANOUT, data.len() + 13);
            // uid 0 means "not bound", so it stands for every connection.
            w.u64(match audience {
                Audience::All => 0,
                Audience::Uid(uid) => *uid,
            });
            w.u8(*opcode);
            w.bytes(data);
            w.finish()
        }
        ToMaster::Disconnect { fd, code, reason } => {
            let mut w = Writer::frame(kind::DISCONNECT, reason.len() + 15);
            w.u64(*fd);
            // 0 is no close code on the wire (RFC 6455 never uses it).
            w.u16(code.unwrap_or(0));
            w.bytes(reason.as_bytes());
            w.finish()
        }
        ToMaster::SendTo { port, address, remote_port, data } => {
            let mut w = Writer::frame(kind::SEND_TO, data.len() + address.len() + 14);
            w.u32(*port);
            w.bytes(address.as_bytes());
            w.u16(*remote_port);
            w.bytes(data);
            w.finish()
        }
        ToMaster::EventDone { retire } => retire_frame(kind::EVENT_DONE, *retire),
        ToMaster::StatusQuery => Writer::frame(kind::STATUS_QUERY, 0).finish(),
        ToMaster::TaskTo { payload, dst, wait } => {
            let mut w = Writer::frame(kind::TASK_TO, payload.len() + 18);
            w.bytes(payload);
            w.opt_u32(*dst);
            match wait {
                Some(id) => {
                    w.u8(1);
                    w.u64(*id);
                }
                None => w.u8(0),
            }
            w.finish()
        }
        ToMaster::Publish { channels, event, data, except } => publish_frame(channels, event, data, except.as_deref()),
        ToMaster::PipeMessage { dst, payload } => {
            let mut w = Writer::frame(kind::PIPE_MESSAGE_TO, payload.len() + 8);
            w.u32(*dst);
            w.bytes(payload);
            w.finish()
        }
    }
}

/// A `Publish`: the channel count and names, the event, its data, the excepted socket.
fn publish_frame(channels: &[String], event: &str, data: &str, except: Option<&str>) -> Vec<u8> {
    let names: usize = channels.iter().map(|c| c.len() + 4).sum();
    let mut w = Writer::frame(kind::PUBLISH, names + event.len() + data.len() + except.map_or(0, str::len) + 17);
    w.u32(channels.len() as u32);
    for channel in channels {
        w.bytes(channel.as_bytes());
    }
    w.bytes(event.as_bytes());
    w.bytes(data.as_bytes());
    w.opt_bytes(except.map(str::as_bytes));
    w.finish()
}

/// A frame whose only field is one byte string.
fn bytes_frame(kind: u8, data: &[u8]) -> Vec<u8> {
    let mut w = Writer::frame(kind, data.len() + 4);
    w.bytes(data);
    w.finish()
}

/// A frame whose only field is the retire byte.
fn retire_frame(kind: u8, retire: Retire) -> Vec<u8> {
    let mut w = Writer::frame(kind, 1);
    w.u8(retire.code());
    w.finish()
}

fn retire(code: u8) -> Result<Retire, DecodeError> {
    Retire::from_code(code).ok_or(DecodeError::Retire(code))
}

/// Decodes a frame body (kind byte onwards) sent to the master.
pub fn decode_to_master(frame: &Bytes) -> Result<ToMaster, DecodeError> {
    let mut r = Reader::new(frame);
    match r.u8()? {
        kind::HELLO => Ok(ToMaster::Hello { worker_id: r.u32()?, pid: r.u32()?, forked_at: r.u64()? }),
        kind::STATUS_QUERY => Ok(ToMaster::StatusQuery),
        kind::RESPONSE => {
            let status = r.u16()?;
            let reason = r.string()?;
            let headers = r.headers()?;
            let body = r.bytes()?;
            let flags = r.u8()?;
            Ok(ToMaster::Response {
                status,
                reason: (!reason.is_empty()).then_some(reason),
                headers,
                body,
                complete: flags & 1 != 0,
                retire: retire(flags >> 1)?,
            })
        }
        kind::CHUNK => Ok(ToMaster::Chunk(r.bytes()?)),
        kind::END => Ok(ToMaster::End { retire: retire(r.u8()?)? }),
        kind::DELIVER_TASK => Ok(ToMaster::DeliverTask { payload: r.bytes()?, finish: r.u8()? != 0, delay_ms: r.u64()? }),
        kind::TASK_DONE => {
            let payload = match r.u8()? {
                0 => None,
                _ => Some(r.bytes()?),
            };
            Ok(ToMaster::TaskDone { payload, origin: r.opt_u32()?, retire: retire(r.u8()?)? })
        }
        kind::FINISH_DONE => Ok(ToMaster::FinishDone { retire: retire(r.u8()?)? }),
        kind::TASK_FINISH => Ok(ToMaster::TaskFinish { payload: r.bytes()? }),
        kind::PUSH => Ok(ToMaster::Push { fd: r.u64()?, opcode: r.u8()?, data: r.bytes()? }),
        kind::FANOUT => {
            let audience = match r.u64()? {
                0 => Audience::All,
                uid => Audience::Uid(uid),
            };
            Ok(ToMaster::Fanout { audience, opcode: r.u8()?, data: r.bytes()? })
        }
        kind::DISCONNECT => {
            let fd = r.u64()?;
            let code = Some(r.u16()?).filter(|c| *c != 0);
            Ok(ToMaster::Disconnect { fd, code, reason: r.string()? })
        }
        kind::EVENT_DONE => Ok(ToMaster::EventDone { retire: retire(r.u8()?)? }),
        kind::SEND_TO => Ok(ToMaster::SendTo { port: r.u32()?, address: r.string()?, remote_port: r.u16()?, data: r.bytes()? }),
        kind::TASK_TO => {
            let payload = r.bytes()?;
            let dst = r.opt_u32()?;
            let wait = if r.u8()? == 0 { None } else { Some(r.u64()?) };
            Ok(ToMaster::TaskTo { payload, dst, wait })
        }
        kind::PIPE_MESSAGE_TO => Ok(ToMaster::PipeMessage { dst: r.u32()?, payload: r.bytes()? }),
        kind::PUBLISH => {
            let count = r.u32()?;
            // Each name takes at least its 4-byte length: a corrupt count fails as truncation.
            let mut channels = Vec::with_capacity((count as usize).min(frame.len() / 4));
            for _ in 0..count {
                channels.push(r.string()?);
            }
            let event = r.string()?;
            let data = r.string()?;
            let except = r.opt_bytes()?.map(|b| String::from_utf8_lossy(&b).into_owned());
            Ok(ToMaster::Publish { channels, event, data, except })
        }
        other => Err(DecodeError::UnknownKind(other)),
    }
}

/// Splits the length prefix off an encoded frame; used by tests and the blocking reader.
pub fn frame_len(prefix: [u8; 4]) -> usize {
    u32::from_le_bytes(prefix) as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipc::message::{Form, UploadedFile};

    fn roundtrip_worker(msg: ToWorker) {
        let enc = encode_to_worker(&msg);
        assert_eq!(frame_len(enc[..4].try_into().unwrap()), enc.len() - 4);
        let body = Bytes::copy_from_slice(&enc[4..]);
        assert_eq!(decode_to_worker(&body).unwrap(), msg);
    }

    fn roundtrip_master(msg: ToMaster) {
        let enc = encode_to_master(&msg);
        let body = Bytes::copy_from_slice(&enc[4..]);
        assert_eq!(decode_to_master(&body).unwrap(), msg);
    }

    fn head() -> RequestHead {
        RequestHead {
            method: "POST".into(),
            uri: "/echo?a=1&b[]=2".into(),
            protocol: "HTTP/1.1",
            headers: vec![("host".into(), Bytes::from_static(b"x")), ("cookie".into(), Bytes::from_static(b"a=b"))],
            remote_addr: "127.0.0.1".into(),
            remote_port: 5555,
            server_addr: "127.0.0.1".into(),
            server_port: 5200,
            https: true,
            time: 1_700_000_000.25,
        }
    }

    #[test]
    fn request_and_stop_roundtrip() {
        roundtrip_worker(ToWorker::Request(Request { head: head(), body: Bytes::from_static(b"{\"x\":1}"), form: None }));
        let form = Form {
            fields: vec![("name".into(), Bytes::from_static(b"Ann")), ("tags[]".into(), Bytes::from_static(b"\xff"))],
            files: vec![UploadedFile {
                field: "photo".into(),
                filename: "a.png".into(),
                content_type: "image/png".into(),
                path: "/tmp/x".into(),
                size: 42,
                error: 0,
            }],
        };
        roundtrip_worker(ToWorker::Request(Request { head: head(), body: Bytes::new(), form: Some(form) }));
        roundtrip_worker(ToWorker::Stop);
        roundtrip_worker(ToWorker::TaskAccepted(true));
        roundtrip_worker(ToWorker::Status(Bytes::from_static(b"{\"workers\":[]}")));
        roundtrip_worker(ToWorker::Task { payload: Bytes::from_static(b"O:4:..."), origin: Some(2) });
        roundtrip_worker(ToWorker::Task { payload: Bytes::new(), origin: None });
        roundtrip_worker(ToWorker::Finish { payload: Bytes::from_static(b"x") });
    }

    #[test]
    fn websocket_messages_roundtrip() {
        roundtrip_worker(ToWorker::Open { fd: 1 << 40, port: 2, head: head() });
        roundtrip_worker(ToWorker::Frame { fd: 7, port: 0, opcode: 2, data: Bytes::from_static(b"\x00\xff") });
        roundtrip_worker(ToWorker::Close { fd: 7, port: 1 });
        roundtrip_worker(ToWorker::Connect { fd: 8, port: 1 });
        roundtrip_worker(ToWorker::Buffer { fd: 8, port: 1, full: true });
        roundtrip_worker(ToWorker::Receive { fd: 8, port: 1, data: Bytes::from_static(b"quit\r\n") });
        roundtrip_worker(ToWorker::Packet { port: 2, address: "::1".into(), remote_port: 9, data: Bytes::from_static(b"hi") });
        roundtrip_worker(ToWorker::PortRequest { fd: 3, port: 3, head: head(), body: Bytes::from_static(b"b") });
        roundtrip_master(ToMaster::SendTo { port: 2, address: "127.0.0.1".into(), remote_port: 9, data: Bytes::from_static(b"re") });
        roundtrip_master(ToMaster::Push { fd: 9, opcode: 1, data: Bytes::from_static(b"hi") });
        roundtrip_master(ToMaster::Publish {
            channels: vec!["news".into(), "private-a".into()],
            event: "E".into(),
            data: "{}".into(),
            except: Some("1.2".into()),
        });
        roundtrip_master(ToMaster::Publish { channels: vec![], event: String::new(), data: String::new(), except: None });
        roundtrip_master(ToMaster::Disconnect { fd: 9, code: Some(4000), reason: "bye".into() });
        roundtrip_master(ToMaster::Fanout { audience: Audience::All, opcode: 1, data: Bytes::from_static(b"all") });
        roundtrip_master(ToMaster::Fanout { audience: Audience::Uid(42), opcode: 2, data: Bytes::from_static(b"u") });
        roundtrip_master(ToMaster::Disconnect { fd: 9, code: None, reason: String::new() });
        roundtrip_master(ToMaster::EventDone { retire: Retire::Ending });
    }

    #[test]
    fn master_messages_roundtrip() {
        roundtrip_master(ToMaster::Hello { worker_id: 3, pid: 4242, forked_at: 1_234_567_890 });
        roundtrip_master(ToMaster::StatusQuery);
        roundtrip_master(ToMaster::Response {
            status: 418,
            reason: Some("Teapot".into()),
            headers: vec![("Set-Cookie".into(), Bytes::from_static(b"a=1")), ("Set-Cookie".into(), Bytes::from_static(b"b=2"))],
            body: Bytes::from_static(b"hello"),
            complete: false,
            retire: Retire::MaxRequest,
        });
        roundtrip_master(ToMaster::Chunk(Bytes::from_static(b"part")));
        roundtrip_master(ToMaster::End { retire: Retire::Stays });
        roundtrip_master(ToMaster::DeliverTask { payload: Bytes::from_static(b"task"), finish: true, delay_ms: 3000 });
        roundtrip_master(ToMaster::TaskDone { payload: Some(Bytes::from_static(b"t")), origin: Some(1), retire: Retire::Memory });
        roundtrip_master(ToMaster::TaskDone { payload: None, origin: None, retire: Retire::Stays });
        roundtrip_master(ToMaster::FinishDone { retire: Retire::Stays });
    }

    #[test]
    fn swoole_task_and_pipe_messages_roundtrip() {
        roundtrip_master(ToMaster::TaskTo { payload: Bytes::from_static(b"O:1"), dst: Some(2), wait: Some(1 << 40) });
        roundtrip_master(ToMaster::TaskTo { payload: Bytes::new(), dst: None, wait: None });
        roundtrip_master(ToMaster::PipeMessage { dst: 3, payload: Bytes::from_static(b"hi") });
        roundtrip_master(ToMaster::TaskFinish { payload: Bytes::from_static(b"O:r") });
        roundtrip_worker(ToWorker::TaskResult { id: 7, payload: Some(Bytes::from_static(b"r")) });
        roundtrip_worker(ToWorker::TaskResult { id: 8, payload: None });
        roundtrip_worker(ToWorker::PipeMessage { payload: Bytes::from_static(b"m") });
    }

    #[test]
    fn truncated_and_unknown_frames_are_errors() {
        let enc = encode_to_worker(&ToWorker::Request(Request { head: head(), body: Bytes::new(), form: None }));
        let cut = Bytes::copy_from_slice(&enc[4..enc.len() - 3]);
        assert_eq!(decode_to_worker(&cut), Err(DecodeError::Truncated));
        assert_eq!(decode_to_master(&Bytes::from_static(&[99])), Err(DecodeError::UnknownKind(99)));
        // A header count far beyond the frame must not allocate for it.
        let lying = Bytes::from_static(&[kind::RESPONSE, 200, 0, 0, 0, 0, 0, 255, 255, 255, 255]);
        assert_eq!(decode_to_master(&lying), Err(DecodeError::Truncated));
    }
}
