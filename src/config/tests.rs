//! The config's unit tests: defaults, `env()` strings, and the errors and warnings.

use super::*;
use serde_json::json;

fn parse(v: Value) -> Result<ServerConfig, ConfigError> {
    ServerConfig::parse(&v, "/app")
}

#[test]
fn defaults_and_env_strings() {
    let c = parse(json!({"listen_port": "5300", "handle_static": "true", "swoole": {"worker_num": "4", "max_request": 10}})).unwrap();
    assert_eq!(c.listen_port, 5300);
    assert!(c.handle_static);
    assert_eq!(c.worker_num, 4);
    assert_eq!(c.max_request, 10);
    assert_eq!(c.dispatch_mode, DispatchMode::Idle);
    assert_eq!(c.pid_file, PathBuf::from("/app/storage/laravels.pid"));
    assert_eq!(c.document_root, PathBuf::from("/app/public"));
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
}

#[test]
fn bad_values_name_the_key_and_the_fix() {
    let e = parse(json!({"swoole": {"worker_num": "many"}})).unwrap_err().to_string();
    assert!(e.contains("laravels.swoole.worker_num") && e.contains("Fix:"), "{e}");
    let e = parse(json!({"swoole": {"dispatch_mode": 7}})).unwrap_err().to_string();
    assert!(e.contains("swoole.dispatch_mode") && e.contains("7 is not supported"), "{e}");
    assert_eq!(parse(json!({"swoole": {"dispatch_mode": 4}})).unwrap().dispatch_mode, DispatchMode::ByIp);
    assert_eq!(parse(json!({"swoole": {"dispatch_mode": 5}})).unwrap().dispatch_mode, DispatchMode::ByUid);
    let e = parse(json!({"listen_port": 70000})).unwrap_err().to_string();
    assert!(e.contains("listen_port"), "{e}");
    let e = parse(json!({"handle_static": "maybe"})).unwrap_err().to_string();
    assert!(e.contains("handle_static") && e.contains("boolean"), "{e}");
    let e = parse(json!({"swoole": {"worker_memory_limit": "lots"}})).unwrap_err().to_string();
    assert!(e.contains("worker_memory_limit") && e.contains("256M"), "{e}");
}

#[test]
fn unimplemented_swoole_settings_warn_once_each() {
    let c = parse(json!({"swoole": {"reload_async": true, "enable_coroutine": true, "ssl_ciphers": "ALL", "task_ipc_mode": 1}})).unwrap();
    assert_eq!(c.warnings.len(), 2, "{:?}", c.warnings);
    assert!(c.warnings.iter().any(|w| w.contains("swoole.enable_coroutine")));
    assert!(c.warnings.iter().any(|w| w.contains("swoole.ssl_ciphers")));
}

#[test]
fn trusted_proxies_parse_addresses_ranges_and_unix() {
    let none = parse(json!({})).unwrap().trusted_proxies;
    assert!(none.nets.is_empty() && !none.unix, "nobody is trusted by default: {none:?}");
    let c = parse(json!({"trusted_proxies": ["127.0.0.2", "10.0.0.0/8", "unix"]})).unwrap();
    assert_eq!(c.trusted_proxies.nets.len(), 2);
    assert!(c.trusted_proxies.unix);
    let e = parse(json!({"trusted_proxies": ["10.0.0.0/8", "proxy.local"]})).unwrap_err().to_string();
    assert!(e.contains("trusted_proxies.1") && e.contains("proxy.local"), "{e}");
}

#[test]
fn socket_types_use_swooles_numbers() {
    assert_eq!(parse(json!({"socket_type": 5, "listen_ip": "/tmp/l.sock"})).unwrap().socket_type, SocketType::UnixStream);
    assert_eq!(parse(json!({"socket_type": 3})).unwrap().socket_type, SocketType::Tcp6);
    let e = parse(json!({"socket_type": 6})).unwrap_err().to_string();
    assert!(e.contains("socket_type") && e.contains("(5)"), "{e}");
}

