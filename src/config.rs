//! The server's typed configuration, parsed once from `config('laravels')`.
//!
//! Keys keep the names of LaravelS's `config/laravels.php`. Values may come from
//! `env()`, which yields strings ("4", "true"), so numbers and booleans are accepted in
//! both forms. A wrong type or value is a `ConfigError` naming the key and the fix; a
//! `swoole.*` setting this runtime does not implement is a warning, not an error, because
//! real LaravelS configs carry many of them.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Map, Value};
use thiserror::Error;

mod sockets;
pub use sockets::{Framing, LengthField, Protocol, SocketSpec, Transport};

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("laravels.{key}: {problem}. Fix: {fix}")]
    Invalid { key: String, problem: String, fix: String },
}

fn invalid(key: &str, problem: impl Into<String>, fix: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { key: key.to_owned(), problem: problem.into(), fix: fix.into() }
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
}

/// What the main listener is bound to (`socket_type`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SocketType {
    Tcp,
    Tcp6,
    /// A unix stream socket at `listen_ip`.
    UnixStream,
}

/// The certificate and key of a TLS port (`swoole.ssl_cert_file`, `swoole.ssl_key_file`),
/// as absolute paths; `reactor::tls` reads them when the port is bound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
}

/// One instance of an entry of `processes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomProcess {
    pub name: String,
    /// Wait before starting it again after it exited.
    pub restart_interval: Duration,
}

#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub listen_ip: String,
    pub listen_port: u16,
    pub socket_type: SocketType,
    /// TLS on the main port: `socket_type | SWOOLE_SSL`, or both ssl files set.
    pub tls: Option<TlsFiles>,
    /// `swoole.open_http2_protocol`: HTTP/2 by ALPN over TLS, h2c prior knowledge without.
    pub http2: bool,
    /// Value of the `Server` response header; empty means none.
    pub server_header: String,
    pub handle_static: bool,
    pub document_root: PathBuf,
    pub daemonize: bool,
    pub dispatch_mode: DispatchMode,
    pub worker_num: u32,
    /// Requests a worker serves before it is replaced; 0 means never.
    pub max_request: u64,
    pub pid_file: PathBuf,
    pub log_file: Option<PathBuf>,
    pub package_max_length: usize,
    pub max_header_size: usize,
    pub max_connection: usize,
    /// How long `stop` and `reload` wait for in-flight requests.
    pub max_wait_time: Duration,
    /// A request running longer gets 504 and its worker is replaced; `None` disables.
    pub max_request_time: Option<Duration>,
    /// A worker whose resident memory passes this is replaced after its current request.
    pub worker_memory_limit: Option<u64>,
    pub upload_tmp_dir: PathBuf,
    pub http_compression: bool,
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
    /// `heartbeat_idle_time` (or twice `heartbeat_check_interval`): a connection that sends
    /// nothing for this long is closed.
    pub heartbeat_idle: Option<Duration>,
    /// `buffer_output_size`: bytes of pushed messages one connection may have waiting to
    /// be sent; a push beyond it is dropped with a warning.
    pub buffer_output_size: usize,
    /// `sockets`: the extra ports, in `$server->ports` order after the main one.
    pub sockets: Vec<SocketSpec>,
    /// Warnings for settings that were accepted but have no effect here.
    pub warnings: Vec<String>,
}

/// Swoole's flag for TLS on a socket type.
const SWOOLE_SSL: i64 = 512;

/// Top-level keys the PHP side of the package handles; the runtime only checks they exist.
const PHP_HANDLED_KEYS: &[&str] = &[
    "laravel_base_path",
    "inotify_reload",
    "event_handlers",
    "websocket",
    "processes",
    "timer",
    "swoole_tables",
    "register_providers",
    "cleaners",
    "destroy_controllers",
    "trusted_proxies",
    "_runtime",
];

