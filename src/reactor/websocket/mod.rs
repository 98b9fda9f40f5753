//! WebSocket on the main port (`websocket.enable`).
//!
//! # Flow
//! 1. `handshake.rs` checks an upgrade request (400 / 426 as RFC 6455 says) and hands it
//!    to a worker as an `Open` job: the worker runs it through Laravel's kernel (routes,
//!    middleware, session), the handler's `onHandShake` or the default handshake, and
//!    `onOpen`, then answers 101 (accepted) or any other response (refused).
//! 2. On 101, `connection.rs` takes over the upgraded socket on a task of its own:
//!    messages go to workers one at a time (so a connection's messages reach the handler
//!    in order), pushes come back from any process through `registry.rs`.
//! 3. The connection's row in the shared client list (`crate::clients`) tells every
//!    process whether a push can succeed, without asking the master.
//!
//! 4. `pusher/`: connections on `websocket.pusher.path` speak the Pusher protocol with the
//!    master alone (no handler, no worker), for Laravel Broadcasting.
//!
//! A reload replaces the workers but keeps every WebSocket connection open: the master
//! holds them, and the next message goes to a new worker.

pub mod connection;
pub mod handshake;
pub mod pusher;
pub mod registry;

pub use handshake::{is_upgrade, open};
pub use registry::Registry;

/// WebSocket opcodes as Swoole numbers them (`WEBSOCKET_OPCODE_*`), which are RFC 6455's.
pub mod opcode {
    /// A UTF-8 text message (`WEBSOCKET_OPCODE_TEXT`).
    pub const TEXT: u8 = 1;
    /// A binary message (`WEBSOCKET_OPCODE_BINARY`).
    pub const BINARY: u8 = 2;
    /// A close frame (`WEBSOCKET_OPCODE_CLOSE`).
    pub const CLOSE: u8 = 8;
    /// A ping (`WEBSOCKET_OPCODE_PING`).
    pub const PING: u8 = 9;
    /// A pong (`WEBSOCKET_OPCODE_PONG`).
    pub const PONG: u8 = 10;
}
