//! The Pusher HTTP API on the HTTP port, so an app that keeps Laravel's `pusher`
//! broadcaster (or any Pusher server library) can point it at this server:
//! `POST /apps/{app_id}/events`, `POST /apps/{app_id}/batch_events` and
//! `GET /apps/{app_id}/channels`. Every call is signed as Pusher documents (`auth.rs`):
//! a bad signature gets 401, a bad body 400. Only paths with this app's id are answered
//! here; any other `/apps/...` path goes to the application as usual.

use std::time::{SystemTime, UNIX_EPOCH};

use http_body_util::{BodyExt, Limited};
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};
use serde::Deserialize;
use serde_json::{json, Value};

use super::{auth, publish, Publication, Pusher};
use crate::reactor::body::ResponseBody;
use crate::reactor::http;
use crate::reactor::Shared;

/// Channels one event may name, as Pusher limits them.
const MAX_CHANNELS: usize = 100;
/// Events one batch may carry, as Pusher limits them.
const MAX_BATCH: usize = 10;

/// What the API does with a path of this app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    Events,
    BatchEvents,
    Channels,
    /// Another path of this app: 404.
    Unknown,
}

/// Whether `path` is this app's API (`/apps/{app_id}/...`), and which endpoint.
fn endpoint(pusher: &Pusher, path: &str) -> Option<Endpoint> {
    let rest = path.strip_prefix("/apps/")?.strip_prefix(pusher.config.app_id.as_str())?.strip_prefix('/')?;
    Some(match rest {
        "events" => Endpoint::Events,
        "batch_events" => Endpoint::BatchEvents,
        "channels" => Endpoint::Channels,
        _ => Endpoint::Unknown,
    })
}

/// Whether the master answers this request itself.
pub fn claims(shared: &Shared, path: &str) -> bool {
    shared.pusher.as_ref().is_some_and(|p| endpoint(p, path).is_some())
}

/// One event of `events` or of a batch.
#[derive(Deserialize)]
struct Event {
    name: String,
    data: Value,
    #[serde(default)]
    channels: Option<Vec<String>>,
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    socket_id: Option<String>,
}

#[derive(Deserialize)]
struct Batch {
    batch: Vec<Event>,
}

impl Event {
    /// The publication, or why the event is not one (400).
    fn publication(self) -> Result<Publication, String> {
        let channels = match (self.channels, self.channel) {
            (Some(list), _) => list,
            (None, Some(one)) => vec![one],
            (None, None) => return Err("an event needs channels or channel".to_owned()),
        };
        if channels.is_empty() || channels.len() > MAX_CHANNELS || channels.iter().any(String::is_empty) {
            return Err(format!("an event needs 1 to {MAX_CHANNELS} channel names"));
        }
        if self.name.is_empty() {
            return Err("an event needs a name".to_owned());
        }
        // Pusher's data is a string; other JSON is sent encoded, as the libraries do.
        let data = match self.data {
            Value::String(s) => Value::String(s),
            other => Value::String(other.to_string()),
        };
        Ok(Publication { channels, event: self.name, data, except: self.socket_id.filter(|s| !s.is_empty()), user_id: None })
    }
}

/// Answers an API request `claims` accepted.
pub async fn answer(req: Request<hyper::body::Incoming>, shared: &Shared) -> Response<ResponseBody> {
    let Some(pusher) = &shared.pusher else { return http::error(StatusCode::NOT_FOUND, "no Pusher app") };
    let path = req.uri().path().to_owned();
    let Some(endpoint) = endpoint(pusher, &path).filter(|e| *e != Endpoint::Unknown) else {
        return http::error(StatusCode::NOT_FOUND, "not a Pusher HTTP API endpoint");
    };
    let method = req.method().clone();
    let expected = if endpoint == Endpoint::Channels { Method::GET } else { Method::POST };
    if method != expected {
        return http::error(StatusCode::METHOD_NOT_ALLOWED, &format!("{path} takes {expected}"));
    }
    let query = decode_query(req.uri().query().unwrap_or(""));
    let body = match Limited::new(req.into_body(), shared.config.package_max_length).collect().await {
        Ok(body) => body.to_bytes(),
        Err(_) => return http::error(StatusCode::PAYLOAD_TOO_LARGE, "request body larger than package_max_length"),
    };
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    if let Err(e) = auth::verify_api(&pusher.config.key, &pusher.config.secret, method.as_str(), &path, &query, &body, now) {
        return http::error(StatusCode::UNAUTHORIZED, &e.to_string());
    }
    let events = match endpoint {
        Endpoint::Channels | Endpoint::Unknown => return channels(pusher, &query),
        Endpoint::Events => serde_json::from_slice::<Event>(&body).map(|e| vec![e]),
        Endpoint::BatchEvents => serde_json::from_slice::<Batch>(&body).map(|b| b.batch),
    };
    let events = match events {
        Ok(events) if events.len() <= MAX_BATCH => events,
        Ok(_) => return http::error(StatusCode::BAD_REQUEST, &format!("a batch carries at most {MAX_BATCH} events")),
        Err(e) => return http::error(StatusCode::BAD_REQUEST, &format!("the body is not a Pusher event: {e}")),
    };
    let publications: Result<Vec<Publication>, String> = events.into_iter().map(Event::publication).collect();
    match publications {
        Ok(publications) => {
            for publication in &publications {
                publish(shared, publication);
            }
            json_response(&if endpoint == Endpoint::BatchEvents { json!({"batch": []}) } else { json!({}) })
        }
        Err(e) => http::error(StatusCode::BAD_REQUEST, &e),
    }
}