/// `swoole.*` keys this runtime reads.
const SWOOLE_KEYS: &[&str] = &[
    "daemonize",
    "dispatch_mode",
    "worker_num",
    "max_request",
    "pid_file",
    "log_file",
    "document_root",
    "package_max_length",
    "max_header_size",
    "max_connection",
    "max_wait_time",
    "max_request_time",
    "worker_memory_limit",
    "upload_tmp_dir",
    "http_compression",
    "enable_reuse_port",
    "reactor_num",
    "reactor_spin_us",
    "heartbeat_idle_time",
    "heartbeat_check_interval",
    "buffer_output_size",
    "task_worker_num",
    "task_max_request",
    "ssl_cert_file",
    "ssl_key_file",
    "open_http2_protocol",
];

/// `swoole.*` settings whose published value already describes this runtime's behaviour,
/// so they are accepted silently with that value and warned about with any other.
const SWOOLE_EQUIVALENT: &[(&str, &str)] = &[
    ("reload_async", "true"),
    ("enable_coroutine", "false"),
    ("open_tcp_nodelay", "true"),
    ("task_ipc_mode", "*"),
    ("task_tmpdir", "*"),
    ("log_level", "*"),
    ("buffer_output_size", "*"),
    ("socket_buffer_size", "*"),
];

/// What a child of the manager is, by its worker id: ids count the HTTP workers, then
/// the task workers, the timer, and the custom processes, in that order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Child {
    Worker,
    TaskWorker,
    Timer,
    /// The custom process at this index of `processes` (one entry per instance).
    Process(usize),
}

impl ServerConfig {
    /// What worker id `id` is; `None` past the last child.
    pub fn child(&self, id: u32) -> Option<Child> {
        if id >= self.first_process_id() {
            let index = (id - self.first_process_id()) as usize;
            return (index < self.processes.len()).then_some(Child::Process(index));
        }
        if Some(id) == self.timer_id() {
            return Some(Child::Timer);
        }
        Some(if id < self.worker_num { Child::Worker } else { Child::TaskWorker })
    }

    /// Every process the manager keeps: HTTP workers, task workers, then the timer.
    pub fn child_count(&self) -> u32 {
        self.worker_num + self.task_worker_num + u32::from(self.timer) + self.processes.len() as u32
    }

    /// The id of the first custom process; they follow the timer.
    pub fn first_process_id(&self) -> u32 {
        self.worker_num + self.task_worker_num + u32::from(self.timer)
    }

    /// The process id slot of the timer process, when there is one.
    pub fn timer_id(&self) -> Option<u32> {
        self.timer.then_some(self.worker_num + self.task_worker_num)
    }

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
        let mut warnings = Vec::new();
        for key in top.keys() {
            let known = PHP_HANDLED_KEYS.contains(&key.as_str())
                || ["listen_ip", "listen_port", "socket_type", "server", "handle_static", "swoole", "sockets"].contains(&key.as_str());
            if !known {
                warnings.push(format!("laravels.{key} is not a LaravelS setting and is ignored"));
            }
        }
        for (key, value) in swoole {
            if SWOOLE_KEYS.contains(&key.as_str()) {
                continue;
            }
            match SWOOLE_EQUIVALENT.iter().find(|(k, _)| k == key) {
                Some((_, "*")) => {}
                Some((_, expected)) if scalar_text(value) == *expected => {}
                _ => warnings.push(format!("laravels.swoole.{key} is not implemented by laravels-rs and has no effect")),
            }
        }

