//! `queue`: the overload policy of HTTP requests waiting for a worker. A request is
//! admitted to the queue only while fewer than `queue.max_requests` wait, and waits at
//! most `queue.max_wait_seconds` for a worker; past either bound the master answers 503
//! with `Retry-After` itself, so a client or a load balancer never waits in silence.

use std::time::Duration;

use serde_json::{Map, Value};

use super::values::{bounded_seconds, int_value, section};
use super::{invalid, ConfigError};

/// Requests that may wait for a worker by default. With typical 10-100 ms requests and a
/// few dozen workers the queue drains in seconds; beyond that, more queued requests only
/// hold clients (and their buffered bodies) that a load balancer could send elsewhere.
pub const DEFAULT_MAX_REQUESTS: usize = 1024;
/// How long a request may wait for a worker by default: under nginx's 60 s
/// `proxy_read_timeout` and `max_request_time`'s 60 s, so the client gets a 503 it can
/// retry rather than a proxy's 504.
pub const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(30);
/// The `Retry-After` (seconds) of a 503 for a full queue or a queue wait passed: long
/// enough for a saturated server to drain part of its queue, short enough for a client.
pub const RETRY_AFTER_SECONDS: u32 = 5;

/// The bounds on HTTP requests queued for a worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuePolicy {
    /// `queue.max_requests`: requests that may wait for a worker at once; one more gets
    /// 503 at once. `None` (0): unbounded.
    pub max_requests: Option<usize>,
    /// `queue.max_wait_seconds`: how long a request may wait for a worker before it gets
    /// 503. `None` (0): only `max_request_time` bounds the wait.
    pub max_wait: Option<Duration>,
}

impl Default for QueuePolicy {
    fn default() -> Self {
        QueuePolicy { max_requests: Some(DEFAULT_MAX_REQUESTS), max_wait: Some(DEFAULT_MAX_WAIT) }
    }
}

impl QueuePolicy {
    /// Parses the `queue` section (missing or empty: the defaults).
    pub(super) fn parse(top: &Map<String, Value>) -> Result<Self, ConfigError> {
        let fix = "set 'queue' => ['max_requests' => 1024, 'max_wait_seconds' => 30]";
        let section = section(top, "queue", fix)?;
        let max_requests = match int_value(section.get("max_requests"), "queue.max_requests", DEFAULT_MAX_REQUESTS as i64)? {
            0 => None,
            n @ 1..=1_000_000 => Some(n.unsigned_abs() as usize),
            n => return Err(invalid("queue.max_requests", format!("{n} is out of range"), "use a number of requests from 1 to 1000000, or 0 for no bound")),
        };
        let max_wait = bounded_seconds(section.get("max_wait_seconds"), "queue.max_wait_seconds", DEFAULT_MAX_WAIT.as_secs(), 86_400, "no bound")?;
        Ok(QueuePolicy { max_requests, max_wait })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse(v: serde_json::Value) -> Result<QueuePolicy, ConfigError> {
        QueuePolicy::parse(v.as_object().unwrap())
    }

    #[test]
    fn defaults_without_the_section() {
        let defaults = QueuePolicy { max_requests: Some(1024), max_wait: Some(Duration::from_secs(30)) };
        assert_eq!(parse(json!({})).unwrap(), defaults);
        assert_eq!(parse(json!({"queue": []})).unwrap(), defaults);
        assert_eq!(parse(json!({"queue": {"max_requests": 3}})).unwrap().max_wait, Some(Duration::from_secs(30)));
    }

    #[test]
    fn bounds_and_zero_for_unbounded() {
        let q = parse(json!({"queue": {"max_requests": "3", "max_wait_seconds": 2}})).unwrap();
        assert_eq!(q, QueuePolicy { max_requests: Some(3), max_wait: Some(Duration::from_secs(2)) });
        let q = parse(json!({"queue": {"max_requests": 0, "max_wait_seconds": "0"}})).unwrap();
        assert_eq!(q, QueuePolicy { max_requests: None, max_wait: None });
    }

    #[test]
    fn bad_values_name_the_key() {
        let e = parse(json!({"queue": {"max_requests": -1}})).unwrap_err().to_string();
        assert!(e.contains("queue.max_requests"), "{e}");
        let e = parse(json!({"queue": {"max_wait_seconds": "soon"}})).unwrap_err().to_string();
        assert!(e.contains("queue.max_wait_seconds"), "{e}");
        let e = parse(json!({"queue": 5})).unwrap_err().to_string();
        assert!(e.contains("queue"), "{e}");
    }
}
