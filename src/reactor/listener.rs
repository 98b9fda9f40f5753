//! The main listening socket, bound before any fork so errors surface at start-up, with
//! its TLS acceptor when the port speaks TLS.

use std::net::{IpAddr, SocketAddr};
use std::os::unix::net::UnixListener;
use std::path::PathBuf;

use socket2::{Domain, Protocol, Type};

use crate::config::{ServerConfig, SocketType};
use crate::error::StartError;

/// The main port (`listen_ip`, `listen_port`, `socket_type`), bound in the PHP call that
/// constructs the server.
pub struct Listener {
    /// The bound listening socket.
    pub socket: Socket,
    /// Set when the port speaks TLS; its certificate was read at bind time.
    pub tls: Option<tokio_rustls::TlsAcceptor>,
    /// `metrics.listen`, bound with the main port so "address in use" stops start-up too.
    pub metrics: Option<std::net::TcpListener>,
}

/// A bound, non-blocking listening socket of `socket_type`.
pub enum Socket {
    /// `SWOOLE_SOCK_TCP` or `SWOOLE_SOCK_TCP6`: IPv6 sockets take IPv4 clients too.
    Tcp(std::net::TcpListener),
    /// `SWOOLE_SOCK_UNIX_STREAM`, with its path (`listen_ip`), mode 0666.
    Unix(UnixListener, PathBuf),
}

const BACKLOG: i32 = 1024;

impl Listener {
    /// Reads the TLS certificate if any, then binds the main port.
    pub fn bind(config: &ServerConfig) -> Result<Self, StartError> {
        // The certificate first: a bad file is reported before the port is taken.
        let tls = match &config.tls {
            Some(files) => Some(super::tls::acceptor(files, config.http2)?),
            None => None,
        };
        let socket = Self::bind_socket(config)?;
        let metrics = match config.metrics.listen {
            Some(addr) => Some(bind_tcp(addr)?),
            None => None,
        };
        Ok(Listener { socket, tls, metrics })
    }

    fn bind_socket(config: &ServerConfig) -> Result<Socket, StartError> {
        match config.socket_type {
            SocketType::UnixStream => {
                let path = PathBuf::from(&config.listen_ip);
                let bind_err = |source| StartError::Bind { addr: format!("unix:{}", path.display()), source };
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(bind_err)?;
                }
                // A socket file left by a crashed server would make bind fail.
                if std::fs::symlink_metadata(&path).is_ok_and(|m| std::os::unix::fs::FileTypeExt::is_socket(&m.file_type())) {
                    let _ = std::fs::remove_file(&path);
                }
                let listener = UnixListener::bind(&path).map_err(bind_err)?;
                // Readable and writable by every local user, as a loopback TCP port is
                // reachable by all: nginx's workers (www-data) must be able to connect.
                std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o666)).map_err(bind_err)?;
                listener.set_nonblocking(true).map_err(bind_err)?;
                Ok(Socket::Unix(listener, path))
            }
            SocketType::Tcp | SocketType::Tcp6 => {
                let ip: IpAddr = config.listen_ip.parse().map_err(|_| StartError::BadAddress(config.listen_ip.clone()))?;
                Ok(Socket::Tcp(bind_tcp(SocketAddr::new(ip, config.listen_port))?))
            }
        }
    }

    /// Where clients reach the server, for status lines.
    pub fn describe(&self) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        match &self.socket {
            Socket::Tcp(l) => l.local_addr().map(|a| format!("{scheme}://{a}")).unwrap_or_default(),
            Socket::Unix(_, path) if self.tls.is_some() => format!("unix:{} (TLS)", path.display()),
            Socket::Unix(_, path) => format!("unix:{}", path.display()),
        }
    }

    /// Another descriptor of the same listening socket and TLS acceptor (without the
    /// metrics port): closing it leaves the socket open in whoever holds the first.
    pub fn try_clone(&self) -> std::io::Result<Self> {
        let socket = match &self.socket {
            Socket::Tcp(l) => Socket::Tcp(l.try_clone()?),
            Socket::Unix(l, path) => Socket::Unix(l.try_clone()?, path.clone()),
        };
        Ok(Listener { socket, tls: self.tls.clone(), metrics: None })
    }

    /// The bound TCP port (0 for a unix socket).
    pub fn port(&self) -> u16 {
        match &self.socket {
            Socket::Tcp(l) => l.local_addr().map_or(0, |a| a.port()),
            Socket::Unix(..) => 0,
        }
    }

    /// The socket's fd, which the manager closes after the fork.
    pub fn raw_fd(&self) -> std::os::fd::RawFd {
        use std::os::fd::AsRawFd;
        match &self.socket {
            Socket::Tcp(l) => l.as_raw_fd(),
            Socket::Unix(l, _) => l.as_raw_fd(),
        }
    }
}

/// A non-blocking TCP listener on `addr` (an IPv6 one takes IPv4 clients too).
fn bind_tcp(addr: SocketAddr) -> Result<std::net::TcpListener, StartError> {
    let bind_err = |source| StartError::Bind { addr: addr.to_string(), source };
    let socket = socket2::Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP)).map_err(bind_err)?;
    socket.set_reuse_address(true).map_err(bind_err)?;
    if addr.is_ipv6() {
        let _ = socket.set_only_v6(false);
    }
    socket.bind(&addr.into()).map_err(bind_err)?;
    socket.listen(BACKLOG).map_err(bind_err)?;
    socket.set_nonblocking(true).map_err(bind_err)?;
    socket.set_nodelay(true).map_err(bind_err)?;
    Ok(socket.into())
}