        let r = Reader { top, swoole };
        let base = PathBuf::from(base_path);
        let abs = |p: PathBuf| if p.is_absolute() { p } else { base.join(p) };
        // Swoole's values: TCP 1, UDP 2, TCP6 3, UDP6 4, UNIX_STREAM 5, UNIX_DGRAM 6; | SSL (512).
        let raw_type = r.int("socket_type", 1)?;
        let ssl_flag = raw_type & SWOOLE_SSL != 0;
        let raw_type = raw_type & !SWOOLE_SSL;
        let socket_type = match raw_type {
            1 => SocketType::Tcp,
            3 => SocketType::Tcp6,
            5 => SocketType::UnixStream,
            other => {
                return Err(invalid(
                    "socket_type",
                    format!("{other} is not a stream socket type for the HTTP server"),
                    "use SWOOLE_SOCK_TCP (1), SWOOLE_SOCK_TCP6 (3) or SWOOLE_SOCK_UNIX_STREAM (5); UDP belongs in 'sockets'",
                ))
            }
        };
        let tls = parse_tls(&r, ssl_flag)?.map(|f| TlsFiles { cert_file: abs(f.cert_file), key_file: abs(f.key_file) });
        let listen_port = r.int("listen_port", 5200)?;
        let listen_port =
            u16::try_from(listen_port).map_err(|_| invalid("listen_port", format!("{listen_port} is not a TCP port"), "use a port from 0 to 65535"))?;
        let dispatch_mode = match r.sw_int("dispatch_mode", 3)? {
            1 => DispatchMode::RoundRobin,
            2 => DispatchMode::FixedByConnection,
            3 => DispatchMode::Idle,
            other => {
                return Err(invalid(
                    "swoole.dispatch_mode",
                    format!("{other} is not supported"),
                    "use 1 (round robin), 2 (fixed by connection) or 3 (idle worker, the default)",
                ))
            }
        };
        let worker_num = r.sw_int("worker_num", 0)?;
        let worker_num = match worker_num {
            0 => std::thread::available_parallelism().map(|n| n.get() as i64).unwrap_or(1),
            n if !(0..=1024).contains(&n) => {
                return Err(invalid("swoole.worker_num", format!("{n} workers"), "use a number from 1 to 1024 (0 means one per CPU)"))
            }
            n => n,
        } as u32;
        let seconds = |key: &str, default: i64| -> Result<Duration, ConfigError> {
            let v = r.sw_int(key, default)?;
            if v < 0 {
                return Err(invalid(&format!("swoole.{key}"), format!("{v} is negative"), "use a number of seconds >= 0"));
            }
            Ok(Duration::from_secs(v as u64))
        };
        let max_request_time = seconds("max_request_time", 60)?;
        let package_max_length = r.sw_bytes("package_max_length", 4 * 1024 * 1024)?;
        let max_header_size = r.sw_bytes("max_header_size", 16 * 1024)?;
        if max_header_size < 8192 {
            return Err(invalid("swoole.max_header_size", format!("{max_header_size} bytes is too small"), "use at least 8192"));
        }
        let max_connection = r.sw_int("max_connection", 10_000)?;
        if max_connection < 1 {
            return Err(invalid("swoole.max_connection", format!("{max_connection}"), "use a positive number"));
        }
        let memory_limit = r.sw_bytes("worker_memory_limit", 0)?;
        let max_request = r.sw_int("max_request", 0)?;
        if max_request < 0 {
            return Err(invalid("swoole.max_request", format!("{max_request} is negative"), "use 0 (never recycle) or a positive count"));
        }
        let websocket = parse_websocket(top.get("websocket"))?;
        let mut sockets = sockets::parse(top.get("sockets"), package_max_length as usize, websocket, &mut warnings)?;
        for spec in &mut sockets {
            if let Some(files) = spec.tls.take() {
                spec.tls = Some(TlsFiles { cert_file: abs(files.cert_file), key_file: abs(files.key_file) });
            }
        }

