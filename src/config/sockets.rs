//! `sockets`: extra listening ports with their own protocol and handler (Swoole's
//! multi-port mixed protocol), typed here once.

use serde_json::{Map, Value};

use super::values::{bool_value, int_value, string_value};
use super::{invalid, ConfigError, TlsFiles, SWOOLE_SSL};

/// The transport of an extra port (`type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// TCP over IPv4 (`SWOOLE_SOCK_TCP`, 1).
    Tcp,
    /// TCP over IPv6 (`SWOOLE_SOCK_TCP6`, 3).
    Tcp6,
    /// UDP over IPv4 (`SWOOLE_SOCK_UDP`, 2).
    Udp,
    /// UDP over IPv6 (`SWOOLE_SOCK_UDP6`, 4).
    Udp6,
}

impl Transport {
    /// Whether the port takes datagrams rather than connections.
    pub fn is_udp(self) -> bool {
        matches!(self, Transport::Udp | Transport::Udp6)
    }

    /// Swoole's `SWOOLE_SOCK`_* number.
    pub fn swoole_type(self) -> i64 {
        match self {
            Transport::Tcp => 1,
            Transport::Udp => 2,
            Transport::Tcp6 => 3,
            Transport::Udp6 => 4,
        }
    }
}

/// Where one message ends in a TCP byte stream (Swoole's `open_eof_check`,
/// `open_eof_split`, `open_length_check`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Framing {
    /// Whatever arrived, as it arrived.
    Raw,
    /// Data up to `package_eof`: each message separately when `split`, else everything up
    /// to the last EOF received (several messages may come together, as in Swoole).
    Eof {
        /// `package_eof`: the delimiter, 1 to 8 bytes.
        eof: Vec<u8>,
        /// `open_eof_split`: cut at every delimiter, not only after the last one received.
        split: bool,
    },
    /// A length field in a fixed header (`package_length_type` at `package_length_offset`;
    /// the message is `package_body_offset` + the field's value bytes long).
    Length {
        /// `package_length_type`: the field's width, sign and byte order.
        field: LengthField,
        /// `package_length_offset`: where the field starts, in bytes from the start of the message.
        offset: usize,
        /// `package_body_offset`: header bytes the length does not count; 0 when it counts the whole message.
        body_offset: usize,
    },
}

/// `package_length_type`, as in PHP's `pack()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LengthField {
    /// `c`: signed 8-bit.
    I8,
    /// `C`: unsigned 8-bit.
    U8,
    /// `s`: signed 16-bit, little-endian.
    I16Le,
    /// `S` or `v`: unsigned 16-bit, little-endian.
    U16Le,
    /// `n`: unsigned 16-bit, big-endian.
    U16Be,
    /// `l`: signed 32-bit, little-endian.
    I32Le,
    /// `L` or `V`: unsigned 32-bit, little-endian.
    U32Le,
    /// `N` (the default): unsigned 32-bit, big-endian.
    U32Be,
}

impl LengthField {
    fn parse(code: &str) -> Option<Self> {
        // Machine order is little-endian on every platform this runs on.
        Some(match code {
            "c" => LengthField::I8,
            "C" => LengthField::U8,
            "s" => LengthField::I16Le,
            "S" | "v" => LengthField::U16Le,
            "n" => LengthField::U16Be,
            "l" => LengthField::I32Le,
            "L" | "V" => LengthField::U32Le,
            "N" => LengthField::U32Be,
            _ => return None,
        })
    }

    /// The field's size in bytes.
    pub fn width(self) -> usize {
        match self {
            LengthField::I8 | LengthField::U8 => 1,
            LengthField::I16Le | LengthField::U16Le | LengthField::U16Be => 2,
            _ => 4,
        }
    }

    /// The field's value; `None` for a negative length.
    pub fn read(self, b: &[u8]) -> Option<u64> {
        let v: i64 = match self {
            LengthField::I8 => i64::from(b[0] as i8),
            LengthField::U8 => i64::from(b[0]),
            LengthField::I16Le => i64::from(i16::from_le_bytes([b[0], b[1]])),
            LengthField::U16Le => i64::from(u16::from_le_bytes([b[0], b[1]])),
            LengthField::U16Be => i64::from(u16::from_be_bytes([b[0], b[1]])),
            LengthField::I32Le => i64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            LengthField::U32Le => i64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            LengthField::U32Be => i64::from(u32::from_be_bytes([b[0], b[1], b[2], b[3]])),
        };
        u64::try_from(v).ok()
    }
}

