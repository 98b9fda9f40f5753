//! The main port: `listen_ip`, `listen_port`, `socket_type`, and TLS on it.

use super::values::Reader;
use super::{invalid, ConfigError, SocketType, TlsFiles, SWOOLE_SSL};

/// `socket_type`, and whether it carries `SWOOLE_SSL`. Swoole's values: TCP 1, UDP 2,
/// TCP6 3, UDP6 4, `UNIX_STREAM` 5, `UNIX_DGRAM` 6; | SSL (512).
pub(super) fn socket_type(r: &Reader) -> Result<(SocketType, bool), ConfigError> {
    let raw_type = r.int("socket_type", 1)?;
    let ssl_flag = raw_type & SWOOLE_SSL != 0;
    let socket_type = match raw_type & !SWOOLE_SSL {
        1 => SocketType::Tcp,
        3 => SocketType::Tcp6,
        5 => SocketType::UnixStream,
        other => {
            return Err(invalid(
                "socket_type",
                format!("{other} is not a stream socket type for the HTTP server"),
                "use SWOOLE_SOCK_TCP (1), SWOOLE_SOCK_TCP6 (3) or SWOOLE_SOCK_UNIX_STREAM (5); UDP belongs in 'sockets'",
            ))
        }
    };
    Ok((socket_type, ssl_flag))
}

/// TLS is on with `SWOOLE_SSL` in `socket_type` (`LaravelS`'s way, which also needs the two
/// files) or with both ssl files set. One file without the other is a mistake either way.
pub(super) fn tls(r: &Reader, ssl_flag: bool) -> Result<Option<TlsFiles>, ConfigError> {
    let cert = r.sw_string("ssl_cert_file", "")?;
    let key = r.sw_string("ssl_key_file", "")?;
    let both = "set 'ssl_cert_file' and 'ssl_key_file' in 'swoole' to the PEM certificate (chain) and its private key";
    match (cert.is_empty(), key.is_empty()) {
        (false, false) => Ok(Some(TlsFiles { cert_file: r.absolute(cert.into()), key_file: r.absolute(key.into()) })),
        (true, true) if ssl_flag => Err(invalid("socket_type", "SWOOLE_SSL asks for TLS but swoole.ssl_cert_file and swoole.ssl_key_file are not set", both)),
        (true, true) => Ok(None),
        (false, true) => Err(invalid("swoole.ssl_key_file", format!("is not set, but swoole.ssl_cert_file is ('{cert}')"), both)),
        (true, false) => Err(invalid("swoole.ssl_cert_file", format!("is not set, but swoole.ssl_key_file is ('{key}')"), both)),
    }
}

/// `listen_port`: 0 lets the system pick one.
pub(super) fn port(r: &Reader) -> Result<u16, ConfigError> {
    let listen_port = r.int("listen_port", 5200)?;
    u16::try_from(listen_port).map_err(|_| invalid("listen_port", format!("{listen_port} is not a TCP port"), "use a port from 0 to 65535"))
}
