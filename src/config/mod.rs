//! The server's typed configuration, parsed once from `config('laravels')`.
//!
//! Keys keep the names of `LaravelS`'s `config/laravels.php`. Values may come from
//! `env()`, which yields strings ("4", "true"), so numbers and booleans are accepted in
//! both forms. A wrong type or value is a `ConfigError` naming the key and the fix; a
//! `swoole.*` setting this runtime does not implement is a warning, not an error, because
//! real `LaravelS` configs carry many of them.
//!
//! # Layout
//! - this file: `ServerConfig` and its types, and `parse`, which reads each field with
//!   the function of its section.
//! - `keys.rs`: every key this runtime knows, one entry each (type, default, what it
//!   does, whose it is), and the warnings for the others; `readme.rs` renders the README's
//!   settings tables from it.
//! - `values.rs`: typed reads (`Reader`), accepting `env()` strings, naming the key in
//!   every error.
//! - `listen.rs`: the main port (`listen_port`, `socket_type`, TLS).
//! - `swoole.rs`: the `swoole` settings that need more than a typed read.
//! - `sections.rs`: `websocket`, `timer`, `processes`, `event_handlers`,
//!   `trusted_proxies`.
//! - `sockets.rs`: the extra ports of `sockets`.
//! - `cluster.rs`: `websocket.cluster` (Redis, node id, channel prefix).
//! - `health.rs`, `http.rs`, `metrics.rs`, `queue.rs`, `tracing.rs`: the `health`, `http`,
//!   `metrics`, `queue` and `tracing` sections.
//! - `mode.rs`: `serving_mode` (master or worker), and what worker mode refuses.
//! - `pusher.rs`: `websocket.pusher`, the Pusher protocol for Laravel Broadcasting.
//! - `package.rs`, `tables.rs`: what only the PHP package acts on (class lists, handlers,
//!   timer jobs, process definitions, `swoole_tables`), shape-checked here too.
//! - `view.rs`: the parsed config as the PHP package reads it (`Server::view()`,
//!   `Config::load()`), so PHP never reads `config('laravels')` by key.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Map, Value};
use thiserror::Error;

mod cluster;
mod health;
mod http;
mod keys;
mod listen;
mod metrics;
mod mode;
mod package;
mod pusher;
mod queue;
#[cfg(test)]
mod readme;
mod sections;
mod sockets;
mod swoole;
mod tables;
#[cfg(test)]
mod tests;
mod tracing;
mod values;
mod view;
#[cfg(test)]
mod view_tests;

pub use cluster::{ClusterConfig, RedisAddress};
pub use health::Health;
pub use http::HttpTimeouts;
pub use metrics::MetricsConfig;
pub use mode::ServingMode;
pub use package::{InotifyReload, PackageConfig};
pub use pusher::PusherConfig;
pub use queue::{QueuePolicy, RETRY_AFTER_SECONDS};
pub use sockets::{Framing, LengthField, Protocol, SocketSpec, Transport};
pub use tracing::{OtlpEndpoint, TracingConfig};
use values::Reader;
pub use view::view;

/// A config value this server cannot run with, named by its key.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ConfigError {
    /// A value of the wrong type, range or shape.
    #[error("laravels.{key}: {problem}. Fix: {fix}")]
    Invalid {
        /// The key under `laravels.` (`swoole.worker_num`, `sockets.0.port`); empty for the whole array.
        key: String,
        /// What is wrong with the value as given.
        problem: String,
        /// What to write instead.
        fix: String,
    },
}

/// How the master picks a worker for a request (Swoole's `dispatch_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DispatchMode {
    /// 1: each request to the next worker in turn.
    RoundRobin,
    /// 2: all requests of one connection to the same worker.
    FixedByConnection,
    /// 3: each request to an idle worker (the default).
    Idle,
    /// 4: all requests of one client IP address to the same worker.
    ByIp,
    /// 5: all requests of the connections `bind()` gave one uid to the same worker;
    /// a connection not bound (yet) goes by its fd, as in 2.
    ByUid,
}

/// What the main listener is bound to (`socket_type`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SocketType {
    /// TCP over IPv4 (`SWOOLE_SOCK_TCP`, 1, the default).
    Tcp,
    /// TCP over IPv6 (`SWOOLE_SOCK_TCP6`, 3).
    Tcp6,
    /// A unix stream socket at `listen_ip`.
    UnixStream,
}

