//! Master <-> worker messages and their wire format.
//!
//! # Layout
//! - `message.rs`: what crosses the socket (`ToWorker`, `ToMaster`), as enums.
//! - `codec.rs`: the length-prefixed binary encoding of those messages, frame by frame.
//! - `wire.rs`: the field encoding the frames share (integers, byte strings, a request
//!   head, headers, a form).
//! - `address.rs`: where the master listens for its workers, and the same-user check
//!   every abstract socket of the server applies to what connects.
//! - `query.rs`: `bin/laravels status` asking a running master over the same socket.
//! - `doorbell.rs`: a shared-memory counter the children bump after each frame they send,
//!   which lets a reactor thread wait for an answer without sleeping (`reactor::spin`).
//!
//! One frame is `u32 length (LE) | u8 kind | payload`. The format is private to one
//! build of the extension (master and workers are the same binary), so it favours
//! speed over extensibility: no field names, no versioning.

pub mod address;
pub mod codec;
pub mod doorbell;
pub mod message;
pub mod query;
mod wire;

pub use codec::{decode_to_master, decode_to_worker, encode_to_master, encode_to_worker, DecodeError};
pub use message::{Form, Header, Request, RequestHead, Retire, ToMaster, ToWorker, UploadedFile, ANY_UDP_PORT};