        Ok(ServerConfig {
            listen_ip: r.string("listen_ip", "127.0.0.1")?,
            listen_port,
            socket_type,
            tls,
            http2: r.sw_bool("open_http2_protocol", false)?,
            server_header: r.string("server", "")?,
            handle_static: r.boolean("handle_static", false)?,
            document_root: abs(PathBuf::from(r.sw_string("document_root", "public")?)),
            daemonize: r.sw_bool("daemonize", false)?,
            dispatch_mode,
            worker_num,
            max_request: max_request as u64,
            pid_file: abs(PathBuf::from(r.sw_string("pid_file", "storage/laravels.pid")?)),
            log_file: match r.sw_string("log_file", "")? {
                s if s.is_empty() => None,
                s => Some(abs(PathBuf::from(s))),
            },
            package_max_length: package_max_length as usize,
            max_header_size: max_header_size as usize,
            max_connection: max_connection as usize,
            max_wait_time: seconds("max_wait_time", 60)?,
            max_request_time: (!max_request_time.is_zero()).then_some(max_request_time),
            worker_memory_limit: (memory_limit > 0).then_some(memory_limit as u64),
            upload_tmp_dir: abs(PathBuf::from(r.sw_string("upload_tmp_dir", "/tmp")?)),
            http_compression: r.sw_bool("http_compression", false)?,
            enable_reuse_port: r.sw_bool("enable_reuse_port", true)?,
            report_worker_errors: top
                .get("event_handlers")
                .and_then(|h| h.get("WorkerError"))
                .is_some_and(|v| v.as_array().is_some_and(|a| !a.is_empty()) || v.as_object().is_some_and(|o| !o.is_empty()) || v.is_string()),
            processes: parse_processes(top.get("processes"))?,
            trusted_proxies: parse_trusted_proxies(top.get("trusted_proxies"))?,
            timer_max_wait: match top.get("timer").and_then(|t| t.get("max_wait_time")) {
                None => Duration::from_secs(5),
                v => match int_value(v, "timer.max_wait_time", 5)? {
                    n if n >= 0 => Duration::from_secs(n as u64),
                    n => return Err(invalid("timer.max_wait_time", format!("{n} is negative"), "use a number of seconds >= 0")),
                },
            },
            timer: match top.get("timer") {
                Some(Value::Object(t)) => bool_value(t.get("enable"), "timer.enable", false)?,
                None | Some(Value::Null) => false,
                Some(Value::Array(a)) if a.is_empty() => false,
                Some(_) => return Err(invalid("timer", "must be an array", "set 'timer' => ['enable' => ..., 'jobs' => [...]]")),
            },
            task_worker_num: match r.sw_int("task_worker_num", 0)? {
                n @ 0..=1024 => n as u32,
                n => return Err(invalid("swoole.task_worker_num", format!("{n} task workers"), "use a number from 0 to 1024")),
            },
            task_max_request: match r.sw_int("task_max_request", 0)? {
                n if n >= 0 => n as u64,
                n => return Err(invalid("swoole.task_max_request", format!("{n} is negative"), "use 0 (never recycle) or a positive count")),
            },
            reactor_num: match r.sw_int("reactor_num", 0)? {
                // The PHP workers need the CPUs more than the reactor does: one reactor
                // thread per four CPUs (measured on 2 cores: one thread serves hello-JSON
                // 8% faster than two, which wake each other through futexes).
                n if n <= 0 => std::thread::available_parallelism().map_or(1, |n| n.get().div_ceil(4)),
                n => n.min(256) as usize,
            },
            reactor_spin: match r.sw_int("reactor_spin_us", 200)? {
                n @ 0..=10_000 => Duration::from_micros(n as u64),
                n => {
                    return Err(invalid(
                        "swoole.reactor_spin_us",
                        format!("{n} µs"),
                        "use a number of microseconds from 0 (never spin) to 10000; the default 200 covers a fast API request",
                    ))
                }
            },
            websocket,
            sockets,
            heartbeat_idle: {
                let idle = seconds("heartbeat_idle_time", 0)?;
                let interval = seconds("heartbeat_check_interval", 0)?;
                // Swoole: either one implies the other (idle = 2 x interval).
                match (idle.is_zero(), interval.is_zero()) {
                    (false, _) => Some(idle),
                    (true, false) => Some(interval * 2),
                    (true, true) => None,
                }
            },
            buffer_output_size: match r.sw_bytes("buffer_output_size", 2 * 1024 * 1024)? {
                n if n >= 1024 => n as usize,
                n => return Err(invalid("swoole.buffer_output_size", format!("{n} bytes is too small"), "use at least 1024 (the default is 2M)")),
            },
            warnings,
        })
    }
}

/// `websocket`: `['enable' => bool, 'handler' => Class::class]`; enabled needs a handler.
fn parse_websocket(v: Option<&Value>) -> Result<bool, ConfigError> {
    let fix = "set 'websocket' => ['enable' => true, 'handler' => \\App\\Services\\WebSocketService::class]";
    let section = match v {
        None | Some(Value::Null) => return Ok(false),
        Some(Value::Array(a)) if a.is_empty() => return Ok(false),
        Some(Value::Object(o)) => o,
        Some(_) => return Err(invalid("websocket", "must be an array", fix)),
    };
    if !bool_value(section.get("enable"), "websocket.enable", false)? {
        return Ok(false);
    }
    match section.get("handler") {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(true),
        _ => Err(invalid(
            "websocket.handler",
            "is missing while websocket.enable is true",
            "name a class implementing WebSocketHandlerInterface, e.g. \\App\\Services\\WebSocketService::class",
        )),
    }
}

