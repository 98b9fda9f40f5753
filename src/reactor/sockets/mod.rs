//! The extra ports of `sockets` (Swoole's multi-port mixed protocol).
//!
//! # Layout
//! - `framing.rs`: a TCP stream cut into messages (`open_eof_check`, `open_eof_split`,
//!   `open_length_check`).
//! - `stream.rs`: one TCP connection of a `TcpSocket` handler.
//! - `udp.rs`: a UDP port's datagrams for a `UdpSocket` handler.
//!
//! HTTP and WebSocket ports are served by the main port's code (`http.rs`,
//! `websocket/`), which tells them apart by `ConnInfo::port`. Every connection of every
//! port takes a number from one sequence (its `$fd`), a place under `max_connection`,
//! and a row in the shared client list whose `server_fd` is the port's index.

pub mod framing;
pub mod stream;
pub mod udp;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use hyper_util::server::graceful::GracefulShutdown;
use socket2::{Domain, Protocol as SockProtocol, Socket, Type};

use super::http::ConnInfo;
use super::Shared;
use crate::clients::{ClientInfo, WsStatus};
use crate::config::{Protocol, SocketSpec};
use crate::error::StartError;
use crate::log;

/// A bound extra port, made before the fork.
pub struct ExtraPort {
    /// Its `sockets` entry: address, protocol, framing, limits.
    pub spec: SocketSpec,
    /// The bound socket.
    pub bound: Bound,
    /// Its TLS acceptor, the certificate read at start (so a bad file stops start-up).
    pub tls: Option<tokio_rustls::TlsAcceptor>,
}

impl ExtraPort {
    /// The socket's fd, which the manager closes after the fork.
    pub fn raw_fd(&self) -> std::os::fd::RawFd {
        use std::os::fd::AsRawFd;
        match &self.bound {
            Bound::Tcp(l) => l.as_raw_fd(),
            Bound::Udp(s) => s.as_raw_fd(),
        }
    }

    /// `host:port` and what it speaks, for the start-up lines.
    pub fn describe(&self) -> String {
        let what = match (&self.spec.protocol, self.spec.transport.is_udp()) {
            (_, true) => "udp",
            (Protocol::Http, _) => "http",
            (Protocol::WebSocket, _) => "ws",
            _ => "tcp",
        };
        let secure = if self.tls.is_some() { " (TLS)" } else { "" };
        format!("{what}://{}:{}{secure}", self.spec.host, self.spec.port)
    }
}

/// An extra port's socket, bound and listening before the fork.
pub enum Bound {
    /// A TCP port: framed messages, HTTP or WebSocket.
    Tcp(std::net::TcpListener),
    /// A UDP port, for a `UdpSocket` handler.
    Udp(std::net::UdpSocket),
}

/// A port adopted by the runtime.
pub struct Adopted {
    spec: SocketSpec,
    socket: Live,
    tls: Option<tokio_rustls::TlsAcceptor>,
}

enum Live {
    Tcp(tokio::net::TcpListener),
    Udp(Arc<tokio::net::UdpSocket>),
}

/// Binds every extra port, so a port in use stops start-up with its address.
pub fn bind(specs: &[SocketSpec]) -> Result<Vec<ExtraPort>, StartError> {
    specs
        .iter()
        .map(|spec| {
            let tls = spec.tls.as_ref().map(|files| super::tls::acceptor(files, false)).transpose()?;
            Ok(ExtraPort { spec: spec.clone(), bound: bind_one(spec)?, tls })
        })
        .collect()
}

fn bind_one(spec: &SocketSpec) -> Result<Bound, StartError> {
    let ip: IpAddr = spec.host.parse().map_err(|_| StartError::BadAddress(spec.host.clone()))?;
    let addr = SocketAddr::new(ip, spec.port);
    let fail = |source| StartError::Bind { addr: format!("{addr} (sockets #{})", spec.index), source };
    let udp = spec.transport.is_udp();
    let socket =
        Socket::new(Domain::for_address(addr), if udp { Type::DGRAM } else { Type::STREAM }, Some(if udp { SockProtocol::UDP } else { SockProtocol::TCP }))
            .map_err(fail)?;
    socket.set_reuse_address(true).map_err(fail)?;
    if addr.is_ipv6() {
        let _ = socket.set_only_v6(false);
    }
    socket.bind(&addr.into()).map_err(fail)?;
    socket.set_nonblocking(true).map_err(fail)?;
    if udp {
        Ok(Bound::Udp(socket.into()))
    } else {
        socket.listen(1024).map_err(fail)?;
        Ok(Bound::Tcp(socket.into()))
    }
}

/// The UDP sockets of the extra ports by port index, for `sendto`.
pub type UdpSockets = HashMap<u32, Arc<tokio::net::UdpSocket>>;