/// The certificate and key of a TLS port (`swoole.ssl_cert_file`, `swoole.ssl_key_file`),
/// as absolute paths; `reactor::tls` reads them when the port is bound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The PEM certificate (chain).
    pub cert_file: PathBuf,
    /// The PEM private key of `cert_file`.
    pub key_file: PathBuf,
}

/// One instance of an entry of `processes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomProcess {
    /// Its key in `processes`, shared by all its `num` instances.
    pub name: String,
    /// Wait before starting it again after it exited.
    pub restart_interval: Duration,
}

/// The typed `config('laravels')` the runtime runs with, defaults filled in (see `parse`).
#[derive(Debug, Clone)]
#[allow(clippy::struct_excessive_bools, reason = "one bool per on/off key of config/laravels.php")]
pub struct ServerConfig {
    /// `listen_ip` (default `127.0.0.1`); for `UnixStream`, the socket file's path.
    pub listen_ip: String,
    /// `listen_port` (default 5200); 0 lets the system pick one.
    pub listen_port: u16,
    /// `socket_type` without its `SWOOLE_SSL` flag (default TCP).
    pub socket_type: SocketType,
    /// TLS on the main port: `socket_type | SWOOLE_SSL`, or both ssl files set.
    pub tls: Option<TlsFiles>,
    /// `swoole.open_http2_protocol`: HTTP/2 by ALPN over TLS, h2c prior knowledge without.
    pub http2: bool,
    /// Value of the `Server` response header; empty means none.
    pub server_header: String,
    /// `handle_static`: the master serves the files under `document_root` itself, without PHP.
    pub handle_static: bool,
    /// `swoole.document_root` as an absolute path (default `public`).
    pub document_root: PathBuf,
    /// `swoole.daemonize`: run in the background, output to `log_file`.
    pub daemonize: bool,
    /// `swoole.dispatch_mode` (default 3, an idle worker).
    pub dispatch_mode: DispatchMode,
    /// `serving_mode`: the master's reactor serves the main port, or each HTTP worker does.
    pub serving_mode: ServingMode,
    /// `swoole.worker_num`: HTTP worker processes, 1 to 1024 (0 in the config: one per CPU).
    pub worker_num: u32,
    /// Requests a worker serves before it is replaced; 0 means never.
    pub max_request: u64,
    /// `swoole.pid_file` as an absolute path (default `storage/laravels.pid`): where the master writes its pid.
    pub pid_file: PathBuf,
    /// `swoole.log_file` as an absolute path; `None` (unset or empty): a daemon's output is discarded.
    pub log_file: Option<PathBuf>,
    /// `swoole.package_max_length` in bytes (default 4 MiB): a larger body gets 413, a larger WebSocket message close 1009.
    pub package_max_length: usize,
    /// `swoole.max_header_size` in bytes (default 16 KiB, at least 8192): a larger request head gets 431.
    pub max_header_size: usize,
    /// `swoole.max_connection` (default 10000): open client connections at most, and the client list's size; more get 503.
    pub max_connection: usize,
    /// How long `stop` and `reload` wait for in-flight requests.
    pub max_wait_time: Duration,
    /// A request running longer gets 504 and its worker is replaced; `None` disables.
    pub max_request_time: Option<Duration>,
    /// A worker whose resident memory passes this is replaced after its current request.
    pub worker_memory_limit: Option<u64>,
    /// `swoole.upload_tmp_dir` as an absolute path (default `/tmp`): where uploaded files are written as they arrive.
    pub upload_tmp_dir: PathBuf,
    /// `swoole.http_compression`: gzip or brotli responses, as the client accepts.
    pub http_compression: bool,
    /// `swoole.enable_reuse_port` (default true): `SO_REUSEPORT` on the listening sockets.
    pub enable_reuse_port: bool,
    /// `event_handlers.WorkerError` has handlers: the manager reports abnormal worker ends.
    pub report_worker_errors: bool,
    /// `processes`: custom processes, one entry per instance (`num` expands).
    pub processes: Vec<CustomProcess>,
    /// Peers whose X-Real-IP, Scheme ... headers are believed (`trusted_proxies`).
    pub trusted_proxies: crate::reactor::forwarded::TrustedProxies,
    /// `timer.max_wait_time`: how long a reload or stop waits for the timer's running job.
    pub timer_max_wait: Duration,
    /// `timer.enable`: run the cron jobs of `timer.jobs` in a timer process.
    pub timer: bool,
    /// Task worker processes (`Task::deliver`), after the HTTP workers in id order.
    pub task_worker_num: u32,
    /// Tasks a task worker runs before it is replaced; 0 means never.
    pub task_max_request: u64,
    /// Threads of the master's reactor (default: one per four CPUs).
    pub reactor_num: usize,
    /// How long a reactor thread waits for a worker's answer before it sleeps
    /// (`reactor_spin_us`; zero: never).
    pub reactor_spin: Duration,
    /// `websocket.enable`: upgrade requests on the main port become WebSocket connections.
    pub websocket: bool,
    /// `websocket.cluster`: deliver pushes between instances through Redis; `None`: off.
    pub cluster: Option<ClusterConfig>,
    /// `websocket.pusher`: the Pusher protocol and HTTP API in the master; `None`: off.
    pub pusher: Option<PusherConfig>,
    /// `heartbeat_idle_time` (or twice `heartbeat_check_interval`): a connection that sends
    /// nothing for this long is closed.
    pub heartbeat_idle: Option<Duration>,
    /// `buffer_output_size`: bytes of pushed messages one connection may have waiting to
    /// be sent; a push beyond it is dropped with a warning.
    pub buffer_output_size: usize,
    /// `sockets`: the extra ports, in `$server->ports` order after the main one.
    pub sockets: Vec<SocketSpec>,
    /// `health`: liveness and readiness paths the master answers, and the stop's drain.
    pub health: Health,
    /// `queue`: how many HTTP requests may wait for a worker, and for how long.
    pub queue: QueuePolicy,
    /// `tracing`: a server span per request and where spans go.
    pub tracing: TracingConfig,
    /// `metrics`: the master's Prometheus metrics, where they are answered.
    pub metrics: MetricsConfig,
    /// `http`: the header timeout and the idle keep-alive timeout of HTTP/1.x connections.
    pub http_timeouts: HttpTimeouts,
    /// What only the PHP package acts on, typed here too (see `view.rs`).
    pub package: PackageConfig,
    /// Warnings for settings that were accepted but have no effect here.
    pub warnings: Vec<String>,
    /// Settings that are accepted and mean something else here, one line each for the
    /// operator (`enable_coroutine_runtime`).
    pub notes: Vec<String>,
}

