//! The messages exchanged between the master and a worker.

use bytes::Bytes;

/// One header line: lower-case name (as hyper gives it) and raw value bytes.
pub type Header = (String, Bytes);

/// Everything a worker needs to rebuild the request in PHP, minus the body.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestHead {
    /// The request method as sent (`GET`, `POST` ...).
    pub method: String,
    /// Origin-form target as received: path plus optional `?query`.
    pub uri: String,
    /// "HTTP/1.0", "HTTP/1.1" or "HTTP/2.0".
    pub protocol: &'static str,
    /// The request headers, in the order received.
    pub headers: Vec<Header>,
    /// The client's IP address (a trusted proxy's `X-Real-IP`); empty for a peer on the unix socket.
    pub remote_addr: String,
    /// The client's port (a trusted proxy's `X-Real-PORT`).
    pub remote_port: u16,
    /// The local address the request came in on (a trusted proxy's `Server-Addr`).
    pub server_addr: String,
    /// The local port the request came in on (a trusted proxy's `Server-Port`).
    pub server_port: u16,
    /// Whether the client used HTTPS: TLS on the port, or a trusted proxy's `Scheme` / `X-Forwarded-Proto`.
    pub https: bool,
    /// Seconds since the epoch when the master finished reading the head.
    pub time: f64,
}

/// A file part of a multipart body, already spooled to `upload_tmp_dir` by the master.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadedFile {
    /// The form field name, brackets included (`photos[]`).
    pub field: String,
    /// The client's file name.
    pub filename: String,
    /// The part's `Content-Type`, as the client sent it.
    pub content_type: String,
    /// Where the content is; empty when `error` is set.
    pub path: String,
    /// The content's length in bytes.
    pub size: u64,
    /// PHP's `UPLOAD_ERR`_* code: 0 for a good upload, 4 for an empty file input.
    pub error: u8,
}

/// A parsed multipart/form-data body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Form {
    /// The non-file fields, name and value, in body order.
    pub fields: Vec<(String, Bytes)>,
    /// The file fields, in body order.
    pub files: Vec<UploadedFile>,
}

/// A request for the application: what a worker needs to rebuild it in PHP. A multipart
/// body comes parsed as `form` (its files on disk) with an empty `body`, as PHP itself
/// does.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// Method, target, headers and the connection's addresses.
    pub head: RequestHead,
    /// The raw body; empty when it came parsed as `form`.
    pub body: Bytes,
    /// The parsed multipart body; `None` for any other body.
    pub form: Option<Form>,
}

