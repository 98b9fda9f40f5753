//! Errors that stop the server from starting, each with the fix in its message.

use thiserror::Error;

use crate::config::ConfigError;

#[derive(Debug, Error)]
pub enum StartError {
    #[error("{0}")]
    Config(#[from] ConfigError),
    #[error("{0}")]
    Tls(#[from] crate::reactor::tls::TlsError),
    #[error("cannot listen on {addr}: {source}. Fix: stop whatever uses it (see `ss -ltnp`) or change laravels.listen_ip / listen_port")]
    Bind { addr: String, source: std::io::Error },
    #[error("laravels.listen_ip: '{0}' is not an IP address. Fix: use an address such as 127.0.0.1, 0.0.0.0 or ::1")]
    BadAddress(String),
    #[error("cannot create the worker socket: {0}")]
    Ipc(std::io::Error),
    #[error("cannot fork: {0}")]
    Fork(std::io::Error),
    #[error("cannot write the pid file {path}: {source}. Fix: make its directory writable or change laravels.swoole.pid_file")]
    PidFile { path: String, source: std::io::Error },
    #[error("cannot map the shared client list for swoole.max_connection = {max_connection}: {source}. Fix: lower swoole.max_connection")]
    Clients { max_connection: usize, source: crate::table::TableError },
    #[error("cannot map the workers' doorbell (one shared page): {0}")]
    Doorbell(crate::table::TableError),
    #[error("the server was already started")]
    AlreadyStarted,
}
