//! The top-level sections besides `swoole`: `websocket`, `timer`, `processes`,
//! `event_handlers` and `trusted_proxies` (`sockets` has its own file).

use std::time::Duration;

use serde_json::{Map, Value};

use super::values::{bool_value, int_value};
use super::{invalid, ConfigError, CustomProcess};
use crate::reactor::forwarded::TrustedProxies;

/// `websocket`: `['enable' => bool, 'handler' => Class::class]`; enabled needs a handler.
pub(super) fn websocket(v: Option<&Value>) -> Result<bool, ConfigError> {
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

/// `timer.max_wait_time`: how long a reload or stop waits for the timer's running job.
pub(super) fn timer_max_wait(top: &Map<String, Value>) -> Result<Duration, ConfigError> {
    match top.get("timer").and_then(|t| t.get("max_wait_time")) {
        None => Ok(Duration::from_secs(5)),
        v => match int_value(v, "timer.max_wait_time", 5)? {
            n if n >= 0 => Ok(Duration::from_secs(n as u64)),
            n => Err(invalid("timer.max_wait_time", format!("{n} is negative"), "use a number of seconds >= 0")),
        },
    }
}

/// `timer.enable`.
pub(super) fn timer(v: Option<&Value>) -> Result<bool, ConfigError> {
    match v {
        Some(Value::Object(t)) => bool_value(t.get("enable"), "timer.enable", false),
        None | Some(Value::Null) => Ok(false),
        Some(Value::Array(a)) if a.is_empty() => Ok(false),
        Some(_) => Err(invalid("timer", "must be an array", "set 'timer' => ['enable' => ..., 'jobs' => [...]]")),
    }
}

/// Whether `event_handlers.WorkerError` names any handler.
pub(super) fn reports_worker_errors(top: &Map<String, Value>) -> bool {
    top.get("event_handlers")
        .and_then(|h| h.get("WorkerError"))
        .is_some_and(|v| v.as_array().is_some_and(|a| !a.is_empty()) || v.as_object().is_some_and(|o| !o.is_empty()) || v.is_string())
}

/// `trusted_proxies`: addresses or CIDR ranges, and "unix" for unix-socket peers. Without
/// the key nobody is trusted, as Laravel's `TrustProxies` until told: any local process
/// could otherwise claim any client address and https.
pub(super) fn trusted_proxies(v: Option<&Value>) -> Result<TrustedProxies, ConfigError> {
    let fix = "list addresses or ranges, e.g. ['127.0.0.1', '10.0.0.0/8', 'unix']";
    let items: Vec<&Value> = match v {
        None | Some(Value::Null) => return Ok(TrustedProxies::default()),
        Some(Value::Array(a)) => a.iter().collect(),
        Some(Value::Object(o)) => o.values().collect(),
        Some(_) => return Err(invalid("trusted_proxies", "must be a list", fix)),
    };
    let mut trusted = TrustedProxies::default();
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

/// `processes`: name => `['class' => ..., 'enable' => true, 'num' => 1, 'restart_interval' => 5]`.
pub(super) fn processes(v: Option<&Value>) -> Result<Vec<CustomProcess>, ConfigError> {
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