/// What an extra port speaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Protocol {
    /// TCP or UDP messages for a `TcpSocket` / `UdpSocket` handler.
    Stream(Framing),
    /// `open_http_protocol`: HTTP requests for an Http handler's `onRequest`.
    Http,
    /// `open_websocket_protocol`: WebSocket connections for a WebSocket handler.
    WebSocket,
}

/// One enabled entry of `sockets`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SocketSpec {
    /// Its place in `$server->ports`: 1 for the first extra port (0 is the main one).
    pub index: u32,
    /// `host`: the address to bind (required).
    pub host: String,
    /// `port`, 1 to 65535.
    pub port: u16,
    /// `type` without its `SWOOLE_SSL` flag (default TCP).
    pub transport: Transport,
    /// What the port speaks, from its `settings` (`open_websocket_protocol`, `open_http_protocol`, framing).
    pub protocol: Protocol,
    /// Largest message (TCP framing) or request body (HTTP); defaults to the server's.
    pub package_max_length: usize,
    /// TLS on this port: `type` with `SWOOLE_SSL`, or `ssl_cert_file` and `ssl_key_file` in
    /// its settings.
    pub tls: Option<TlsFiles>,
    /// The handler class, checked by the PHP side (autoload) and run in the workers.
    pub handler: String,
    /// Where the entry is in the config (`sockets.2`), for messages about it.
    pub config_key: String,
    /// `type` as given, `SWOOLE_SSL` included (`$port->type`).
    pub swoole_type: i64,
    /// `settings` as given (`$port->setting`).
    pub settings: Map<String, Value>,
}

/// Parses `sockets`; `websocket` says whether the main server has WebSocket on, which a
/// WebSocket port needs (as in `LaravelS`).
pub fn parse(v: Option<&Value>, default_max: usize, websocket: bool, warnings: &mut Vec<String>) -> Result<Vec<SocketSpec>, ConfigError> {
    let entries: Vec<&Value> = match v {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(a)) => a.iter().collect(),
        Some(Value::Object(o)) => o.values().collect(),
        Some(_) => return Err(invalid("sockets", "must be a list of ports", "see the README's multi-port section")),
    };
    let mut out = Vec::new();
    for (i, entry) in entries.into_iter().enumerate() {
        let key = format!("sockets.{i}");
        let Value::Object(entry) = entry else {
            return Err(invalid(&key, "must be an array with host, port, type and handler", "see the README's multi-port section"));
        };
        if !bool_value(entry.get("enable"), &format!("{key}.enable"), true)? {
            continue;
        }
        let spec = parse_one(&key, entry, out.len() as u32 + 1, default_max, warnings)?;
        if spec.protocol == Protocol::WebSocket && !websocket {
            return Err(invalid(
                &format!("{key}.settings.open_websocket_protocol"),
                "needs WebSocket on the main server",
                "set 'websocket' => ['enable' => true, ...] as well",
            ));
        }
        out.push(spec);
    }
    Ok(out)
}

