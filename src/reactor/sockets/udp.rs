//! An extra UDP port: each datagram goes to the `UdpSocket` handler's `onPacket`; replies
//! (`sendto`) leave from the same socket.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use tokio::net::UdpSocket;

use crate::clients::Counter;
use crate::ipc::ToWorker;
use crate::log;
use crate::reactor::Shared;

/// Hands every datagram on extra port `port` (its index in `$server->ports`) to a worker,
/// until the master stops.
pub async fn serve(socket: Arc<UdpSocket>, port: u32, shared: Arc<Shared>) {
    let mut buf = vec![0u8; 65536];
    loop {
        let (n, from) = match socket.recv_from(&mut buf).await {
            Ok(received) => received,
            Err(e) => {
                log::line("master", &format!("UDP port #{port}: {e}"));
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        shared.clients.bump(Counter::MessageCount);
        // Nobody waits for a datagram's handler: UDP has no order to keep.
        let event = ToWorker::Packet { port, address: from.ip().to_canonical().to_string(), remote_port: from.port(), data: Bytes::copy_from_slice(&buf[..n]) };
        drop(shared.dispatcher.submit_event(sender_key(&from), event));
    }
}

/// A stable number per sender, so `dispatch_mode` 2 keeps a sender on one worker.
fn sender_key(addr: &SocketAddr) -> u64 {
    let mut h = DefaultHasher::new();
    addr.hash(&mut h);
    h.finish()
}
