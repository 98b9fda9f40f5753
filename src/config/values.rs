//! Typed reads of config values. Values may come from `env()`, which yields strings
//! ("4", "true"), so numbers and booleans are accepted in both forms; every error names
//! the key it was read from.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Map, Value};

use super::{invalid, ConfigError};

/// Typed look-ups in the top level and in `swoole`, with the key named in every error,
/// and relative paths resolved against the application's base path.
pub(super) struct Reader<'a> {
    pub top: &'a Map<String, Value>,
    pub swoole: &'a Map<String, Value>,
    base: PathBuf,
}

impl<'a> Reader<'a> {
    pub fn new(top: &'a Map<String, Value>, swoole: &'a Map<String, Value>, base_path: &str) -> Self {
        Reader { top, swoole, base: PathBuf::from(base_path) }
    }

    pub fn int(&self, key: &str, default: i64) -> Result<i64, ConfigError> {
        int_value(self.top.get(key), key, default)
    }
    pub fn sw_int(&self, key: &str, default: i64) -> Result<i64, ConfigError> {
        int_value(self.sw(key), &format!("swoole.{key}"), default)
    }
    pub fn string(&self, key: &str, default: &str) -> Result<String, ConfigError> {
        string_value(self.top.get(key), key, default)
    }
    pub fn sw_string(&self, key: &str, default: &str) -> Result<String, ConfigError> {
        string_value(self.sw(key), &format!("swoole.{key}"), default)
    }
    pub fn boolean(&self, key: &str, default: bool) -> Result<bool, ConfigError> {
        bool_value(self.top.get(key), key, default)
    }
    pub fn sw_bool(&self, key: &str, default: bool) -> Result<bool, ConfigError> {
        bool_value(self.sw(key), &format!("swoole.{key}"), default)
    }
    pub fn sw_bytes(&self, key: &str, default: i64) -> Result<i64, ConfigError> {
        let name = format!("swoole.{key}");
        match self.sw(key) {
            Some(Value::String(s)) => {
                parse_size(s).ok_or_else(|| invalid(&name, format!("'{s}' is not a size"), "use a number of bytes or a size such as '512K', '256M', '1G'"))
            }
            other => int_value(other, &name, default),
        }
    }
    /// A path setting of `swoole`, relative to the base path unless absolute.
    pub fn sw_path(&self, key: &str, default: &str) -> Result<PathBuf, ConfigError> {
        Ok(self.absolute(PathBuf::from(self.sw_string(key, default)?)))
    }

    /// `p` relative to the application's base path, unless it is absolute.
    pub fn absolute(&self, p: PathBuf) -> PathBuf {
        if p.is_absolute() {
            p
        } else {
            self.base.join(p)
        }
    }

    fn sw(&self, key: &str) -> Option<&'a Value> {
        // Every `swoole.*` key the runtime reads is in the key table, as read: a read
        // without its entry would also warn that the setting has no effect.
        #[cfg(test)]
        assert!(super::keys::swoole(key) == Some(super::keys::Support::Read), "swoole.{key} is read but not listed as read in config/keys.rs");
        self.swoole.get(key)
    }
}

pub(super) fn int_value(v: Option<&Value>, key: &str, default: i64) -> Result<i64, ConfigError> {
    match v {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
            .ok_or_else(|| invalid(key, format!("{n} is not a whole number"), "use an integer")),
        Some(Value::String(s)) => {
            s.trim().parse().map_err(|_| invalid(key, format!("'{s}' is not a number"), "use an integer (check the LARAVELS_* variable in .env)"))
        }
        Some(other) => Err(invalid(key, format!("{} is not a number", kind_of(other)), "use an integer")),
    }
}

pub(super) fn string_value(v: Option<&Value>, key: &str, default: &str) -> Result<String, ConfigError> {
    match v {
        None | Some(Value::Null) => Ok(default.to_owned()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        Some(other) => Err(invalid(key, format!("{} is not a string", kind_of(other)), "use a string")),
    }
}

pub(super) fn bool_value(v: Option<&Value>, key: &str, default: bool) -> Result<bool, ConfigError> {
    match v {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::Number(n)) if n.as_i64() == Some(0) => Ok(false),
        Some(Value::Number(n)) if n.as_i64() == Some(1) => Ok(true),
        Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "on" | "yes" => Ok(true),
            "0" | "false" | "off" | "no" | "" => Ok(false),
            _ => Err(invalid(key, format!("'{s}' is not a boolean"), "use true or false")),
        },
        Some(other) => Err(invalid(key, format!("{} is not a boolean", kind_of(other)), "use true or false")),
    }
}

pub(super) fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) | Value::Object(_) => "an array",
    }
}

/// A scalar's text as PHP would print it, for comparing settings with expected values.
pub(super) fn scalar_text(v: &Value) -> String {
    match v {
        Value::Bool(b) => b.to_string(),
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Null => "null".into(),
        _ => "array".into(),
    }
}

/// "512", "512K", "256M", "1G" (as in php.ini) to bytes.
fn parse_size(s: &str) -> Option<i64> {
    let s = s.trim();
    let (digits, mult) = match s.chars().last()?.to_ascii_uppercase() {
        'K' => (&s[..s.len() - 1], 1 << 10),
        'M' => (&s[..s.len() - 1], 1 << 20),
        'G' => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    digits.trim().parse::<i64>().ok().filter(|n| *n >= 0).map(|n| n * mult)
}

/// A section that is an array of settings; missing or empty is an empty one.
pub(super) fn section<'a>(top: &'a Map<String, Value>, key: &str, fix: &str) -> Result<&'a Map<String, Value>, ConfigError> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    match top.get(key) {
        None | Some(Value::Null) => Ok(EMPTY.get_or_init(Map::new)),
        Some(Value::Array(a)) if a.is_empty() => Ok(EMPTY.get_or_init(Map::new)),
        Some(Value::Object(o)) => Ok(o),
        Some(other) => Err(invalid(key, format!("must be an array, not {}", kind_of(other)), fix)),
    }
}

/// `key`: whole seconds from 1 to `max`, or 0 for none (`None`); `default` when unset.
/// `zero` says what 0 means, for the error's fix.
pub(super) fn bounded_seconds(v: Option<&Value>, key: &str, default: u64, max: u64, zero: &str) -> Result<Option<Duration>, ConfigError> {
    let default = i64::try_from(default).unwrap_or(i64::MAX);
    match int_value(v, key, default)? {
        0 => Ok(None),
        n if n > 0 && n.unsigned_abs() <= max => Ok(Some(Duration::from_secs(n.unsigned_abs()))),
        n => Err(invalid(key, format!("{n} is out of range"), format!("use a number of seconds from 1 to {max}, or 0 for {zero}"))),
    }
}