/// Master to worker.
#[derive(Debug, Clone, PartialEq)]
pub enum ToWorker {
    /// Handle this request and answer with `ToMaster::Response`.
    Request(Request),
    /// Finish what you are doing and exit (reload, stop).
    Stop,
    /// The answer to `ToMaster::DeliverTask`: whether the task was queued.
    TaskAccepted(bool),
    /// The answer to `ToMaster::StatusQuery`: the server's status as JSON
    /// (`reactor::status`).
    Status(Bytes),
    /// Run this task (task workers only). `origin` is the worker to send `finish` to.
    Task {
        /// The task, as PHP serialized it.
        payload: Bytes,
        /// The worker that delivered it and wants its `finish()`; `None` when none does.
        origin: Option<u32>,
    },
    /// Run the `finish()` of a task this worker delivered; answer with `FinishDone`.
    Finish {
        /// The finished task, as the task worker returned it.
        payload: Bytes,
    },
    /// A WebSocket upgrade request on connection `fd` of port `port` (0: the main port):
    /// run it through the kernel and the handler's handshake and `onOpen`, then answer
    /// with a `Response` (101 accepts).
    Open {
        /// The connection's id (Swoole's `$fd`).
        fd: u64,
        /// Index of its listening port in `$server->ports`.
        port: u32,
        /// The upgrade request.
        head: RequestHead,
    },
    /// A whole WebSocket message from `fd`; answer with `EventDone`.
    Frame {
        /// The sending connection.
        fd: u64,
        /// Index of its listening port in `$server->ports`.
        port: u32,
        /// The WebSocket opcode: 1 text, 2 binary.
        opcode: u8,
        /// The message's payload, its fragments joined.
        data: Bytes,
    },
    /// Connection `fd` (WebSocket, or TCP on an extra port) closed; answer `EventDone`.
    Close {
        /// The closed connection.
        fd: u64,
        /// Index of its listening port in `$server->ports`.
        port: u32,
    },
    /// A TCP connection opened on extra port `port`; answer `EventDone`.
    Connect {
        /// The new connection's id.
        fd: u64,
        /// Index of the extra port in `$server->ports`.
        port: u32,
    },
    /// One message (as the port's framing cuts them) from TCP connection `fd`.
    Receive {
        /// The sending connection.
        fd: u64,
        /// Index of the extra port in `$server->ports`.
        port: u32,
        /// One message, as the port's `Framing` cut it.
        data: Bytes,
    },
    /// The output queue of TCP connection `fd` passed its high-water mark (`full`), or
    /// drained after that; answer with `EventDone`.
    Buffer {
        /// The connection whose queue changed.
        fd: u64,
        /// Index of the extra port in `$server->ports`.
        port: u32,
        /// True when the queue passed the mark, false when it drained.
        full: bool,
    },
    /// A UDP datagram on extra port `port` from `address`:`remote_port`.
    Packet {
        /// Index of the UDP port in `$server->ports`.
        port: u32,
        /// The sender's IP address.
        address: String,
        /// The sender's port.
        remote_port: u16,
        /// The datagram's payload.
        data: Bytes,
    },
    /// An HTTP request on an extra port with an `Http` handler; answer with `Response`.
    PortRequest {
        /// The connection's id.
        fd: u64,
        /// Index of the extra port in `$server->ports`.
        port: u32,
        /// Method, target, headers and addresses.
        head: RequestHead,
        /// The whole request body.
        body: Bytes,
    },
    /// The result of task `id` this worker waits for (`ToMaster::TaskTo` with `wait`),
    /// sent while the worker is still in the middle of its request; `None`: the task was
    /// refused (no task workers, or the queue is full). Never reaches PHP's `next()`.
    TaskResult {
        /// The id the worker gave the task.
        id: u64,
        /// The result, as the task worker serialized it; `None` when refused.
        payload: Option<Bytes>,
    },
    /// A message another process sent this one (Swoole's `sendMessage`), for its
    /// `onPipeMessage` handlers; answer with `EventDone`.
    PipeMessage {
        /// The message, as the sender serialized it.
        payload: Bytes,
    },
}

/// `SendTo::port` for Swoole's `$serverSocket = -1`: the first UDP port of `sockets`.
pub const ANY_UDP_PORT: u32 = u32::MAX;

