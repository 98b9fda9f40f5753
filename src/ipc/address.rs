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

/// The next connection on `listener` from a process of this user. An abstract socket has
/// no file permissions, so any user's process can connect: the others are dropped, since
/// what they send (a request, a socket to serve) would be taken as a sibling's.
pub async fn accept_same_user(listener: &tokio::net::UnixListener) -> tokio::net::UnixStream {
    // SAFETY: geteuid takes no arguments, touches no memory of ours and cannot fail.
    let me = unsafe { libc::geteuid() };
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            // Out of descriptors and the like: pause instead of spinning.
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            continue;
        };
        if stream.peer_cred().is_ok_and(|cred| cred.uid() == me) {
            return stream;
        }
    }
}
