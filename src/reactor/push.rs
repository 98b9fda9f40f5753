//! One-way frames from any process: `push()` and `send()` to a connection, `pushAll()` and
//! `pushToUid()` (`fanout.rs`), `sendto()` a
//! UDP peer, `close()` / `disconnect()` a connection, `sendMessage()` to a worker or
//! task worker (queued as that worker's next job, `Work::Pipe` / `TaskWork::Pipe`). They are never answered, so a
//! broadcast costs one frame per connection and no round trip; whether the connection
//! can take one is read from the shared client list by the sender, before it sends.
//!
//! Every slot routes them here whenever they arrive, in between or during its jobs. A
//! push or close goes to the connection's queue (`websocket::registry`), written by the
//! connection's own task; a datagram leaves from the UDP port's socket at once; a
//! broadcast (`Publish`) goes to the Pusher channels' subscribers.

use std::net::{IpAddr, SocketAddr};

use super::fanout;
use super::websocket::registry::Outbound;
use super::Shared;
use crate::cluster::{self, Delivery, Owner, Target};
use crate::ipc::{ToMaster, ANY_UDP_PORT};
use crate::log;
use crate::pool::ProcessRole;

/// Carries out a push, datagram or disconnect a process sent; gives any other frame back.
pub fn route(frame: ToMaster, shared: &Shared) -> Option<ToMaster> {
    match frame {
        ToMaster::Push { fd, opcode, data } => {
            // Another instance's connection (`websocket.cluster`): to its channel. The
            // sender checked that node is alive; a raw TCP `send()` (opcode 0) stays here.
            match cluster::owner(fd) {
                Owner::Node(node) if opcode != 0 => {
                    fanout::publish(shared, Target::Node(node), Delivery::Push { fd, opcode, data });
                }
                _ => {
                    shared.sockets.push(fd, opcode, data, shared.config.buffer_output_size);
                }
            }
            None
        }
        ToMaster::Fanout { audience, opcode, data } => {
            fanout::fan_out(shared, audience, opcode, data);
            None
        }
        ToMaster::SendTo { port, address, remote_port, data } => {
            // Swoole's -1 ("the UDP port") arrives as ANY_UDP_PORT: take the first.
            let socket = if port == ANY_UDP_PORT { shared.udp.iter().min_by_key(|(index, _)| **index).map(|(_, s)| s) } else { shared.udp.get(&port) };
            match (socket, address.parse::<IpAddr>()) {
                (Some(socket), Ok(ip)) => {
                    let _ = socket.try_send_to(&data, SocketAddr::new(ip, remote_port));
                }
                _ => log::line("master", &format!("sendto dropped: no UDP port #{port} in `sockets`, or a bad address")),
            }
            None
        }
        ToMaster::Disconnect { fd, code, reason } => {
            if let Owner::Node(node) = cluster::owner(fd) {
                fanout::publish(shared, Target::Node(node), Delivery::Close { fd, code, reason });
                return None;
            }
            let how = match code {
                Some(code) => Outbound::Close { code, reason },
                None => Outbound::Drop,
            };
            shared.sockets.close(fd, how);
            None
        }
        ToMaster::PipeMessage { dst, payload } => {
            let delivered = match shared.layout.role(dst) {
                Some(ProcessRole::Http { index }) => shared.dispatcher.pipe(index, payload),
                Some(ProcessRole::Task { index }) => shared.tasks.pipe(index, payload),
                _ => false,
            };
            if !delivered {
                log::line("master", &format!("sendMessage dropped: #{dst} is not a worker or task worker, or its queue is full"));
            }
            None
        }
        ToMaster::Publish { channels, event, data, except } => {
            if shared.pusher.is_none() {
                static OFF: crate::log::Throttled = crate::log::Throttled::new("master", 60);
                OFF.event(|count| {
                    format!("{count} broadcast(s) dropped: websocket.pusher is not enabled. Fix: set LARAVELS_PUSHER=true and the PUSHER_APP_* values in .env")
                });
                return None;
            }
            let publication = super::websocket::pusher::Publication { channels, event, data: serde_json::Value::String(data), except, user_id: None };
            super::websocket::pusher::publish(shared, &publication);
            None
        }
        other => Some(other),
    }
}
