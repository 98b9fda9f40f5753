//! The messages exchanged between the master and a worker.

use bytes::Bytes;

/// One header line: lower-case name (as hyper gives it) and raw value bytes.
pub type Header = (String, Bytes);

/// Everything a worker needs to rebuild the request in PHP, minus the body.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestHead {
    pub method: String,
    /// Origin-form target as received: path plus optional `?query`.
    pub uri: String,
    /// "HTTP/1.0", "HTTP/1.1" or "HTTP/2.0".
    pub protocol: &'static str,
    pub headers: Vec<Header>,
    pub remote_addr: String,
    pub remote_port: u16,
    pub server_addr: String,
    pub server_port: u16,
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
    pub content_type: String,
    /// Where the content is; empty when `error` is set.
    pub path: String,
    pub size: u64,
    /// PHP's `UPLOAD_ERR`_* code: 0 for a good upload, 4 for an empty file input.
    pub error: u8,
}

/// A parsed multipart/form-data body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Form {
    pub fields: Vec<(String, Bytes)>,
    pub files: Vec<UploadedFile>,
}

/// A request for the application: what a worker needs to rebuild it in PHP. A multipart
/// body comes parsed as `form` (its files on disk) with an empty `body`, as PHP itself
/// does.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub head: RequestHead,
    pub body: Bytes,
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
    /// Run this task (task workers only). `origin` is the worker to send `finish` to.
    Task { payload: Bytes, origin: Option<u32> },
    /// Run the `finish()` of a task this worker delivered; answer with `FinishDone`.
    Finish { payload: Bytes },
    /// A WebSocket upgrade request on connection `fd` of port `port` (0: the main port):
    /// run it through the kernel and the handler's handshake and `onOpen`, then answer
    /// with a `Response` (101 accepts).
    Open { fd: u64, port: u32, head: RequestHead },
    /// A whole WebSocket message from `fd`; answer with `EventDone`.
    Frame { fd: u64, port: u32, opcode: u8, data: Bytes },
    /// Connection `fd` (WebSocket, or TCP on an extra port) closed; answer `EventDone`.
    Close { fd: u64, port: u32 },
    /// A TCP connection opened on extra port `port`; answer `EventDone`.
    Connect { fd: u64, port: u32 },
    /// One message (as the port's framing cuts them) from TCP connection `fd`.
    Receive { fd: u64, port: u32, data: Bytes },
    /// The output queue of TCP connection `fd` passed its high-water mark (`full`), or
    /// drained after that; answer with `EventDone`.
    Buffer { fd: u64, port: u32, full: bool },
    /// A UDP datagram on extra port `port` from `address`:`remote_port`.
    Packet { port: u32, address: String, remote_port: u16, data: Bytes },
    /// An HTTP request on an extra port with an `Http` handler; answer with `Response`.
    PortRequest { fd: u64, port: u32, head: RequestHead, body: Bytes },
}

/// Worker to master.
#[derive(Debug, Clone, PartialEq)]
pub enum ToMaster {
    /// First frame on a new connection: who is speaking.
    Hello { worker_id: u32, pid: u32 },
    /// The response head, with the whole body when `complete`, or the first part of a
    /// streamed body otherwise (then `Chunk`s and one `End` follow).
    Response { status: u16, reason: Option<String>, headers: Vec<Header>, body: Bytes, complete: bool, retire: bool },
    /// A piece of a streamed body.
    Chunk(Bytes),
    /// The end of a streamed body.
    End { retire: bool },
    /// Queue a task (serialized by PHP) for a task worker, after `delay_ms`; the master
    /// answers `ToWorker::TaskAccepted`. `finish` asks for the task back when it is done.
    DeliverTask { payload: Bytes, finish: bool, delay_ms: u64 },
    /// A task worker finished its task; `payload` (the task again) goes to `origin`.
    TaskDone { payload: Option<Bytes>, origin: Option<u32>, retire: bool },
    /// A worker finished running a task's `finish()`.
    FinishDone { retire: bool },
    /// Send a WebSocket message (`opcode` 1, 2, 9, 10) or raw bytes (`opcode` 0, TCP
    /// ports) to connection `fd`. Never answered: a broadcast must not cost a round trip
    /// per connection.
    Push { fd: u64, opcode: u8, data: Bytes },
    /// Send a UDP datagram from extra port `port` to `address`:`remote_port`.
    SendTo { port: u32, address: String, remote_port: u16, data: Bytes },
    /// Close connection `fd`: with a close frame (`code`, `reason`) when `code` is set,
    /// else at once, as Swoole's `close()` does.
    Disconnect { fd: u64, code: Option<u16>, reason: String },
    /// The worker finished a WebSocket `Frame` or `Close` event.
    EventDone { retire: bool },
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

    /// Whether the worker announced it leaves after this response.
    pub fn retires(&self) -> bool {
        matches!(
            self,
            ToMaster::Response { retire: true, complete: true, .. }
                | ToMaster::End { retire: true }
                | ToMaster::TaskDone { retire: true, .. }
                | ToMaster::FinishDone { retire: true }
                | ToMaster::EventDone { retire: true }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retire_flag_is_read_from_the_finishing_frame() {
        let done = ToMaster::Response { status: 200, reason: None, headers: vec![], body: Bytes::new(), complete: true, retire: true };
        assert!(done.finishes_response() && done.retires());
        let head_only = ToMaster::Response { status: 200, reason: None, headers: vec![], body: Bytes::new(), complete: false, retire: true };
        assert!(!head_only.finishes_response() && !head_only.retires());
        let done = ToMaster::EventDone { retire: true };
        assert!(done.finishes_response() && done.retires());
        assert!(!ToMaster::Chunk(Bytes::new()).finishes_response());
    }
}