/// `GET /apps/{app_id}/channels`: the occupied channels, `filter_by_prefix` and
/// `info=user_count` (presence channels) as Pusher's.
fn channels(pusher: &Pusher, query: &[(String, String)]) -> Response<ResponseBody> {
    let param = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let prefix = param("filter_by_prefix").unwrap_or("");
    let user_count = param("info").is_some_and(|i| i.split(',').any(|f| f == "user_count"));
    if user_count && !prefix.starts_with("presence-") {
        return http::error(StatusCode::BAD_REQUEST, "info=user_count needs filter_by_prefix=presence-");
    }
    let mut list = serde_json::Map::new();
    for (name, _, members) in pusher.channels.occupied().into_iter().filter(|(name, _, _)| name.starts_with(prefix)) {
        list.insert(name, if user_count { json!({"user_count": members}) } else { json!({}) });
    }
    json_response(&json!({"channels": list}))
}

fn json_response(value: &Value) -> Response<ResponseBody> {
    let mut resp = Response::new(ResponseBody::full(value.to_string()));
    resp.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}

/// The query's parameters, percent-decoded (`+` as a space, as forms encode it).
fn decode_query(query: &str) -> Vec<(String, String)> {
    let decode = |s: &str| percent_encoding::percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().into_owned();
    query.split('&').filter(|p| !p.is_empty()).map(|pair| pair.split_once('=').unwrap_or((pair, ""))).map(|(k, v)| (decode(k), decode(v))).collect()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::config::PusherConfig;

    fn pusher() -> Pusher {
        Pusher::new(PusherConfig {
            path: "/app".into(),
            app_id: "42".into(),
            key: "k".into(),
            secret: "s".into(),
            client_events: false,
            activity_timeout: Duration::from_secs(120),
        })
    }

    #[test]
    fn only_this_apps_paths_are_the_api() {
        let p = pusher();
        assert_eq!(endpoint(&p, "/apps/42/events"), Some(Endpoint::Events));
        assert_eq!(endpoint(&p, "/apps/42/batch_events"), Some(Endpoint::BatchEvents));
        assert_eq!(endpoint(&p, "/apps/42/channels"), Some(Endpoint::Channels));
        assert_eq!(endpoint(&p, "/apps/42/users"), Some(Endpoint::Unknown));
        assert_eq!(endpoint(&p, "/apps/421/events"), None);
        assert_eq!(endpoint(&p, "/apps/7/events"), None);
        assert_eq!(endpoint(&p, "/app/42/events"), None);
    }

    #[test]
    fn events_become_publications() {
        let e: Event = serde_json::from_str(r#"{"name":"n","data":"{\"a\":1}","channels":["a","b"],"socket_id":"1.2"}"#).unwrap();
        let p = e.publication().unwrap();
        assert_eq!((p.channels.len(), p.except.as_deref(), p.data.as_str()), (2, Some("1.2"), Some(r#"{"a":1}"#)));
        let e: Event = serde_json::from_str(r#"{"name":"n","data":{"a":1},"channel":"c"}"#).unwrap();
        assert_eq!(e.publication().unwrap().data, Value::String(r#"{"a":1}"#.into()), "object data is sent encoded");
        let e: Event = serde_json::from_str(r#"{"name":"n","data":"x"}"#).unwrap();
        assert!(e.publication().is_err(), "no channel");
        let e: Event = serde_json::from_str(r#"{"name":"n","data":"x","channels":[]}"#).unwrap();
        assert!(e.publication().is_err(), "no channel");
    }

    #[test]
    fn queries_are_decoded() {
        assert_eq!(decode_query("a=1&b=x%20y&c"), [("a".into(), "1".into()), ("b".into(), "x y".into()), ("c".into(), String::new())]);
    }
}
