//! `websocket.pusher`: the Pusher protocol (Channels protocol 7) served by the master for
//! Laravel Broadcasting and Laravel Echo, and the Pusher HTTP API beside it. Off by
//! default; on, it needs the app's id, key and secret (`PUSHER_APP_*` in `.env`).

use std::time::Duration;

use serde_json::{Map, Value};

use super::values::{bool_value, bounded_seconds, section, string_value};
use super::{invalid, ConfigError};

/// The `websocket.pusher` section, when enabled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PusherConfig {
    /// `websocket.pusher.path`: connections on `{path}/{key}` speak the Pusher protocol.
    pub path: String,
    /// `websocket.pusher.app_id`: the `{app_id}` of the HTTP API's `/apps/{app_id}/...`.
    pub app_id: String,
    /// `websocket.pusher.key`: the app key clients connect with and signatures name.
    pub key: String,
    /// `websocket.pusher.secret`: signs private and presence subscriptions and API calls.
    pub secret: String,
    /// `websocket.pusher.client_events`: `client-*` events between subscribers of private
    /// and presence channels.
    pub client_events: bool,
    /// `websocket.pusher.activity_timeout`: what `connection_established` tells clients;
    /// the server pings a connection silent this long, and drops it 30 s later.
    pub activity_timeout: Duration,
}

impl PusherConfig {
    /// Parses `websocket.pusher`; `None` when it is missing or not enabled.
    pub(super) fn parse(top: &Map<String, Value>) -> Result<Option<Self>, ConfigError> {
        let fix = "set 'websocket' => ['pusher' => ['enable' => true, 'key' => env('PUSHER_APP_KEY'), ...]]";
        let websocket = section(top, "websocket", fix)?;
        let pusher = match websocket.get("pusher") {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Array(a)) if a.is_empty() => return Ok(None),
            Some(Value::Object(o)) => o,
            Some(_) => return Err(invalid("websocket.pusher", "must be an array", fix)),
        };
        if !bool_value(pusher.get("enable"), "websocket.pusher.enable", false)? {
            return Ok(None);
        }
        let path = string_value(pusher.get("path"), "websocket.pusher.path", "/app")?;
        let path = path.trim().trim_end_matches('/');
        if !path.starts_with('/') || path.contains(['?', '#', ' ', '{']) {
            return Err(invalid("websocket.pusher.path", format!("'{path}' is not a path"), "use a path such as '/app'; clients connect to {path}/{key}"));
        }
        let credential = |name: &str, env: &str| -> Result<String, ConfigError> {
            let key = format!("websocket.pusher.{name}");
            let value = string_value(pusher.get(name), &key, "")?.trim().to_owned();
            if value.is_empty() {
                return Err(invalid(
                    &key,
                    "is empty while websocket.pusher.enable is true",
                    format!("set {env} in .env (it is the same value config/broadcasting.php gives the broadcaster)"),
                ));
            }
            if value.contains(['/', '?', '#', ' ', ':']) {
                return Err(invalid(&key, format!("'{value}' contains '/', '?', '#', ':' or a space"), format!("use letters, digits, '-' and '_' in {env}")));
            }
            Ok(value)
        };
        let app_id = credential("app_id", "PUSHER_APP_ID")?;
        let key = credential("key", "PUSHER_APP_KEY")?;
        let secret = credential("secret", "PUSHER_APP_SECRET")?;
        let client_events = bool_value(pusher.get("client_events"), "websocket.pusher.client_events", false)?;
        let activity_timeout = bounded_seconds(pusher.get("activity_timeout"), "websocket.pusher.activity_timeout", 120, 3600, "the default, 120")?
            .unwrap_or(Duration::from_secs(120));
        Ok(Some(PusherConfig { path: if path.is_empty() { "/".to_owned() } else { path.to_owned() }, app_id, key, secret, client_events, activity_timeout }))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse(v: serde_json::Value) -> Result<Option<PusherConfig>, ConfigError> {
        PusherConfig::parse(v.as_object().unwrap())
    }

    #[test]
    fn off_unless_enabled() {
        assert_eq!(parse(json!({})).unwrap(), None);
        assert_eq!(parse(json!({"websocket": {"enable": false}})).unwrap(), None);
        assert_eq!(parse(json!({"websocket": {"pusher": {"enable": false, "key": ""}}})).unwrap(), None);
    }

    #[test]
    fn enabled_with_credentials_and_defaults() {
        let p = parse(json!({"websocket": {"pusher": {"enable": "true", "app_id": "1", "key": "k", "secret": "s"}}})).unwrap().unwrap();
        assert_eq!((p.path.as_str(), p.app_id.as_str(), p.key.as_str(), p.secret.as_str()), ("/app", "1", "k", "s"));
        assert!(!p.client_events);
        assert_eq!(p.activity_timeout, Duration::from_secs(120));
        let p = parse(json!({"websocket": {"pusher": {"enable": true, "path": "/ws/", "app_id": 7, "key": "k", "secret": "s", "client_events": 1, "activity_timeout": 30}}}))
            .unwrap()
            .unwrap();
        assert_eq!((p.path.as_str(), p.app_id.as_str(), p.client_events, p.activity_timeout), ("/ws", "7", true, Duration::from_secs(30)));
    }

    #[test]
    fn bad_values_name_the_key_and_the_fix() {
        let e = parse(json!({"websocket": {"pusher": {"enable": true, "app_id": "1", "key": "k"}}})).unwrap_err().to_string();
        assert!(e.contains("websocket.pusher.secret") && e.contains("PUSHER_APP_SECRET"), "{e}");
        let e = parse(json!({"websocket": {"pusher": {"enable": true, "key": "k", "secret": "s"}}})).unwrap_err().to_string();
        assert!(e.contains("websocket.pusher.app_id") && e.contains("PUSHER_APP_ID"), "{e}");
        let e = parse(json!({"websocket": {"pusher": {"enable": true, "path": "app", "app_id": "1", "key": "k", "secret": "s"}}})).unwrap_err().to_string();
        assert!(e.contains("websocket.pusher.path"), "{e}");
        let e = parse(json!({"websocket": {"pusher": {"enable": true, "app_id": "1", "key": "a/b", "secret": "s"}}})).unwrap_err().to_string();
        assert!(e.contains("websocket.pusher.key"), "{e}");
        let e = parse(json!({"websocket": {"pusher": "yes"}})).unwrap_err().to_string();
        assert!(e.contains("websocket.pusher"), "{e}");
    }
}
