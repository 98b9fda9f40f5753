//! `LaravelS\Runtime\Config`: the config parsed as `new Server()` parses it, without
//! binding anything, for the commands that do not start a server (stop, reload, info);
//! and the view's conversion into a PHP array (`Server::view()` uses it too).

use ext_php_rs::boxed::ZBox;
use ext_php_rs::prelude::*;
use ext_php_rs::types::{ZendHashTable, Zval};
use serde_json::{Map, Value};

use super::convert::array_to_json;
use super::exceptions::config_error;
use crate::config::{view, ServerConfig};

#[php_class]
#[php(name = "LaravelS\\Runtime\\Config")]
pub struct Config;

#[php_impl]
impl Config {
    /// Parses and checks `$config` (the `laravels` config array) and returns the typed
    /// view the package reads (`LaravelS\Config\ServerConfig::fromArray()`); throws
    /// `ConfigException` naming the key and the fix.
    pub fn load(config: &ZendHashTable, base_path: String) -> PhpResult<ZBox<ZendHashTable>> {
        let parsed = ServerConfig::parse(&array_to_json(config), &base_path).map_err(|e| config_error(e.to_string()))?;
        Ok(view_array(&view(&parsed)))
    }
}

/// A config view (`crate::config::view`) as a PHP array.
pub fn view_array(view: &Value) -> ZBox<ZendHashTable> {
    match view {
        Value::Object(map) => object_array(map),
        _ => ZendHashTable::new(),
    }
}

fn object_array(map: &Map<String, Value>) -> ZBox<ZendHashTable> {
    let mut ht = ZendHashTable::with_capacity(map.len() as u32);
    for (k, item) in map {
        let _ = ht.insert(k.as_str(), json_zval(item));
    }
    ht
}

/// A JSON value as a zval: objects become string-keyed arrays, lists become lists.
fn json_zval(v: &Value) -> Zval {
    let mut z = Zval::new();
    match v {
        Value::Null => z.set_null(),
        Value::Bool(b) => z.set_bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => z.set_long(i),
            None => z.set_double(n.as_f64().unwrap_or_default()),
        },
        Value::String(s) => {
            let _ = z.set_string(s, false);
        }
        Value::Array(list) => {
            let mut ht = ZendHashTable::with_capacity(list.len() as u32);
            for item in list {
                let _ = ht.push(json_zval(item));
            }
            z.set_hashtable(ht);
        }
        Value::Object(map) => z.set_hashtable(object_array(map)),
    }
    z
}
