//! `health`: the liveness and readiness paths the master answers without PHP, and the
//! drain period of a stop.

use std::time::Duration;

use serde_json::{Map, Value};

use super::values::{bounded_seconds, section, string_value};
use super::{invalid, ConfigError};

/// Health and readiness answers, and how long a stop keeps serving with readiness 503.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Health {
    /// `health.liveness_path` (e.g. `/healthz`): 200 while the master runs; `None`: off.
    pub liveness_path: Option<String>,
    /// `health.readiness_path` (e.g. `/readyz`): 200 while at least one HTTP worker is
    /// booted and the server is not stopping, else 503; `None`: off.
    pub readiness_path: Option<String>,
    /// `health.drain_seconds`: on stop, how long the server keeps serving with readiness
    /// 503 before it closes its listeners (0: closes them at once).
    pub drain: Duration,
}

impl Health {
    /// Parses the `health` section (missing or empty: everything off).
    pub(super) fn parse(top: &Map<String, Value>) -> Result<Self, ConfigError> {
        let fix = "set 'health' => ['liveness_path' => '/healthz', 'readiness_path' => '/readyz', 'drain_seconds' => 5]";
        let section = section(top, "health", fix)?;
        let liveness_path = path(section, "liveness_path")?;
        let readiness_path = path(section, "readiness_path")?;
        if liveness_path.is_some() && liveness_path == readiness_path {
            return Err(invalid("health.readiness_path", "is the same path as health.liveness_path", "give each its own path, e.g. /healthz and /readyz"));
        }
        let drain = bounded_seconds(section.get("drain_seconds"), "health.drain_seconds", 0, 3600, "no drain")?.unwrap_or_default();
        Ok(Health { liveness_path, readiness_path, drain })
    }
}

/// `health.<key>`: an absolute path without a query, or empty for off.
fn path(section: &Map<String, Value>, key: &str) -> Result<Option<String>, ConfigError> {
    let name = format!("health.{key}");
    let text = string_value(section.get(key), &name, "")?;
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if !text.starts_with('/') || text.contains(['?', '#', ' ']) {
        return Err(invalid(&name, format!("'{text}' is not a path"), "use a path such as /healthz (no query), or '' to turn it off"));
    }
    Ok(Some(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse(v: serde_json::Value) -> Result<Health, ConfigError> {
        Health::parse(v.as_object().unwrap())
    }

    #[test]
    fn off_without_the_section() {
        assert_eq!(parse(json!({})).unwrap(), Health::default());
        assert_eq!(parse(json!({"health": []})).unwrap(), Health::default());
    }

    #[test]
    fn paths_and_drain() {
        let h = parse(json!({"health": {"liveness_path": "/healthz", "readiness_path": "/readyz", "drain_seconds": "5"}})).unwrap();
        assert_eq!(h.liveness_path.as_deref(), Some("/healthz"));
        assert_eq!(h.readiness_path.as_deref(), Some("/readyz"));
        assert_eq!(h.drain, Duration::from_secs(5));
    }

    #[test]
    fn bad_values_name_the_key() {
        let e = parse(json!({"health": {"readiness_path": "readyz"}})).unwrap_err().to_string();
        assert!(e.contains("health.readiness_path") && e.contains("/healthz"), "{e}");
        let e = parse(json!({"health": {"liveness_path": "/h", "readiness_path": "/h"}})).unwrap_err().to_string();
        assert!(e.contains("health.readiness_path"), "{e}");
        let e = parse(json!({"health": {"drain_seconds": -1}})).unwrap_err().to_string();
        assert!(e.contains("health.drain_seconds"), "{e}");
        let e = parse(json!({"health": "on"})).unwrap_err().to_string();
        assert!(e.starts_with("laravels.health") || e.contains("health"), "{e}");
    }
}