#[test]
fn tls_needs_both_files_and_swoole_ssl_means_tls() {
    let files = json!({"ssl_cert_file": "storage/cert.pem", "ssl_key_file": "/etc/key.pem"});
    let c = parse(json!({"socket_type": 1 | 512, "swoole": files.clone()})).unwrap();
    assert_eq!(c.socket_type, SocketType::Tcp);
    let tls = c.tls.unwrap();
    assert_eq!(tls.cert_file, PathBuf::from("/app/storage/cert.pem"));
    assert_eq!(tls.key_file, PathBuf::from("/etc/key.pem"));
    assert!(!c.http2);
    // The files alone turn TLS on; SWOOLE_SSL with TCP6 keeps the socket type.
    assert!(parse(json!({"swoole": files.clone()})).unwrap().tls.is_some());
    assert_eq!(parse(json!({"socket_type": 3 | 512, "swoole": files})).unwrap().socket_type, SocketType::Tcp6);
    assert!(parse(json!({})).unwrap().tls.is_none());

    let e = parse(json!({"socket_type": 1 | 512})).unwrap_err().to_string();
    assert!(e.contains("laravels.socket_type") && e.contains("ssl_cert_file") && e.contains("Fix:"), "{e}");
    let e = parse(json!({"swoole": {"ssl_cert_file": "/c.pem"}})).unwrap_err().to_string();
    assert!(e.contains("laravels.swoole.ssl_key_file") && e.contains("/c.pem"), "{e}");
    let e = parse(json!({"swoole": {"ssl_key_file": "/k.pem"}})).unwrap_err().to_string();
    assert!(e.contains("laravels.swoole.ssl_cert_file") && e.contains("/k.pem"), "{e}");
}

#[test]
fn open_http2_protocol_is_a_boolean_setting() {
    let c = parse(json!({"swoole": {"open_http2_protocol": "true"}})).unwrap();
    assert!(c.http2 && c.warnings.is_empty(), "{:?}", c.warnings);
    let e = parse(json!({"swoole": {"open_http2_protocol": "sometimes"}})).unwrap_err().to_string();
    assert!(e.contains("swoole.open_http2_protocol"), "{e}");
}

#[test]
fn sizes_and_durations() {
    let c = parse(json!({"swoole": {"worker_memory_limit": "256M", "package_max_length": 1024, "max_request_time": 0}})).unwrap();
    assert_eq!(c.worker_memory_limit, Some(256 << 20));
    assert_eq!(c.package_max_length, 1024);
    assert_eq!(c.max_request_time, None);
}

#[test]
fn websocket_and_heartbeat() {
    let c = parse(json!({"websocket": {"enable": true, "handler": "App\\Ws"}, "swoole": {"heartbeat_check_interval": 30}})).unwrap();
    assert!(c.websocket);
    assert_eq!(c.heartbeat_idle, Some(Duration::from_secs(60)));
    let c = parse(json!({"websocket": {"enable": false}, "swoole": {"heartbeat_idle_time": 600, "heartbeat_check_interval": 60}})).unwrap();
    assert!(!c.websocket);
    assert_eq!(c.heartbeat_idle, Some(Duration::from_secs(600)));
    let e = parse(json!({"websocket": {"enable": true}})).unwrap_err().to_string();
    assert!(e.contains("websocket.handler"), "{e}");
    let e = parse(json!({"swoole": {"buffer_output_size": 10}})).unwrap_err().to_string();
    assert!(e.contains("swoole.buffer_output_size"), "{e}");
}

#[test]
fn laravels_legacy_switches_are_accepted() {
    // enable_gzip: LaravelS's deprecated switch turns http_compression on, with a warning
    // naming what to set instead; enable_coroutine_runtime is a note, not a warning.
    let c = parse(json!({"enable_gzip": true, "enable_coroutine_runtime": true})).unwrap();
    assert!(c.http_compression);
    assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
    assert!(c.warnings[0].contains("laravels.enable_gzip") && c.warnings[0].contains("http_compression"));
    assert_eq!(c.notes.len(), 1);
    assert!(c.notes[0].starts_with("laravels.enable_coroutine_runtime:"));
    let c = parse(json!({"enable_gzip": false, "enable_coroutine_runtime": false})).unwrap();
    assert!(!c.http_compression && c.warnings.is_empty());
}

#[test]
fn laravel_base_path_must_hold_an_application() {
    let dir = std::env::temp_dir().join(format!("laravels-base-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("bootstrap")).unwrap();
    std::fs::write(dir.join("bootstrap/app.php"), "<?php").unwrap();
    let c = parse(json!({"laravel_base_path": dir.to_str()})).unwrap();
    assert_eq!(c.package.laravel_base_path, dir.to_str().unwrap());
    let e = parse(json!({"laravel_base_path": "/nowhere/at/all"})).unwrap_err().to_string();
    assert!(e.contains("laravel_base_path") && e.contains("bootstrap/app.php"), "{e}");
    assert_eq!(parse(json!({})).unwrap().package.laravel_base_path, "/app");
    std::fs::remove_dir_all(dir).unwrap();
}
