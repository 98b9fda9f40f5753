//! `websocket.cluster`: several instances behind a load balancer deliver each other's
//! pushes through Redis (`crate::cluster`). Off unless `redis` is set.

use serde_json::{Map, Value};

use super::values::{int_value, kind_of, string_value};
use super::{invalid, ConfigError};
use crate::cluster::fd::MAX_NODE;

/// The `websocket.cluster` section, when `redis` is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterConfig {
    /// `websocket.cluster.redis`: the Redis server every instance shares.
    pub redis: RedisAddress,
    /// `websocket.cluster.prefix`: the start of every channel name, so several apps can
    /// share one Redis.
    pub prefix: String,
    /// `websocket.cluster.node`: this instance's id, unique in the cluster; the high half of
    /// its connection ids.
    pub node: u32,
}

/// Where Redis is: `tcp://host:port` or `redis://[user:password@]host[:port][/db]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisAddress {
    /// `host:port` (port 6379 when the URL has none).
    pub authority: String,
    /// ACL user name for `AUTH`, if the URL has one.
    pub username: Option<String>,
    /// Password for `AUTH`, if the URL has one.
    pub password: Option<String>,
    /// Database for `SELECT`; pub/sub ignores it, but a server may refuse a session without it.
    pub database: u32,
}

impl RedisAddress {
    /// The address without its password, for messages.
    pub fn shown(&self) -> String {
        format!("{}/{}", self.authority, self.database)
    }

    fn parse(text: &str) -> Result<Self, ConfigError> {
        let key = "websocket.cluster.redis";
        let fix = "use tcp://host:port or redis://[:password@]host[:port][/db], e.g. tcp://127.0.0.1:6379 (LARAVELS_WS_CLUSTER_REDIS in .env)";
        let Some(rest) = text.strip_prefix("tcp://").or_else(|| text.strip_prefix("redis://")) else {
            return Err(invalid(key, format!("'{text}' is not a tcp:// or redis:// URL"), fix));
        };
        let (userinfo, rest) = match rest.rsplit_once('@') {
            Some((user, rest)) => (Some(user), rest),
            None => (None, rest),
        };
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let database = match path.trim_end_matches('/') {
            "" => 0,
            db => db.parse::<u32>().map_err(|_| invalid(key, format!("'{db}' is not a database number"), fix))?,
        };
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) if !host.ends_with(':') => {
                (host, port.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| invalid(key, format!("'{port}' is not a port"), fix))?)
            }
            _ => (authority, 6379),
        };
        if host.is_empty() || host.contains(['?', '#', ' ', '/']) {
            return Err(invalid(key, format!("'{text}' has no valid host"), fix));
        }
        let (username, password) = match userinfo.map(|u| u.split_once(':').unwrap_or(("", u))) {
            None => (None, None),
            Some((user, pass)) => (Some(user.to_owned()).filter(|u| !u.is_empty()), Some(pass.to_owned()).filter(|p| !p.is_empty())),
        };
        Ok(RedisAddress { authority: format!("{host}:{port}"), username, password, database })
    }
}

