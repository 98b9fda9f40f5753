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

/// Master to worker.
#[derive(Debug, Clone, PartialEq)]
pub enum ToWorker {
    /// Handle this request and answer with `ToMaster::Response`.
    Request { head: RequestHead, body: Bytes },
    /// Finish what you are doing and exit (reload, stop).
    Stop,
}

/// Worker to master.
#[derive(Debug, Clone, PartialEq)]
pub enum ToMaster {
    /// First frame on a new connection: who is speaking.
    Hello { worker_id: u32, pid: u32 },
    /// The response head, with the whole body when `complete`, or the first part of a
    /// streamed body otherwise (then `Chunk`s and one `End` follow).
    Response {
        status: u16,
        reason: Option<String>,
        headers: Vec<Header>,
        body: Bytes,
        complete: bool,
        retire: bool,
    },
    /// A piece of a streamed body.
    Chunk(Bytes),
    /// The end of a streamed body.
    End { retire: bool },
}

impl ToMaster {
    /// Whether this frame finishes the current response.
    pub fn finishes_response(&self) -> bool {
        matches!(self, ToMaster::Response { complete: true, .. } | ToMaster::End { .. })
    }

    /// Whether the worker announced it leaves after this response.
    pub fn retires(&self) -> bool {
        matches!(self, ToMaster::Response { retire: true, complete: true, .. } | ToMaster::End { retire: true })
    }
}