/// Worker to master.
#[derive(Debug, Clone, PartialEq)]
pub enum ToMaster {
    /// First frame on a new connection: who is speaking.
    Hello {
        /// The process's id: HTTP workers from 0, then task workers, the timer, custom processes.
        worker_id: u32,
        /// The process's OS pid.
        pid: u32,
        /// When the manager forked it (`CLOCK_MONOTONIC`, ns): a process forked before a
        /// reload that connects after it is replaced at once, since it may have loaded
        /// the old code. 0: not forked by the manager.
        forked_at: u64,
    },
    /// The response head, with the whole body when `complete`, or the first part of a
    /// streamed body otherwise (then `Chunk`s and one `End` follow).
    Response {
        /// The HTTP status code.
        status: u16,
        /// A non-standard reason phrase the application set; `None`: the standard one.
        reason: Option<String>,
        /// The response headers, in the order PHP set them.
        headers: Vec<Header>,
        /// The whole body when `complete`, else its first part (maybe empty).
        body: Bytes,
        /// Whether `body` is the whole body.
        complete: bool,
        /// When `complete`: the worker leaves after this (`max_request`, `worker_memory_limit`, or ending).
        retire: Retire,
    },
    /// A piece of a streamed body.
    Chunk(Bytes),
    /// The end of a streamed body.
    End {
        /// The worker leaves after this: `max_request` or `worker_memory_limit` reached, or the process is ending.
        retire: Retire,
    },
    /// Queue a task (serialized by PHP) for a task worker, after `delay_ms`; the master
    /// answers `ToWorker::TaskAccepted`. `finish` asks for the task back when it is done.
    DeliverTask {
        /// The task, as PHP serialized it.
        payload: Bytes,
        /// Send the task back to this worker for its `finish()` once done.
        finish: bool,
        /// Milliseconds to wait before queueing it; 0: at once.
        delay_ms: u64,
    },
    /// A task worker finished its task; `payload` (the task again) goes to `origin`.
    TaskDone {
        /// The task again, for its `finish()`; `None` when no `finish()` is wanted.
        payload: Option<Bytes>,
        /// The worker to run its `finish()`, as `ToWorker::Task` named it.
        origin: Option<u32>,
        /// The task worker leaves after this: `task_max_request` or `worker_memory_limit` reached, or the process is ending.
        retire: Retire,
    },
    /// Swoole's `finish()` in a task worker, mid-task: the result (the task again) goes to
    /// the task's sender at once, as the task runs on. Each call is one result.
    TaskFinish {
        /// The task with its result, as PHP serialized it.
        payload: Bytes,
    },
    /// A worker finished running a task's `finish()`.
    FinishDone {
        /// The worker leaves after this: `max_request` or `worker_memory_limit` reached, or the process is ending.
        retire: Retire,
    },
    /// Send a WebSocket message (`opcode` 1, 2, 9, 10) or raw bytes (`opcode` 0, TCP
    /// ports) to connection `fd`. Never answered: a broadcast must not cost a round trip
    /// per connection.
    Push {
        /// The target connection.
        fd: u64,
        /// The WebSocket opcode, or 0 for raw bytes on a TCP port.
        opcode: u8,
        /// The payload.
        data: Bytes,
    },
    /// `pushAll()` / `pushToUid()`: send a WebSocket message to every established
    /// connection of `audience`, on every instance with `websocket.cluster`. Never answered.
    Fanout {
        /// Every connection, or those bound to one uid.
        audience: crate::cluster::Audience,
        /// 1, 2, 9 or 10.
        opcode: u8,
        /// The payload.
        data: Bytes,
    },
    /// Send a UDP datagram from extra port `port` to `address`:`remote_port`.
    SendTo {
        /// Index of the UDP port in `$server->ports` to send from, or `ANY_UDP_PORT`.
        port: u32,
        /// The receiver's IP address.
        address: String,
        /// The receiver's port.
        remote_port: u16,
        /// The datagram's payload.
        data: Bytes,
    },
    /// Close connection `fd`: with a close frame (`code`, `reason`) when `code` is set,
    /// else at once, as Swoole's `close()` does.
    Disconnect {
        /// The connection to close.
        fd: u64,
        /// The WebSocket close code; `None` closes without a close frame.
        code: Option<u16>,
        /// The close frame's reason text (may be empty).
        reason: String,
    },
    /// The worker finished a WebSocket `Frame` or `Close` event.
    EventDone {
        /// The worker leaves after this: `max_request` or `worker_memory_limit` reached, or the process is ending.
        retire: Retire,
    },
    /// First and only frame of a `bin/laravels status` connection, instead of `Hello`:
    /// the master answers `ToWorker::Status` and closes it.
    StatusQuery,
    /// Swoole's `task()` / `taskwait()`: queue a task for task worker `dst` (its index,
    /// 0 to `task_worker_num` - 1) or any. Without `wait`, the master answers
    /// `TaskAccepted` and a result comes back as `Finish` between requests; with `wait`,
    /// no answer now: the result (or the refusal) comes as `ToWorker::TaskResult` with
    /// that id, while the worker waits inside its request.
    TaskTo {
        /// The task, as PHP serialized it.
        payload: Bytes,
        /// The task worker to run it; `None`: the first free one.
        dst: Option<u32>,
        /// The id the worker waits for the result under; `None`: do not wait.
        wait: Option<u64>,
    },
    /// An event for the subscribers of Pusher channels (`websocket.pusher`), from the
    /// `laravels` broadcaster. Never answered; the master fans it out
    /// (`reactor::websocket::pusher::publish`).
    Publish {
        /// The channels, by full name (`private-orders.1`).
        channels: Vec<String>,
        /// The event's name.
        event: String,
        /// The event's data, JSON-encoded.
        data: String,
        /// The socket id not to send it to (Laravel's `toOthers()`).
        except: Option<String>,
    },
    /// Swoole's `sendMessage()`: a message for process `dst` (a worker or task worker id)
    /// and its `onPipeMessage` handlers. Never answered.
    PipeMessage {
        /// The destination's worker id.
        dst: u32,
        /// The message, serialized with its sender's id.
        payload: Bytes,
    },
}

