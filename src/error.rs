//! Errors that stop the server from starting, each with the fix in its message.

use thiserror::Error;

use crate::config::ConfigError;

/// Why the server could not be built or started; each message names the fix.
#[derive(Debug, Error)]
pub enum StartError {
    /// A `laravels` config value is wrong.
    #[error("{0}")]
    Config(#[from] ConfigError),
    /// A TLS certificate or key could not be loaded when its port was bound.
    #[error("{0}")]
    Tls(#[from] crate::reactor::tls::TlsError),
    /// A listening socket could not be bound (address in use, no permission).
    #[error("cannot listen on {addr}: {source}. Fix: stop whatever uses it (see `ss -ltnp`) or change laravels.listen_ip / listen_port")]
    Bind {
        /// The address as `ip:port`, `unix:path`, or with the `sockets` entry it belongs to.
        addr: String,
        /// The error `bind` returned.
        source: std::io::Error,
    },
    /// `listen_ip` or a `sockets` entry's `host` is not an IP address.
    #[error("laravels.listen_ip: '{0}' is not an IP address. Fix: use an address such as 127.0.0.1, 0.0.0.0 or ::1")]
    BadAddress(String),
    /// The abstract unix socket the workers connect to could not be bound.
    #[error("cannot create the worker socket: {0}")]
    Ipc(std::io::Error),
    /// `fork()` failed, daemonizing or forking the manager.
    #[error("cannot fork: {0}")]
    Fork(std::io::Error),
    /// The pid file (`swoole.pid_file`) or its directory could not be written.
    #[error("cannot write the pid file {path}: {source}. Fix: make its directory writable or change laravels.swoole.pid_file")]
    PidFile {
        /// The pid file's path.
        path: String,
        /// The error creating the directory or writing the file.
        source: std::io::Error,
    },
    /// The shared client list could not be mapped.
    #[error("cannot map the shared client list for swoole.max_connection = {max_connection}: {source}. Fix: lower swoole.max_connection")]
    Clients {
        /// The connection count (`swoole.max_connection`) it was sized for.
        max_connection: usize,
        /// Why the mapping failed.
        source: crate::table::TableError,
    },
    /// The cluster's shared state (`websocket.cluster`) could not be mapped.
    #[error("cannot map the cluster's shared memory: {0}")]
    Cluster(crate::table::TableError),
    /// The doorbell page shared with the children could not be mapped.
    #[error("cannot map the workers' doorbell (one shared page): {0}")]
    Doorbell(crate::table::TableError),
    /// The boot board shared with the children (`pool::boot`) could not be mapped.
    #[error("cannot map the workers' boot board (one shared page): {0}")]
    BootBoard(std::io::Error),
    /// The board of requests read (`pool::receipts`) could not be mapped.
    #[error("cannot map the workers' receipt board (one shared page): {0}")]
    ReceiptBoard(std::io::Error),
    /// The board of the HTTP workers' states (`front::board`, `serving_mode` worker)
    /// could not be mapped.
    #[error("cannot map the HTTP workers' board (one shared page): {0}")]
    FrontBoard(std::io::Error),
    /// The metrics' counters (`metrics`) could not be mapped in shared memory.
    #[error("cannot map the metrics' counters (one shared page): {0}")]
    Metrics(std::io::Error),
    /// `start()` was called a second time on the same server.
    #[error("the server was already started")]
    AlreadyStarted,
}