/// TLS is on with `SWOOLE_SSL` in `socket_type` (LaravelS's way, which also needs the two
/// files) or with both ssl files set. One file without the other is a mistake either way.
fn parse_tls(r: &Reader, ssl_flag: bool) -> Result<Option<TlsFiles>, ConfigError> {
    let cert = r.sw_string("ssl_cert_file", "")?;
    let key = r.sw_string("ssl_key_file", "")?;
    let both = "set 'ssl_cert_file' and 'ssl_key_file' in 'swoole' to the PEM certificate (chain) and its private key";
    match (cert.is_empty(), key.is_empty()) {
        (false, false) => Ok(Some(TlsFiles { cert_file: PathBuf::from(cert), key_file: PathBuf::from(key) })),
        (true, true) if ssl_flag => Err(invalid("socket_type", "SWOOLE_SSL asks for TLS but swoole.ssl_cert_file and swoole.ssl_key_file are not set", both)),
        (true, true) => Ok(None),
        (false, true) => Err(invalid("swoole.ssl_key_file", format!("is not set, but swoole.ssl_cert_file is ('{cert}')"), both)),
        (true, false) => Err(invalid("swoole.ssl_cert_file", format!("is not set, but swoole.ssl_key_file is ('{key}')"), both)),
    }
}

/// `trusted_proxies`: addresses or CIDR ranges, and "unix" for unix-socket peers. Without
/// the key, loopback and unix peers are trusted (a proxy on the same machine).
fn parse_trusted_proxies(v: Option<&Value>) -> Result<crate::reactor::forwarded::TrustedProxies, ConfigError> {
    let fix = "list addresses or ranges, e.g. ['127.0.0.1', '10.0.0.0/8', 'unix']";
    let items: Vec<&Value> = match v {
        None | Some(Value::Null) => {
            return Ok(crate::reactor::forwarded::TrustedProxies { nets: vec!["127.0.0.0/8".parse().unwrap(), "::1/128".parse().unwrap()], unix: true })
        }
        Some(Value::Array(a)) => a.iter().collect(),
        Some(Value::Object(o)) => o.values().collect(),
        Some(_) => return Err(invalid("trusted_proxies", "must be a list", fix)),
    };
    let mut trusted = crate::reactor::forwarded::TrustedProxies::default();
    for (i, item) in items.into_iter().enumerate() {
        let key = format!("trusted_proxies.{i}");
        let text = item.as_str().ok_or_else(|| invalid(&key, "is not a string", fix))?.trim();
        if text == "unix" {
            trusted.unix = true;
        } else if let Ok(net) = text.parse::<ipnet::IpNet>() {
            trusted.nets.push(net);
        } else if let Ok(ip) = text.parse::<std::net::IpAddr>() {
            trusted.nets.push(ip.into());
        } else {
            return Err(invalid(&key, format!("'{text}' is not an address, a range or 'unix'"), fix));
        }
    }
    Ok(trusted)
}

/// `processes`: name => ['class' => ..., 'enable' => true, 'num' => 1, 'restart_interval' => 5].
fn parse_processes(v: Option<&Value>) -> Result<Vec<CustomProcess>, ConfigError> {
    let entries = match v {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(a)) if a.is_empty() => return Ok(Vec::new()),
        Some(Value::Object(m)) => m,
        Some(_) => return Err(invalid("processes", "must be an array of name => definition", "see the README's custom process section")),
    };
    let mut out = Vec::new();
    for (name, def) in entries {
        let key = format!("processes.{name}");
        let Value::Object(def) = def else {
            return Err(invalid(&key, "must be an array with at least 'class'", "set 'class' => YourProcess::class"));
        };
        if !bool_value(def.get("enable"), &format!("{key}.enable"), true)? {
            continue;
        }
        let num = int_value(def.get("num"), &format!("{key}.num"), 1)?;
        if !(1..=64).contains(&num) {
            return Err(invalid(&format!("{key}.num"), format!("{num} instances"), "use a number from 1 to 64"));
        }
        let restart = int_value(def.get("restart_interval"), &format!("{key}.restart_interval"), 5)?;
        if restart < 0 {
            return Err(invalid(&format!("{key}.restart_interval"), format!("{restart} is negative"), "use a number of seconds >= 0"));
        }
        for _ in 0..num {
            out.push(CustomProcess { name: name.clone(), restart_interval: Duration::from_secs(restart as u64) });
        }
    }
    Ok(out)
}

