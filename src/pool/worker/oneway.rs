//! Frames the master never answers, sent from whatever the process is doing: WebSocket
//! pushes and closes, fan-outs, Pusher publications, UDP datagrams, `sendMessage()`.

use bytes::Bytes;

use super::{LinkError, WorkerLink};
use crate::ipc::ToMaster;

impl WorkerLink {
    /// Swoole's `sendMessage()`: a message for process `dst`'s `onPipeMessage`; one-way.
    pub fn pipe_message(&mut self, dst: u32, payload: Bytes) -> Result<(), LinkError> {
        self.send(&ToMaster::PipeMessage { dst, payload })
    }

    /// Sends a message to WebSocket connection `fd`, from whatever this process is doing.
    /// The master does not answer: whether `fd` can take it is read from the shared
    /// client list by the caller.
    pub fn push(&mut self, fd: u64, opcode: u8, data: Bytes) -> Result<(), LinkError> {
        self.send(&ToMaster::Push { fd, opcode, data })
    }

    /// Sends a message to every established WebSocket connection of `audience`, on every
    /// instance with `websocket.cluster` (`pushAll()`, `pushToUid()`). Never answered.
    pub fn fanout(&mut self, audience: crate::cluster::Audience, opcode: u8, data: Bytes) -> Result<(), LinkError> {
        self.send(&ToMaster::Fanout { audience, opcode, data })
    }

    /// Publishes an event to Pusher channels (the `laravels` broadcaster); one-way.
    pub fn publish(&mut self, channels: Vec<String>, event: String, data: String, except: Option<String>) -> Result<(), LinkError> {
        self.send(&ToMaster::Publish { channels, event, data, except })
    }

    /// Sends a UDP datagram from extra port `port`.
    pub fn send_to(&mut self, port: u32, address: String, remote_port: u16, data: Bytes) -> Result<(), LinkError> {
        self.send(&ToMaster::SendTo { port, address, remote_port, data })
    }

    /// Closes connection `fd`: with a close frame when `code` is set, else at once.
    pub fn disconnect(&mut self, fd: u64, code: Option<u16>, reason: String) -> Result<(), LinkError> {
        self.send(&ToMaster::Disconnect { fd, code, reason })
    }
}