#[allow(clippy::too_many_lines, reason = "one check per key of a sockets entry, in the order the README lists them")]
fn parse_one(key: &str, entry: &Map<String, Value>, index: u32, default_max: usize, warnings: &mut Vec<String>) -> Result<SocketSpec, ConfigError> {
    let host = string_value(entry.get("host"), &format!("{key}.host"), "")?;
    if host.is_empty() {
        return Err(invalid(&format!("{key}.host"), "is missing", "set 'host' => '127.0.0.1' (or '0.0.0.0')"));
    }
    let port = int_value(entry.get("port"), &format!("{key}.port"), -1)?;
    let port = u16::try_from(port)
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| invalid(&format!("{key}.port"), format!("{port} is not a port"), "use a port from 1 to 65535"))?;
    let raw_type = int_value(entry.get("type"), &format!("{key}.type"), 1)?;
    let ssl_flag = raw_type & SWOOLE_SSL != 0;
    let transport = match raw_type & !SWOOLE_SSL {
        1 => Transport::Tcp,
        2 => Transport::Udp,
        3 => Transport::Tcp6,
        4 => Transport::Udp6,
        other => {
            return Err(invalid(
                &format!("{key}.type"),
                format!("{other} is not supported"),
                "use SWOOLE_SOCK_TCP, SWOOLE_SOCK_TCP6, SWOOLE_SOCK_UDP or SWOOLE_SOCK_UDP6",
            ))
        }
    };
    let handler = match entry.get("handler") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        _ => return Err(invalid(&format!("{key}.handler"), "is missing", "name a class extending TcpSocket, UdpSocket, Http or WebSocket")),
    };
    let empty = Map::new();
    let settings = match entry.get("settings") {
        None | Some(Value::Null) => &empty,
        Some(Value::Array(a)) if a.is_empty() => &empty,
        Some(Value::Object(o)) => o,
        Some(_) => return Err(invalid(&format!("{key}.settings"), "must be an array", "set 'settings' => ['open_eof_check' => true, ...]")),
    };
    let sk = |name: &str| format!("{key}.settings.{name}");
    for name in settings.keys() {
        if super::keys::find(&format!("sockets.*.settings.{name}")).is_none() {
            warnings.push(format!("{} is not implemented by laravels-rs and has no effect", sk(name)));
        }
    }
    let flag = |name: &str| bool_value(settings.get(name), &sk(name), false);
    let size = |name: &str, default: i64| -> Result<usize, ConfigError> {
        let v = int_value(settings.get(name), &sk(name), default)?;
        usize::try_from(v).map_err(|_| invalid(&sk(name), format!("{v} is negative"), "use a number of bytes >= 0"))
    };
    let package_max_length = size("package_max_length", default_max as i64)?;
    let protocol = if flag("open_websocket_protocol")? {
        Protocol::WebSocket
    } else if flag("open_http_protocol")? {
        Protocol::Http
    } else if flag("open_length_check")? {
        let code = string_value(settings.get("package_length_type"), &sk("package_length_type"), "N")?;
        let field = LengthField::parse(&code).ok_or_else(|| {
            invalid(&sk("package_length_type"), format!("'{code}' is not a length type"), "use one of c, C, s, S, n, N, v, V, l, L (as in pack())")
        })?;
        let offset = size("package_length_offset", 0)?;
        let body_offset = size("package_body_offset", 0)?;
        if body_offset < offset + field.width() && body_offset != 0 {
            return Err(invalid(
                &sk("package_body_offset"),
                format!("{body_offset} lies inside the length field"),
                "use the header's full length (package_length_offset + the field's width) or 0",
            ));
        }
        Protocol::Stream(Framing::Length { field, offset, body_offset })
    } else if flag("open_eof_check")? || flag("open_eof_split")? {
        let eof = string_value(settings.get("package_eof"), &sk("package_eof"), "")?;
        if eof.is_empty() || eof.len() > 8 {
            return Err(invalid(&sk("package_eof"), "must be 1 to 8 bytes", "set 'package_eof' => \"\\r\\n\""));
        }
        Protocol::Stream(Framing::Eof { eof: eof.into_bytes(), split: flag("open_eof_split")? })
    } else {
        Protocol::Stream(Framing::Raw)
    };
    if transport.is_udp() && !matches!(protocol, Protocol::Stream(_)) {
        return Err(invalid(key, "UDP carries no HTTP or WebSocket", "use SWOOLE_SOCK_TCP for an Http or WebSocket handler"));
    }
    let cert = string_value(settings.get("ssl_cert_file"), &sk("ssl_cert_file"), "")?;
    let tls_key = string_value(settings.get("ssl_key_file"), &sk("ssl_key_file"), "")?;
    let both = "set 'ssl_cert_file' and 'ssl_key_file' in the port's 'settings' to the PEM certificate (chain) and its private key";
    let tls = match (cert.is_empty(), tls_key.is_empty()) {
        (false, false) => Some(TlsFiles { cert_file: cert.into(), key_file: tls_key.into() }),
        (true, true) if ssl_flag => {
            return Err(invalid(&format!("{key}.type"), "SWOOLE_SSL asks for TLS but the port has no ssl_cert_file / ssl_key_file", both))
        }
        (true, true) => None,
        _ => return Err(invalid(&sk(if cert.is_empty() { "ssl_cert_file" } else { "ssl_key_file" }), "is not set while the other TLS file is", both)),
    };
    if tls.is_some() && transport.is_udp() {
        return Err(invalid(&format!("{key}.type"), "TLS over UDP (DTLS) is not supported", "use a TCP port for TLS"));
    }
    Ok(SocketSpec {
        index,
        host,
        port,
        transport,
        protocol,
        package_max_length,
        tls,
        handler,
        config_key: key.to_owned(),
        swoole_type: raw_type,
        settings: settings.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse_list(v: Value) -> Result<Vec<SocketSpec>, ConfigError> {
        parse(Some(&v), 1024, true, &mut Vec::new())
    }

    #[test]
    fn the_readme_examples_parse() {
        let specs = parse_list(json!([
            {"host": "127.0.0.1", "port": 5291, "type": 1, "settings": {"open_eof_check": true, "package_eof": "\r\n"}, "handler": "A"},
            {"host": "0.0.0.0", "port": 5292, "type": 2, "settings": {"open_eof_check": true, "package_eof": "\r\n"}, "handler": "B"},
            {"host": "0.0.0.0", "port": 5293, "type": 1, "settings": {"open_http_protocol": true}, "handler": "C", "enable": false},
            {"host": "0.0.0.0", "port": 5294, "type": 1, "settings": {"open_http_protocol": true, "open_websocket_protocol": true}, "handler": "D"},
        ]))
        .unwrap();
        assert_eq!(specs.len(), 3, "the disabled port is left out");
        assert_eq!(specs[0].protocol, Protocol::Stream(Framing::Eof { eof: b"\r\n".to_vec(), split: false }));
        assert!(specs[1].transport.is_udp());
        assert_eq!((specs[2].index, &specs[2].protocol), (3, &Protocol::WebSocket));
        assert_eq!(specs[0].package_max_length, 1024);
    }

    #[test]
    fn length_framing_and_errors_name_the_key() {
        let specs = parse_list(json!([{"host": "::1", "port": 7000, "type": 3, "handler": "A",
            "settings": {"open_length_check": true, "package_length_type": "n", "package_length_offset": 0, "package_body_offset": 2}}]))
        .unwrap();
        assert_eq!(specs[0].protocol, Protocol::Stream(Framing::Length { field: LengthField::U16Be, offset: 0, body_offset: 2 }));
        let e = parse_list(json!([{"host": "x", "port": 1, "handler": "A", "settings": {"open_length_check": true, "package_length_type": "q"}}])).unwrap_err();
        assert!(e.to_string().contains("sockets.0.settings.package_length_type"), "{e}");
        let e = parse_list(json!([{"host": "x", "port": 70000, "handler": "A"}])).unwrap_err();
        assert!(e.to_string().contains("sockets.0.port"), "{e}");
        let e = parse_list(json!([{"host": "x", "port": 1}])).unwrap_err();
        assert!(e.to_string().contains("sockets.0.handler"), "{e}");
        let e = parse(Some(&json!([{"host": "x", "port": 1, "handler": "A", "settings": {"open_websocket_protocol": true}}])), 1, false, &mut Vec::new())
            .unwrap_err();
        assert!(e.to_string().contains("websocket"), "{e}");
        let tls = parse_list(json!([{"host": "x", "port": 1, "type": 513, "handler": "A", "settings": {"ssl_cert_file": "c.pem", "ssl_key_file": "k.pem"}}]))
            .unwrap();
        assert_eq!((tls[0].transport, tls[0].tls.as_ref().map(|t| t.cert_file.clone())), (Transport::Tcp, Some("c.pem".into())));
        let e = parse_list(json!([{"host": "x", "port": 1, "type": 513, "handler": "A"}])).unwrap_err();
        assert!(e.to_string().contains("sockets.0.type") && e.to_string().contains("ssl_cert_file"), "{e}");
        let mut warnings = Vec::new();
        parse(Some(&json!([{"host": "x", "port": 1, "handler": "A", "settings": {"open_mqtt_protocol": true}}])), 1, false, &mut warnings).unwrap();
        assert!(warnings[0].contains("sockets.0.settings.open_mqtt_protocol"));
    }
}
