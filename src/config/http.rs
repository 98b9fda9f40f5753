//! `http`: how long the master waits for a client's request head, and for the next request
//! on an idle keep-alive connection.

use std::time::Duration;

use serde_json::{Map, Value};

use super::values::{bounded_seconds, section};
use super::ConfigError;

/// nginx's `client_header_timeout` default.
const HEADER_TIMEOUT: u64 = 60;
/// nginx's `keepalive_timeout` default, used when `heartbeat_idle_time` is not set.
const KEEPALIVE_TIMEOUT: u64 = 75;

/// The waits the master bounds on HTTP/1.x connections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpTimeouts {
    /// `http.header_timeout`: a request head (request line and headers) must arrive whole
    /// within this, from the connection's start or its first byte; else 408 and close.
    /// `None`: never.
    pub header: Option<Duration>,
    /// An idle keep-alive connection (its last response sent, no byte of the next request)
    /// is closed after this: `heartbeat_idle_time` when set (Swoole's rule for every
    /// connection), else 75 s.
    pub keepalive: Duration,
}

impl HttpTimeouts {
    /// Parses the `http` section; `heartbeat` is the parsed `heartbeat_idle_time`.
    pub(super) fn parse(top: &Map<String, Value>, heartbeat: Option<Duration>) -> Result<Self, ConfigError> {
        let keepalive = heartbeat.unwrap_or(Duration::from_secs(KEEPALIVE_TIMEOUT));
        let section = section(top, "http", "set 'http' => ['header_timeout' => 60]")?;
        let header = bounded_seconds(section.get("header_timeout"), "http.header_timeout", HEADER_TIMEOUT, 3600, "never")?;
        Ok(HttpTimeouts { header, keepalive })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse(v: serde_json::Value, heartbeat: Option<u64>) -> Result<HttpTimeouts, ConfigError> {
        HttpTimeouts::parse(v.as_object().unwrap(), heartbeat.map(Duration::from_secs))
    }

    #[test]
    fn nginx_defaults_without_the_section() {
        let t = parse(json!({}), None).unwrap();
        assert_eq!((t.header, t.keepalive), (Some(Duration::from_secs(60)), Duration::from_secs(75)));
    }

    #[test]
    fn heartbeat_bounds_idle_keep_alive_connections() {
        let t = parse(json!({"http": {"header_timeout": "5"}}), Some(20)).unwrap();
        assert_eq!((t.header, t.keepalive), (Some(Duration::from_secs(5)), Duration::from_secs(20)));
        assert_eq!(parse(json!({"http": {"header_timeout": 0}}), None).unwrap().header, None);
    }

    #[test]
    fn bad_values_name_the_key() {
        let e = parse(json!({"http": {"header_timeout": -1}}), None).unwrap_err().to_string();
        assert!(e.contains("http.header_timeout"), "{e}");
        let e = parse(json!({"http": "fast"}), None).unwrap_err().to_string();
        assert!(e.contains("http"), "{e}");
    }
}