impl ServerConfig {
    /// Parses the `laravels` config array. `base_path` resolves relative paths.
    pub fn parse(root: &Value, base_path: &str) -> Result<Self, ConfigError> {
        let top = root.as_object().ok_or_else(|| invalid("", "the config is not an array", "return an array from config/laravels.php"))?;
        let empty = Map::new();
        let swoole = match top.get("swoole") {
            None | Some(Value::Null) => &empty,
            Some(Value::Object(m)) => m,
            Some(Value::Array(a)) if a.is_empty() => &empty,
            Some(_) => return Err(invalid("swoole", "must be an array of settings", "set 'swoole' => [ ... ]")),
        };
        let mut warnings = keys::warnings(root);
        let r = Reader::new(top, swoole, base_path);
        // LaravelS's legacy switch: it gzipped responses itself; here the reactor does.
        let enable_gzip = r.boolean("enable_gzip", false)?;
        if enable_gzip {
            warnings.push(
                "laravels.enable_gzip is LaravelS's deprecated switch: it turns swoole.http_compression on (gzip for clients that accept it). Fix: set 'swoole' => ['http_compression' => true] and remove enable_gzip".to_owned(),
            );
        }
        // Read in the order errors are reported in: the first wrong value stops here.
        let (socket_type, ssl_flag) = listen::socket_type(&r)?;
        let tls = listen::tls(&r, ssl_flag)?;
        let listen_port = listen::port(&r)?;
        let dispatch_mode = swoole::dispatch_mode(&r)?;
        let worker_num = swoole::worker_num(&r)?;
        let max_request_time = swoole::seconds(&r, "max_request_time", 60)?;
        let package_max_length = r.sw_bytes("package_max_length", 4 * 1024 * 1024)?;
        let max_header_size = swoole::max_header_size(&r)?;
        let max_connection = swoole::max_connection(&r)?;
        let memory_limit = r.sw_bytes("worker_memory_limit", 0)?;
        let max_request = swoole::max_request(&r)?;
        let websocket = sections::websocket(top.get("websocket"))?;
        let pusher = PusherConfig::parse(top)?;
        let mut sockets = sockets::parse(top.get("sockets"), package_max_length as usize, websocket, &mut warnings)?;
        for spec in &mut sockets {
            if let Some(files) = spec.tls.take() {
                spec.tls = Some(TlsFiles { cert_file: r.absolute(files.cert_file), key_file: r.absolute(files.key_file) });
            }
        }

        let config = ServerConfig {
            serving_mode: mode::parse(top)?,
            listen_ip: r.string("listen_ip", "127.0.0.1")?,
            listen_port,
            socket_type,
            tls,
            http2: r.sw_bool("open_http2_protocol", false)?,
            server_header: r.string("server", "")?,
            handle_static: r.boolean("handle_static", false)?,
            document_root: r.sw_path("document_root", "public")?,
            daemonize: r.sw_bool("daemonize", false)?,
            dispatch_mode,
            worker_num,
            max_request,
            pid_file: r.sw_path("pid_file", "storage/laravels.pid")?,
            log_file: Some(r.sw_string("log_file", "")?).filter(|s| !s.is_empty()).map(|s| r.absolute(s.into())),
            package_max_length: package_max_length as usize,
            max_header_size: max_header_size as usize,
            max_connection: max_connection as usize,
            max_wait_time: swoole::seconds(&r, "max_wait_time", 60)?,
            max_request_time: (!max_request_time.is_zero()).then_some(max_request_time),
            worker_memory_limit: (memory_limit > 0).then_some(memory_limit as u64),
            upload_tmp_dir: r.sw_path("upload_tmp_dir", "/tmp")?,
            http_compression: r.sw_bool("http_compression", false)? || enable_gzip,
            enable_reuse_port: r.sw_bool("enable_reuse_port", true)?,
            report_worker_errors: sections::reports_worker_errors(top),
            processes: sections::processes(top.get("processes"))?,
            trusted_proxies: sections::trusted_proxies(top.get("trusted_proxies"))?,
            timer_max_wait: sections::timer_max_wait(top)?,
            timer: sections::timer(top.get("timer"))?,
            task_worker_num: swoole::task_worker_num(&r)?,
            task_max_request: swoole::task_max_request(&r)?,
            reactor_num: swoole::reactor_num(&r)?,
            reactor_spin: swoole::reactor_spin(&r)?,
            cluster: cluster::parse(top, websocket || pusher.is_some())?,
            pusher,
            websocket,
            sockets,
            heartbeat_idle: swoole::heartbeat_idle(&r)?,
            http_timeouts: HttpTimeouts::parse(top, swoole::heartbeat_idle(&r)?)?,
            buffer_output_size: swoole::buffer_output_size(&r)?,
            health: Health::parse(top)?,
            queue: QueuePolicy::parse(top)?,
            tracing: TracingConfig::parse(top)?,
            metrics: MetricsConfig::parse(top)?,
            // Last: it relies on `processes` having been checked above.
            package: package::parse(top, swoole, base_path, websocket)?,
            warnings,
            notes: notes(top),
        };
        mode::check(&config)?;
        Ok(config)
    }
}

/// What an accepted setting means in this runtime, when that differs from `LaravelS`.
fn notes(top: &Map<String, Value>) -> Vec<String> {
    let mut notes = Vec::new();
    if top.contains_key("enable_coroutine_runtime") {
        notes.push(
            "laravels.enable_coroutine_runtime: nothing to turn on here; each worker process runs one request at a time, so blocking calls (PDO, Redis, curl) block only that worker".to_owned(),
        );
    }
    notes
}

/// Swoole's flag for TLS, OR-ed into a socket type.
const SWOOLE_SSL: i64 = 512;

fn invalid(key: &str, problem: impl Into<String>, fix: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { key: key.to_owned(), problem: problem.into(), fix: fix.into() }
}
