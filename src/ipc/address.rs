//! The address of the master's worker socket.
//!
//! An abstract unix socket (Linux): nothing on disk to clean up after a crash, and the
//! name carries the master's pid so two servers on one machine never meet.

use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::SocketAddr;

/// The abstract socket name for a master process.
pub fn name_for(master_pid: u32, port: u16) -> String {
    format!("laravels-rs/{master_pid}/{port}")
}

/// The socket address for an abstract name.
pub fn socket_addr(name: &str) -> std::io::Result<SocketAddr> {
    SocketAddr::from_abstract_name(name.as_bytes())
}
