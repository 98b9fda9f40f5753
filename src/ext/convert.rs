//! Conversions between zvals and the runtime's plain Rust values.
//!
//! PHP strings are byte strings: request and response bodies cross here as bytes,
//! never through `String`, so binary uploads and non-UTF-8 bodies arrive intact.

use bytes::Bytes;
use ext_php_rs::boxed::ZBox;
use ext_php_rs::types::{ArrayKey, ZendHashTable, ZendStr, Zval};
use serde_json::{Map, Number, Value};

use crate::ipc::{Header, RequestHead};

/// A PHP array as JSON: a list when its keys are 0..n in order, else an object.
pub fn array_to_json(ht: &ZendHashTable) -> Value {
    let is_list = ht.iter().enumerate().all(|(i, (k, _))| matches!(k, ArrayKey::Long(n) if n == i as i64));
    if is_list {
        Value::Array(ht.iter().map(|(_, v)| zval_to_json(v)).collect())
    } else {
        let mut map = Map::new();
        for (k, v) in ht {
            map.insert(k.to_string(), zval_to_json(v));
        }
        Value::Object(map)
    }
}

/// A zval as JSON. Objects become their class name, which is what a config holds them for.
pub fn zval_to_json(v: &Zval) -> Value {
    let v = v.dereference();
    if let Some(b) = v.bool() {
        Value::Bool(b)
    } else if let Some(n) = v.long() {
        Value::Number(n.into())
    } else if let Some(f) = v.double() {
        Number::from_f64(f).map_or(Value::Null, Value::Number)
    } else if let Some(s) = v.zend_str() {
        Value::String(String::from_utf8_lossy(s.as_bytes()).into_owned())
    } else if let Some(ht) = v.array() {
        array_to_json(ht)
    } else if let Some(obj) = v.object() {
        Value::String(obj.get_class_name().unwrap_or_default())
    } else {
        Value::Null
    }
}

/// A binary-safe PHP string zval.
pub fn bytes_zval(data: &[u8]) -> Zval {
    let mut z = Zval::new();
    z.set_zend_string(ZendStr::new(data, false));
    z
}

/// The bytes of a string zval (other scalars are converted as PHP would print them).
pub fn zval_bytes(v: &Zval) -> Bytes {
    let v = v.dereference();
    match v.zend_str() {
        Some(s) => Bytes::copy_from_slice(s.as_bytes()),
        None => Bytes::from(v.coerce_to_string().unwrap_or_default()),
    }
}

/// Response headers from PHP: `name => value` or `name => [values]` (several `Set-Cookie`).
pub fn headers_from_php(ht: &ZendHashTable) -> Vec<Header> {
    let mut out = Vec::with_capacity(ht.len());
    for (k, v) in ht {
        let name = k.to_string();
        match v.dereference().array() {
            Some(values) => out.extend(values.iter().map(|(_, v)| (name.clone(), zval_bytes(v)))),
            None => out.push((name, zval_bytes(v))),
        }
    }
    out
}

/// The CGI-style server array PHP frameworks expect, built from a request head.
///
/// Header `a-b` becomes `HTTP_A_B`; repeated headers are joined with ", " (cookies with
/// "; "), as PHP's SAPIs do. Content-Type and Content-Length also appear without prefix.
pub fn server_array(head: &RequestHead, extra: &[(String, String)]) -> ZBox<ZendHashTable> {
    let mut ht = ZendHashTable::with_capacity((head.headers.len() + 16 + extra.len()) as u32);
    let (path, query) = head.uri.split_once('?').unwrap_or((&head.uri, ""));
    let mut set = |k: &str, v: Zval| {
        let _ = ht.insert(k, v);
    };
    set("REQUEST_METHOD", bytes_zval(head.method.as_bytes()));
    set("REQUEST_URI", bytes_zval(head.uri.as_bytes()));
    set("PATH_INFO", bytes_zval(path.as_bytes()));
    set("QUERY_STRING", bytes_zval(query.as_bytes()));
    set("SERVER_PROTOCOL", bytes_zval(head.protocol.as_bytes()));
    set("REMOTE_ADDR", bytes_zval(head.remote_addr.as_bytes()));
    set("REMOTE_PORT", long_zval(head.remote_port.into()));
    set("SERVER_ADDR", bytes_zval(head.server_addr.as_bytes()));
    set("SERVER_PORT", long_zval(head.server_port.into()));
    set("SERVER_SOFTWARE", bytes_zval(concat!("laravels-rs/", env!("CARGO_PKG_VERSION")).as_bytes()));
    set("REQUEST_TIME", long_zval(head.time as i64));
    let mut t = Zval::new();
    t.set_double(head.time);
    set("REQUEST_TIME_FLOAT", t);
    if head.https {
        set("HTTPS", bytes_zval(b"on"));
    }
    for (name, value) in extra {
        set(name, bytes_zval(value.as_bytes()));
    }
    for (key, value) in joined_headers(&head.headers) {
        if key == "HTTP_CONTENT_TYPE" || key == "HTTP_CONTENT_LENGTH" {
            set(&key[5..], bytes_zval(&value));
        }
        set(&key, bytes_zval(&value));
    }
    ht
}

fn long_zval(n: i64) -> Zval {
    let mut z = Zval::new();
    z.set_long(n);
    z
}

/// Headers as `HTTP_*` keys, repeated ones joined, in first-seen order.
pub fn joined_headers(headers: &[Header]) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = Vec::with_capacity(headers.len());
    for (name, value) in headers {
        let mut key = String::with_capacity(name.len() + 5);
        key.push_str("HTTP_");
        key.extend(name.chars().map(|c| if c == '-' { '_' } else { c.to_ascii_uppercase() }));
        match out.iter_mut().find(|(k, _)| *k == key) {
            Some((_, existing)) => {
                existing.extend_from_slice(if key == "HTTP_COOKIE" { b"; " } else { b", " });
                existing.extend_from_slice(value);
            }
            None => out.push((key, value.to_vec())),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_join_like_php_sapis() {
        let h = |n: &str, v: &'static str| (n.to_owned(), Bytes::from_static(v.as_bytes()));
        let joined = joined_headers(&[h("accept", "a"), h("x-forwarded-for", "1"), h("cookie", "a=1"), h("x-forwarded-for", "2"), h("cookie", "b=2")]);
        assert_eq!(
            joined,
            vec![
                ("HTTP_ACCEPT".to_owned(), b"a".to_vec()),
                ("HTTP_X_FORWARDED_FOR".to_owned(), b"1, 2".to_vec()),
                ("HTTP_COOKIE".to_owned(), b"a=1; b=2".to_vec()),
            ]
        );
    }
}
