//! `metrics`: the master's runtime metrics in Prometheus' text format, answered without
//! PHP on a path of the main port or on a port of their own. Off by default.

use std::net::SocketAddr;

use serde_json::{Map, Value};

use super::values::{section, string_value};
use super::{invalid, ConfigError};

/// The `metrics` section.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MetricsConfig {
    /// `metrics.path` (e.g. `/laravels-metrics`): where the metrics are answered; `None`: off.
    pub path: Option<String>,
    /// `metrics.listen` (`host:port`): a listener of their own, so the metrics need not be
    /// reachable where the application is; `None`: on the main port.
    pub listen: Option<SocketAddr>,
}

impl MetricsConfig {
    /// Parses the `metrics` section (missing or empty: off).
    pub(super) fn parse(top: &Map<String, Value>) -> Result<Self, ConfigError> {
        let fix = "set 'metrics' => ['path' => '/laravels-metrics', 'listen' => '127.0.0.1:9502']";
        let section = section(top, "metrics", fix)?;
        let path = string_value(section.get("path"), "metrics.path", "")?;
        let path = path.trim();
        let path = if path.is_empty() {
            None
        } else if !path.starts_with('/') || path.contains(['?', '#', ' ']) {
            return Err(invalid(
                "metrics.path",
                format!("'{path}' is not a path"),
                "use a path such as /laravels-metrics (no query), or '' to turn the metrics off",
            ));
        } else {
            Some(path.to_owned())
        };
        let listen = string_value(section.get("listen"), "metrics.listen", "")?;
        let listen = listen.trim();
        let listen = if listen.is_empty() {
            None
        } else {
            let addr = listen.parse::<SocketAddr>().map_err(|_| {
                invalid(
                    "metrics.listen",
                    format!("'{listen}' is not an address and port"),
                    "use IP:port, e.g. '127.0.0.1:9502' or '[::1]:9502', or '' for the main port",
                )
            })?;
            if path.is_none() {
                return Err(invalid(
                    "metrics.listen",
                    "is set but metrics.path is empty",
                    "set metrics.path too (e.g. '/metrics'), or leave metrics.listen empty",
                ));
            }
            Some(addr)
        };
        Ok(MetricsConfig { path, listen })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse(v: serde_json::Value) -> Result<MetricsConfig, ConfigError> {
        MetricsConfig::parse(v.as_object().unwrap())
    }

    #[test]
    fn off_by_default() {
        assert_eq!(parse(json!({})).unwrap(), MetricsConfig::default());
        assert_eq!(parse(json!({"metrics": []})).unwrap(), MetricsConfig::default());
    }

    #[test]
    fn a_path_and_a_port_of_their_own() {
        let m = parse(json!({"metrics": {"path": "/metrics", "listen": "127.0.0.1:9502"}})).unwrap();
        assert_eq!(m.path.as_deref(), Some("/metrics"));
        assert_eq!(m.listen, Some("127.0.0.1:9502".parse().unwrap()));
        let m = parse(json!({"metrics": {"path": "/laravels-metrics"}})).unwrap();
        assert_eq!(m.listen, None);
    }

    #[test]
    fn bad_values_name_the_key_and_the_fix() {
        let e = parse(json!({"metrics": {"path": "metrics"}})).unwrap_err().to_string();
        assert!(e.contains("metrics.path") && e.contains("/laravels-metrics"), "{e}");
        let e = parse(json!({"metrics": {"path": "/m", "listen": "localhost"}})).unwrap_err().to_string();
        assert!(e.contains("metrics.listen") && e.contains("127.0.0.1:9502"), "{e}");
        let e = parse(json!({"metrics": {"listen": "127.0.0.1:9502"}})).unwrap_err().to_string();
        assert!(e.contains("metrics.listen") && e.contains("metrics.path"), "{e}");
    }
}