/// Hands the bound sockets to tokio (in the master, inside its runtime); the UDP
/// sockets also go to `Shared` for `sendto`.
pub fn adopt(ports: Vec<ExtraPort>) -> std::io::Result<(Vec<Adopted>, UdpSockets)> {
    let mut out = Vec::with_capacity(ports.len());
    let mut udp = HashMap::new();
    for ExtraPort { spec, bound, tls } in ports {
        let socket = match bound {
            Bound::Tcp(l) => Live::Tcp(tokio::net::TcpListener::from_std(l)?),
            Bound::Udp(s) => {
                let s = Arc::new(tokio::net::UdpSocket::from_std(s)?);
                udp.insert(spec.index, s.clone());
                Live::Udp(s)
            }
        };
        out.push(Adopted { spec, socket, tls });
    }
    Ok((out, udp))
}

/// Serves every extra port until the future is dropped (the server stops accepting).
pub async fn serve(ports: Vec<Adopted>, shared: Arc<Shared>, graceful: &GracefulShutdown) {
    let loops = ports.into_iter().map(|Adopted { spec, socket, tls }| {
        let shared = shared.clone();
        async move {
            match socket {
                Live::Udp(s) => udp::serve(s, spec.index, shared).await,
                Live::Tcp(listener) => match spec.protocol {
                    Protocol::Stream(_) => accept_stream(listener, spec, tls, shared).await,
                    Protocol::Http | Protocol::WebSocket => accept_http(listener, spec, tls, shared, graceful).await,
                },
            }
        }
    });
    futures_util::future::join_all(loops).await;
}

fn conn_info(stream: &tokio::net::TcpStream, peer: SocketAddr, spec: &SocketSpec, shared: &Shared, https: bool) -> ConnInfo {
    let local = stream.local_addr().ok();
    let _ = stream.set_nodelay(true);
    ConnInfo {
        id: shared.mint_fd(),
        remote_addr: peer.ip().to_canonical().to_string(),
        remote_port: peer.port(),
        server_addr: local.map(|a| a.ip().to_canonical().to_string()).unwrap_or_default(),
        server_port: spec.port,
        https,
        port: spec.index,
        permit: parking_lot::Mutex::default(),
        upgraded: std::sync::atomic::AtomicBool::default(),
        handover: None,
    }
}

/// The next connection; an accept error (out of file descriptors and the like) pauses
/// the port instead of spinning.
async fn accept(listener: &tokio::net::TcpListener, port: u16) -> (tokio::net::TcpStream, SocketAddr) {
    loop {
        match listener.accept().await {
            Ok(accepted) => return accepted,
            Err(e) => {
                log::line("master", &format!("accept on port {port} failed: {e}"));
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        }
    }
}

async fn accept_stream(listener: tokio::net::TcpListener, spec: SocketSpec, tls: Option<tokio_rustls::TlsAcceptor>, shared: Arc<Shared>) {
    let Protocol::Stream(framing) = spec.protocol.clone() else { return };
    loop {
        let (stream, peer) = accept(&listener, spec.port).await;
        // Over max_connection a TCP client is simply closed: the protocol is the app's.
        let Ok(permit) = shared.connection_limit.clone().try_acquire_owned() else {
            super::refused_over_limit(&shared);
            continue;
        };
        let info = conn_info(&stream, peer, &spec, &shared, tls.is_some());
        let now = crate::clients::now();
        shared.clients.open(
            info.id,
            &ClientInfo {
                server_port: spec.port,
                server_fd: spec.index,
                remote_ip: info.remote_addr.clone(),
                remote_port: info.remote_port,
                connect_time: now,
                last_time: now,
                websocket_status: WsStatus::None,
                uid: 0,
            },
        );
        let (framing, max, shared, tls) = (framing.clone(), spec.package_max_length, shared.clone(), tls.clone());
        let (fd, port) = (info.id, spec.index);
        tokio::spawn(async move {
            match tls {
                None => stream::serve(stream, fd, port, framing, max, shared, permit).await,
                // The handshake runs on the connection's task; a failed one just ends it.
                Some(acceptor) => match super::tls::handshake(&acceptor, stream, Some(super::tls::HANDSHAKE_TIMEOUT)).await {
                    Ok(secure) => stream::serve(secure, fd, port, framing, max, shared, permit).await,
                    Err(_) => shared.clients.close(fd),
                },
            }
        });
    }
}

async fn accept_http(
    listener: tokio::net::TcpListener,
    spec: SocketSpec,
    tls: Option<tokio_rustls::TlsAcceptor>,
    shared: Arc<Shared>,
    graceful: &GracefulShutdown,
) {
    let builder = Arc::new(super::connection_builder(&shared.config));
    loop {
        let (stream, peer) = accept(&listener, spec.port).await;
        let info = conn_info(&stream, peer, &spec, &shared, tls.is_some());
        super::spawn_connection(stream, info, &shared, &shared.connection_limit, &builder, tls.as_ref(), graceful);
    }
}