/// Parses `websocket.cluster`; `None` when `redis` is unset or empty (the cluster is off).
/// `websocket` says whether WebSocket or the Pusher server is on, one of which the cluster needs.
pub(super) fn parse(top: &Map<String, Value>, websocket: bool) -> Result<Option<ClusterConfig>, ConfigError> {
    let example = "set 'cluster' => ['redis' => env('LARAVELS_WS_CLUSTER_REDIS'), 'node' => env('LARAVELS_WS_CLUSTER_NODE')] in 'websocket'";
    let section = match top.get("websocket").and_then(|w| w.get("cluster")) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(a)) if a.is_empty() => return Ok(None),
        Some(Value::Object(o)) => o,
        Some(other) => return Err(invalid("websocket.cluster", format!("must be an array, not {}", kind_of(other)), example)),
    };
    let redis = string_value(section.get("redis"), "websocket.cluster.redis", "")?;
    if redis.trim().is_empty() {
        return Ok(None);
    }
    if !websocket {
        return Err(invalid(
            "websocket.cluster.redis",
            "is set while neither websocket.enable nor websocket.pusher.enable is true",
            "set 'websocket' => ['enable' => true, ...] (or turn on the Pusher server, LARAVELS_PUSHER=true), or leave LARAVELS_WS_CLUSTER_REDIS empty",
        ));
    }
    let redis = RedisAddress::parse(redis.trim())?;
    let prefix = string_value(section.get("prefix"), "websocket.cluster.prefix", "laravels")?;
    if prefix.is_empty() || prefix.contains(|c: char| c.is_whitespace() || c.is_control()) {
        return Err(invalid(
            "websocket.cluster.prefix",
            format!("'{prefix}' is empty or has spaces"),
            "use a short name without spaces, e.g. 'laravels' or 'shop'",
        ));
    }
    let node_fix =
        format!("give each instance its own number from 1 to {MAX_NODE}: 'node' => env('LARAVELS_WS_CLUSTER_NODE'), LARAVELS_WS_CLUSTER_NODE=1 on the first");
    let node = match section.get("node") {
        None | Some(Value::Null) => return Err(invalid("websocket.cluster.node", "is missing while websocket.cluster.redis is set", node_fix)),
        Some(Value::String(s)) if s.trim().is_empty() => {
            return Err(invalid("websocket.cluster.node", "is empty while websocket.cluster.redis is set", node_fix))
        }
        v => int_value(v, "websocket.cluster.node", 0)?,
    };
    let node = u32::try_from(node)
        .ok()
        .filter(|n| (1..=MAX_NODE).contains(n))
        .ok_or_else(|| invalid("websocket.cluster.node", format!("{node} is out of range"), node_fix))?;
    Ok(Some(ClusterConfig { redis, prefix, node }))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse_ws(v: serde_json::Value) -> Result<Option<ClusterConfig>, ConfigError> {
        parse(v.as_object().unwrap(), true)
    }

    #[test]
    fn off_without_redis() {
        assert_eq!(parse_ws(json!({})).unwrap(), None);
        assert_eq!(parse_ws(json!({"websocket": {"enable": true}})).unwrap(), None);
        // env() of an unset variable is null; an empty .env line is ''.
        assert_eq!(parse_ws(json!({"websocket": {"cluster": {"redis": null, "node": null}}})).unwrap(), None);
        assert_eq!(parse_ws(json!({"websocket": {"cluster": {"redis": "", "node": ""}}})).unwrap(), None);
    }

    #[test]
    fn addresses_in_both_schemes() {
        let c = parse_ws(json!({"websocket": {"cluster": {"redis": "tcp://127.0.0.1:6380", "node": "3"}}})).unwrap().unwrap();
        assert_eq!((c.redis.authority.as_str(), c.redis.database, c.node, c.prefix.as_str()), ("127.0.0.1:6380", 0, 3, "laravels"));
        assert_eq!((c.redis.username.clone(), c.redis.password.clone()), (None, None));
        let c = parse_ws(json!({"websocket": {"cluster": {"redis": "redis://:s3cret@redis.internal/2", "node": 9, "prefix": "shop"}}})).unwrap().unwrap();
        assert_eq!(
            (c.redis.authority.as_str(), c.redis.database, c.redis.password.as_deref(), c.prefix.as_str()),
            ("redis.internal:6379", 2, Some("s3cret"), "shop")
        );
        let c = parse_ws(json!({"websocket": {"cluster": {"redis": "redis://app:pw@10.0.0.5:7000", "node": 1}}})).unwrap().unwrap();
        assert_eq!((c.redis.username.as_deref(), c.redis.password.as_deref()), (Some("app"), Some("pw")));
        assert!(!c.redis.shown().contains("pw"));
    }

    #[test]
    fn bad_values_name_the_key_and_the_fix() {
        let cases = [
            (json!({"redis": "127.0.0.1:6379", "node": 1}), "websocket.cluster.redis"),
            (json!({"redis": "tcp://:6379", "node": 1}), "websocket.cluster.redis"),
            (json!({"redis": "tcp://h:0", "node": 1}), "websocket.cluster.redis"),
            (json!({"redis": "redis://h/x", "node": 1}), "websocket.cluster.redis"),
            (json!({"redis": "tcp://h"}), "websocket.cluster.node"),
            (json!({"redis": "tcp://h", "node": ""}), "websocket.cluster.node"),
            (json!({"redis": "tcp://h", "node": 0}), "websocket.cluster.node"),
            (json!({"redis": "tcp://h", "node": 2_147_483_648_i64}), "websocket.cluster.node"),
            (json!({"redis": "tcp://h", "node": "one"}), "websocket.cluster.node"),
            (json!({"redis": "tcp://h", "node": 1, "prefix": "a b"}), "websocket.cluster.prefix"),
        ];
        for (section, key) in cases {
            let e = parse_ws(json!({"websocket": {"cluster": section.clone()}})).unwrap_err().to_string();
            assert!(e.contains(key) && e.contains("Fix:"), "{section}: {e}");
        }
        let e = parse(json!({"websocket": {"cluster": {"redis": "tcp://h", "node": 1}}}).as_object().unwrap(), false).unwrap_err().to_string();
        assert!(e.contains("websocket.enable"), "{e}");
    }
}