/// Whether a worker leaves after the exchange it just finished, and why: sent with the
/// exchange's last frame, so the master stops giving it work and counts the restart by
/// cause (`laravels_worker_restarts_total`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Retire {
    /// It takes the next job.
    #[default]
    Stays,
    /// `max_request` (or `task_max_request`) reached.
    MaxRequest,
    /// Its peak resident memory passed `worker_memory_limit`.
    Memory,
    /// The process is ending: `exit()`, a fatal error, `memory_limit`.
    Ending,
}

impl Retire {
    /// Whether the worker leaves.
    pub fn leaves(self) -> bool {
        self != Retire::Stays
    }

    /// Its wire byte.
    pub fn code(self) -> u8 {
        match self {
            Retire::Stays => 0,
            Retire::MaxRequest => 1,
            Retire::Memory => 2,
            Retire::Ending => 3,
        }
    }

    /// The value of a wire byte; `None` for a byte no variant has.
    pub fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            0 => Retire::Stays,
            1 => Retire::MaxRequest,
            2 => Retire::Memory,
            3 => Retire::Ending,
            _ => return None,
        })
    }
}

impl ToMaster {
    /// Whether this frame finishes the current response.
    pub fn finishes_response(&self) -> bool {
        matches!(
            self,
            ToMaster::Response { complete: true, .. }
                | ToMaster::End { .. }
                | ToMaster::TaskDone { .. }
                | ToMaster::FinishDone { .. }
                | ToMaster::EventDone { .. }
        )
    }

    /// Whether and why the worker announced it leaves after this response.
    pub fn retires(&self) -> Retire {
        match self {
            ToMaster::Response { retire, complete: true, .. }
            | ToMaster::End { retire }
            | ToMaster::TaskDone { retire, .. }
            | ToMaster::FinishDone { retire }
            | ToMaster::EventDone { retire } => *retire,
            _ => Retire::Stays,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retire_flag_is_read_from_the_finishing_frame() {
        let done = ToMaster::Response { status: 200, reason: None, headers: vec![], body: Bytes::new(), complete: true, retire: Retire::MaxRequest };
        assert!(done.finishes_response() && done.retires() == Retire::MaxRequest);
        let head_only = ToMaster::Response { status: 200, reason: None, headers: vec![], body: Bytes::new(), complete: false, retire: Retire::Memory };
        assert!(!head_only.finishes_response() && !head_only.retires().leaves());
        let done = ToMaster::EventDone { retire: Retire::Ending };
        assert!(done.finishes_response() && done.retires() == Retire::Ending);
        assert!(!ToMaster::Chunk(Bytes::new()).finishes_response());
    }
}