/// A scalar's text as PHP would print it, for comparing settings with expected values.
fn scalar_text(v: &Value) -> String {
    match v {
        Value::Bool(b) => b.to_string(),
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Null => "null".into(),
        _ => "array".into(),
    }
}

/// Typed look-ups in the top level and in `swoole`, with the key named in every error.
struct Reader<'a> {
    top: &'a Map<String, Value>,
    swoole: &'a Map<String, Value>,
}

impl Reader<'_> {
    fn int(&self, key: &str, default: i64) -> Result<i64, ConfigError> {
        int_value(self.top.get(key), key, default)
    }
    fn sw_int(&self, key: &str, default: i64) -> Result<i64, ConfigError> {
        int_value(self.swoole.get(key), &format!("swoole.{key}"), default)
    }
    fn string(&self, key: &str, default: &str) -> Result<String, ConfigError> {
        string_value(self.top.get(key), key, default)
    }
    fn sw_string(&self, key: &str, default: &str) -> Result<String, ConfigError> {
        string_value(self.swoole.get(key), &format!("swoole.{key}"), default)
    }
    fn boolean(&self, key: &str, default: bool) -> Result<bool, ConfigError> {
        bool_value(self.top.get(key), key, default)
    }
    fn sw_bool(&self, key: &str, default: bool) -> Result<bool, ConfigError> {
        bool_value(self.swoole.get(key), &format!("swoole.{key}"), default)
    }
    fn sw_bytes(&self, key: &str, default: i64) -> Result<i64, ConfigError> {
        let name = format!("swoole.{key}");
        match self.swoole.get(key) {
            Some(Value::String(s)) => {
                parse_size(s).ok_or_else(|| invalid(&name, format!("'{s}' is not a size"), "use a number of bytes or a size such as '512K', '256M', '1G'"))
            }
            other => int_value(other, &name, default),
        }
    }
}

fn int_value(v: Option<&Value>, key: &str, default: i64) -> Result<i64, ConfigError> {
    match v {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
            .ok_or_else(|| invalid(key, format!("{n} is not a whole number"), "use an integer")),
        Some(Value::String(s)) => {
            s.trim().parse().map_err(|_| invalid(key, format!("'{s}' is not a number"), "use an integer (check the LARAVELS_* variable in .env)"))
        }
        Some(other) => Err(invalid(key, format!("{} is not a number", kind_of(other)), "use an integer")),
    }
}

fn string_value(v: Option<&Value>, key: &str, default: &str) -> Result<String, ConfigError> {
    match v {
        None | Some(Value::Null) => Ok(default.to_owned()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        Some(other) => Err(invalid(key, format!("{} is not a string", kind_of(other)), "use a string")),
    }
}

fn bool_value(v: Option<&Value>, key: &str, default: bool) -> Result<bool, ConfigError> {
    match v {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::Number(n)) if n.as_i64() == Some(0) => Ok(false),
        Some(Value::Number(n)) if n.as_i64() == Some(1) => Ok(true),
        Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "on" | "yes" => Ok(true),
            "0" | "false" | "off" | "no" | "" => Ok(false),
            _ => Err(invalid(key, format!("'{s}' is not a boolean"), "use true or false")),
        },
        Some(other) => Err(invalid(key, format!("{} is not a boolean", kind_of(other)), "use true or false")),
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) | Value::Object(_) => "an array",
    }
}

