//! `bin/laravels status`'s side of the worker socket: ask a running master how it is.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::time::Duration;

use bytes::Bytes;

use super::{address, codec, decode_to_worker, encode_to_master, ToMaster, ToWorker};

/// Asks the master `master_pid` (listening on `port`) for its status; returns its JSON.
pub fn status(master_pid: u32, port: u16, timeout: Duration) -> std::io::Result<Bytes> {
    let addr = address::socket_addr(&address::name_for(master_pid, port))?;
    let mut stream = UnixStream::connect_addr(&addr)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    stream.write_all(&encode_to_master(&ToMaster::StatusQuery))?;
    let mut prefix = [0u8; 4];
    stream.read_exact(&mut prefix)?;
    let len = codec::frame_len(prefix);
    if len > codec::MAX_FRAME {
        return Err(std::io::Error::other("the master's answer is too long"));
    }
    let mut frame = vec![0u8; len];
    stream.read_exact(&mut frame)?;
    match decode_to_worker(&Bytes::from(frame)).map_err(std::io::Error::other)? {
        ToWorker::Status(json) => Ok(json),
        other => Err(std::io::Error::other(format!("the master answered {other:?} instead of its status"))),
    }
}
