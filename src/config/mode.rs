//! `serving_mode`: who owns the client connections of the main port.
//!
//! `master` (the default): the master's reactor accepts every connection and hands each
//! request to an idle worker over its unix socket. `worker` (Swoole's `SWOOLE_BASE`):
//! each HTTP worker accepts on the inherited main socket and runs the HTTP front itself,
//! on a thread beside PHP (`src/front/`), so a request costs no cross-process hop. The
//! master keeps the control socket, tasks, timers, tables, supervision, the extra ports,
//! and the WebSocket, Pusher and metrics connections a front hands it. What needs a TLS
//! session handed over is refused here, naming the key.

use serde_json::{Map, Value};

use super::values::string_value;
use super::{invalid, ConfigError, ServerConfig};

/// Who accepts the main port's connections and speaks HTTP on them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ServingMode {
    /// The master's reactor, which hands requests to workers over unix sockets.
    #[default]
    Master,
    /// Each HTTP worker, on a thread of its own beside PHP.
    Worker,
}

/// Reads `serving_mode`: `'master'` or `'worker'`.
pub(super) fn parse(top: &Map<String, Value>) -> Result<ServingMode, ConfigError> {
    match string_value(top.get("serving_mode"), "serving_mode", "master")?.trim().to_ascii_lowercase().as_str() {
        "" | "master" => Ok(ServingMode::Master),
        "worker" => Ok(ServingMode::Worker),
        other => Err(invalid("serving_mode", format!("'{other}' is not a serving mode"), "use 'master' (the default) or 'worker' (LARAVELS_SERVING_MODE)")),
    }
}

/// In worker mode, refuses what a front cannot pass to the master: the master serves
/// WebSocket, Pusher and `metrics.path` connections, which a front hands over with their
/// socket (`reactor/handover.rs`), and a TLS session cannot be handed over.
pub(super) fn check(c: &ServerConfig) -> Result<(), ConfigError> {
    if c.serving_mode != ServingMode::Worker || c.tls.is_none() {
        return Ok(());
    }
    let refuse = |key: &str, what: &str| {
        Err(invalid(
            key,
            format!("{what} cannot be served over TLS on the main port with serving_mode 'worker': the worker would have to hand the master its TLS session"),
            format!("end TLS in nginx in front (README, \"Nginx\"), serve {what} on an extra port (sockets), or use serving_mode 'master'"),
        ))
    };
    if c.websocket {
        return refuse("websocket.enable", "WebSocket");
    }
    if c.pusher.is_some() {
        return refuse("websocket.pusher.enable", "the Pusher protocol");
    }
    if c.metrics.path.is_some() && c.metrics.listen.is_none() {
        return refuse("metrics.path", "the metrics");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::ServingMode;
    use crate::config::ServerConfig;

    fn parse(v: serde_json::Value) -> Result<ServerConfig, String> {
        ServerConfig::parse(&v, "/app").map_err(|e| e.to_string())
    }

    #[test]
    fn master_by_default_worker_on_request() {
        assert_eq!(parse(json!({})).unwrap().serving_mode, ServingMode::Master);
        assert_eq!(parse(json!({"serving_mode": "Worker"})).unwrap().serving_mode, ServingMode::Worker);
        let e = parse(json!({"serving_mode": "base"})).unwrap_err();
        assert!(e.contains("serving_mode") && e.contains("'base'"), "{e}");
    }

    #[test]
    fn worker_mode_serves_websocket_ports_and_dispatch_modes() {
        let c = parse(json!({"serving_mode": "worker", "websocket": {"enable": true, "handler": "A"}, "swoole": {"dispatch_mode": 2},
            "sockets": [{"host": "127.0.0.1", "port": 5291, "type": 1, "handler": "A"}], "metrics": {"path": "/m"}}));
        assert!(c.is_ok(), "{c:?}");
    }

    #[test]
    fn worker_mode_refuses_what_tls_would_hand_over_naming_the_key() {
        let tls = json!({"ssl_cert_file": "/c.pem", "ssl_key_file": "/k.pem"});
        let e = parse(json!({"serving_mode": "worker", "swoole": tls, "websocket": {"enable": true, "handler": "A"}})).unwrap_err();
        assert!(e.contains("websocket.enable") && e.contains("serving_mode 'worker'") && e.contains("nginx"), "{e}");
        let e = parse(json!({"serving_mode": "worker", "swoole": tls, "metrics": {"path": "/m"}})).unwrap_err();
        assert!(e.contains("metrics.path"), "{e}");
        assert!(parse(json!({"serving_mode": "worker", "swoole": tls, "metrics": {"path": "/m", "listen": "127.0.0.1:9100"}})).is_ok());
        assert!(parse(json!({"serving_mode": "master", "swoole": tls, "websocket": {"enable": true, "handler": "A"}})).is_ok());
    }
}
