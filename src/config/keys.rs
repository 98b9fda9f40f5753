//! Which keys of `config('laravels')` this runtime knows, one entry per key, and the
//! warnings for the others: a LaravelS setting we do not implement is worth one line at
//! start-up, not an error, because real LaravelS configs carry many of them.

use serde_json::{Map, Value};

use super::values::scalar_text;

/// The top-level keys. The runtime reads the first group; the PHP side of the package
/// reads the second (some of them also typed here: `websocket`, `timer`, `processes`,
/// `event_handlers`, `trusted_proxies`).
const TOP_LEVEL: &[&str] = &[
    "listen_ip",
    "listen_port",
    "socket_type",
    "server",
    "handle_static",
    "swoole",
    "sockets",
    // Read by the PHP side.
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

/// What this runtime does with a `swoole.*` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Swoole {
    /// Read and applied.
    Read,
    /// Not read: this runtime already behaves as Swoole does with this value, so the
    /// value passes silently and any other one warns.
    SameAs(&'static str),
    /// Not read, and no value of it changes anything here: accepted silently.
    AnyValue,
}

/// Every `swoole.*` setting this runtime knows.
const SWOOLE: &[(&str, Swoole)] = &[
    ("daemonize", Swoole::Read),
    ("dispatch_mode", Swoole::Read),
    ("worker_num", Swoole::Read),
    ("max_request", Swoole::Read),
    ("pid_file", Swoole::Read),
    ("log_file", Swoole::Read),
    ("document_root", Swoole::Read),
    ("package_max_length", Swoole::Read),
    ("max_header_size", Swoole::Read),
    ("max_connection", Swoole::Read),
    ("max_wait_time", Swoole::Read),
    ("max_request_time", Swoole::Read),
    ("worker_memory_limit", Swoole::Read),
    ("upload_tmp_dir", Swoole::Read),
    ("http_compression", Swoole::Read),
    ("enable_reuse_port", Swoole::Read),
    ("reactor_num", Swoole::Read),
    ("reactor_spin_us", Swoole::Read),
    ("heartbeat_idle_time", Swoole::Read),
    ("heartbeat_check_interval", Swoole::Read),
    ("buffer_output_size", Swoole::Read),
    ("task_worker_num", Swoole::Read),
    ("task_max_request", Swoole::Read),
    ("ssl_cert_file", Swoole::Read),
    ("ssl_key_file", Swoole::Read),
    ("open_http2_protocol", Swoole::Read),
    ("reload_async", Swoole::SameAs("true")),
    ("enable_coroutine", Swoole::SameAs("false")),
    ("open_tcp_nodelay", Swoole::SameAs("true")),
    ("task_ipc_mode", Swoole::AnyValue),
    ("task_tmpdir", Swoole::AnyValue),
    ("log_level", Swoole::AnyValue),
    ("socket_buffer_size", Swoole::AnyValue),
];

/// What the runtime does with `swoole.{key}`; `None` for a setting it does not know.
pub(super) fn swoole(key: &str) -> Option<Swoole> {
    SWOOLE.iter().find(|(k, _)| *k == key).map(|(_, support)| *support)
}

/// One warning per top-level key that is not a LaravelS setting and per `swoole.*`
/// setting that has no effect here.
pub(super) fn warnings(top: &Map<String, Value>, swoole_section: &Map<String, Value>) -> Vec<String> {
    let mut warnings = Vec::new();
    for key in top.keys() {
        if !TOP_LEVEL.contains(&key.as_str()) {
            warnings.push(format!("laravels.{key} is not a LaravelS setting and is ignored"));
        }
    }
    for (key, value) in swoole_section {
        match swoole(key) {
            Some(Swoole::Read | Swoole::AnyValue) => {}
            Some(Swoole::SameAs(expected)) if scalar_text(value) == expected => {}
            _ => warnings.push(format!("laravels.swoole.{key} is not implemented by laravels-rs and has no effect")),
        }
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_key_is_listed_once() {
        let mut swoole: Vec<&str> = SWOOLE.iter().map(|(k, _)| *k).collect();
        let mut top = TOP_LEVEL.to_vec();
        for list in [&mut swoole, &mut top] {
            let all = list.len();
            list.sort_unstable();
            list.dedup();
            assert_eq!(list.len(), all, "a key is listed twice");
        }
    }
}