/// "512", "512K", "256M", "1G" (as in php.ini) to bytes.
fn parse_size(s: &str) -> Option<i64> {
    let s = s.trim();
    let (digits, mult) = match s.chars().last()?.to_ascii_uppercase() {
        'K' => (&s[..s.len() - 1], 1 << 10),
        'M' => (&s[..s.len() - 1], 1 << 20),
        'G' => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    digits.trim().parse::<i64>().ok().filter(|n| *n >= 0).map(|n| n * mult)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: Value) -> Result<ServerConfig, ConfigError> {
        ServerConfig::parse(&v, "/app")
    }

    #[test]
    fn defaults_and_env_strings() {
        let c = parse(json!({"listen_port": "5300", "handle_static": "true", "swoole": {"worker_num": "4", "max_request": 10}})).unwrap();
        assert_eq!(c.listen_port, 5300);
        assert!(c.handle_static);
        assert_eq!(c.worker_num, 4);
        assert_eq!(c.max_request, 10);
        assert_eq!(c.dispatch_mode, DispatchMode::Idle);
        assert_eq!(c.pid_file, PathBuf::from("/app/storage/laravels.pid"));
        assert_eq!(c.document_root, PathBuf::from("/app/public"));
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    }

    #[test]
    fn bad_values_name_the_key_and_the_fix() {
        let e = parse(json!({"swoole": {"worker_num": "many"}})).unwrap_err().to_string();
        assert!(e.contains("laravels.swoole.worker_num") && e.contains("Fix:"), "{e}");
        let e = parse(json!({"swoole": {"dispatch_mode": 5}})).unwrap_err().to_string();
        assert!(e.contains("swoole.dispatch_mode") && e.contains("5 is not supported"), "{e}");
        let e = parse(json!({"listen_port": 70000})).unwrap_err().to_string();
        assert!(e.contains("listen_port"), "{e}");
        let e = parse(json!({"handle_static": "maybe"})).unwrap_err().to_string();
        assert!(e.contains("handle_static") && e.contains("boolean"), "{e}");
        let e = parse(json!({"swoole": {"worker_memory_limit": "lots"}})).unwrap_err().to_string();
        assert!(e.contains("worker_memory_limit") && e.contains("256M"), "{e}");
    }

    #[test]
    fn unimplemented_swoole_settings_warn_once_each() {
        let c = parse(json!({"swoole": {"reload_async": true, "enable_coroutine": true, "ssl_ciphers": "ALL", "task_ipc_mode": 1}})).unwrap();
        assert_eq!(c.warnings.len(), 2, "{:?}", c.warnings);
        assert!(c.warnings.iter().any(|w| w.contains("swoole.enable_coroutine")));
        assert!(c.warnings.iter().any(|w| w.contains("swoole.ssl_ciphers")));
    }

    #[test]
    fn trusted_proxies_parse_addresses_ranges_and_unix() {
        let c = parse(json!({"trusted_proxies": ["127.0.0.2", "10.0.0.0/8", "unix"]})).unwrap();
        assert_eq!(c.trusted_proxies.nets.len(), 2);
        assert!(c.trusted_proxies.unix);
        let e = parse(json!({"trusted_proxies": ["10.0.0.0/8", "proxy.local"]})).unwrap_err().to_string();
        assert!(e.contains("trusted_proxies.1") && e.contains("proxy.local"), "{e}");
    }

    #[test]
    fn socket_types_use_swooles_numbers() {
        assert_eq!(parse(json!({"socket_type": 5, "listen_ip": "/tmp/l.sock"})).unwrap().socket_type, SocketType::UnixStream);
        assert_eq!(parse(json!({"socket_type": 3})).unwrap().socket_type, SocketType::Tcp6);
        let e = parse(json!({"socket_type": 6})).unwrap_err().to_string();
        assert!(e.contains("socket_type") && e.contains("(5)"), "{e}");
    }

    #[test]
    fn tls_needs_both_files_and_swoole_ssl_means_tls() {
        let files = json!({"ssl_cert_file": "storage/cert.pem", "ssl_key_file": "/etc/key.pem"});
        let c = parse(json!({"socket_type": 1 | 512, "swoole": files.clone()})).unwrap();
        assert_eq!(c.socket_type, SocketType::Tcp);
        let tls = c.tls.unwrap();
        assert_eq!(tls.cert_file, PathBuf::from("/app/storage/cert.pem"));
        assert_eq!(tls.key_file, PathBuf::from("/etc/key.pem"));
        assert!(!c.http2);
        // The files alone turn TLS on; SWOOLE_SSL with TCP6 keeps the socket type.
        assert!(parse(json!({"swoole": files.clone()})).unwrap().tls.is_some());
        assert_eq!(parse(json!({"socket_type": 3 | 512, "swoole": files})).unwrap().socket_type, SocketType::Tcp6);
        assert!(parse(json!({})).unwrap().tls.is_none());

        let e = parse(json!({"socket_type": 1 | 512})).unwrap_err().to_string();
        assert!(e.contains("laravels.socket_type") && e.contains("ssl_cert_file") && e.contains("Fix:"), "{e}");
        let e = parse(json!({"swoole": {"ssl_cert_file": "/c.pem"}})).unwrap_err().to_string();
        assert!(e.contains("laravels.swoole.ssl_key_file") && e.contains("/c.pem"), "{e}");
        let e = parse(json!({"swoole": {"ssl_key_file": "/k.pem"}})).unwrap_err().to_string();
        assert!(e.contains("laravels.swoole.ssl_cert_file") && e.contains("/k.pem"), "{e}");
    }

    #[test]
    fn open_http2_protocol_is_a_boolean_setting() {
        let c = parse(json!({"swoole": {"open_http2_protocol": "true"}})).unwrap();
        assert!(c.http2 && c.warnings.is_empty(), "{:?}", c.warnings);
        let e = parse(json!({"swoole": {"open_http2_protocol": "sometimes"}})).unwrap_err().to_string();
        assert!(e.contains("swoole.open_http2_protocol"), "{e}");
    }

    #[test]
    fn worker_ids_count_workers_task_workers_the_timer_then_processes() {
        let c = parse(json!({"swoole": {"worker_num": 2, "task_worker_num": 1}})).unwrap();
        assert_eq!(c.child(1), Some(Child::Worker));
        assert_eq!(c.child(2), Some(Child::TaskWorker), "id 2 is the task worker");
        assert!(c.child(3).is_none());
        let timed = parse(json!({"swoole": {"worker_num": 1, "task_worker_num": 1}, "timer": {"enable": true}})).unwrap();
        assert_eq!(timed.child(2), Some(Child::Timer));
        assert!(timed.child(3).is_none());
        let p = json!({"class": "P"});
        let custom = parse(json!({"swoole": {"worker_num": 1}, "timer": {"enable": true}, "processes": {"a": p, "b": p}})).unwrap();
        assert_eq!(custom.child(1), Some(Child::Timer));
        assert_eq!(custom.child(3), Some(Child::Process(1)));
        assert!(custom.child(4).is_none());
    }

    #[test]
    fn sizes_and_durations() {
        let c = parse(json!({"swoole": {"worker_memory_limit": "256M", "package_max_length": 1024, "max_request_time": 0}})).unwrap();
        assert_eq!(c.worker_memory_limit, Some(256 << 20));
        assert_eq!(c.package_max_length, 1024);
        assert_eq!(c.max_request_time, None);
    }

    #[test]
    fn websocket_and_heartbeat() {
        let c = parse(json!({"websocket": {"enable": true, "handler": "App\\Ws"}, "swoole": {"heartbeat_check_interval": 30}})).unwrap();
        assert!(c.websocket);
        assert_eq!(c.heartbeat_idle, Some(Duration::from_secs(60)));
        let c = parse(json!({"websocket": {"enable": false}, "swoole": {"heartbeat_idle_time": 600, "heartbeat_check_interval": 60}})).unwrap();
        assert!(!c.websocket);
        assert_eq!(c.heartbeat_idle, Some(Duration::from_secs(600)));
        let e = parse(json!({"websocket": {"enable": true}})).unwrap_err().to_string();
        assert!(e.contains("websocket.handler"), "{e}");
        let e = parse(json!({"swoole": {"buffer_output_size": 10}})).unwrap_err().to_string();
        assert!(e.contains("swoole.buffer_output_size"), "{e}");
    }
}
