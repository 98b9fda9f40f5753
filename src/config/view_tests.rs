//! The view's unit tests: what PHP receives for defaults, `env()` strings and disabled
//! entries, and the shape checks of the sections only PHP acts on.

use super::*;
use serde_json::json;

fn view_of(v: Value) -> Value {
    view(&ServerConfig::parse(&v, "/app").unwrap())
}

fn error(v: Value) -> String {
    ServerConfig::parse(&v, "/app").unwrap_err().to_string()
}

#[test]
fn sockets_are_filtered_by_enable_and_numbered_as_server_ports() {
    let port = |n: u16, enable: Value| json!({"host": "127.0.0.1", "port": n, "handler": format!("H{n}"), "enable": enable});
    let v = view_of(json!({"sockets": [port(1, json!(true)), port(2, json!("false")), port(3, json!("0")), port(4, Value::Null), port(5, json!("on"))]}));
    let sockets = v["sockets"].as_array().unwrap();
    let seen: Vec<(i64, &str)> = sockets.iter().map(|s| (s["index"].as_i64().unwrap(), s["handler"].as_str().unwrap())).collect();
    assert_eq!(seen, [(1, "H1"), (2, "H4"), (3, "H5")], "the string 'false' and '0' are off; numbering skips them");
    assert_eq!((&sockets[1]["key"], &sockets[2]["key"]), (&json!("sockets.3"), &json!("sockets.4")), "messages name the entry in the config");
    assert_eq!(sockets[0]["type"], 1);
    assert_eq!(sockets[0]["protocol"], "tcp");
    let e = error(json!({"sockets": [port(1, json!("perhaps"))]}));
    assert!(e.contains("laravels.sockets.0.enable") && e.contains("boolean"), "{e}");
}

#[test]
fn a_socket_keeps_its_type_settings_and_protocol() {
    let v = view_of(json!({"websocket": {"enable": true, "handler": "W"}, "sockets": [
        {"host": "::1", "port": 7000, "type": 2, "handler": "U", "settings": {"open_eof_check": true, "package_eof": "\n"}},
        {"host": "0.0.0.0", "port": 7001, "type": 1, "handler": "S", "settings": {"open_http_protocol": true, "open_websocket_protocol": "1"}},
    ]}));
    assert_eq!((v["sockets"][0]["protocol"].as_str(), v["sockets"][0]["type"].as_i64()), (Some("udp"), Some(2)));
    assert_eq!(v["sockets"][0]["settings"], json!({"open_eof_check": true, "package_eof": "\n"}), "as given: $port->setting");
    assert_eq!(v["sockets"][1]["protocol"], "websocket");
    assert_eq!(v["websocket"], json!({"enable": true, "handler": "W"}));
}

#[test]
fn defaults_are_filled_in() {
    let v = view_of(json!({"swoole": {"worker_num": 2}}));
    assert_eq!(v["listen"], json!({"ip": "127.0.0.1", "port": 5200, "socket_type": 1, "unix": false, "tls": false}));
    assert_eq!(v["pid_file"], "/app/storage/laravels.pid");
    assert_eq!(v["log_file"], Value::Null);
    assert_eq!((v["daemonize"].as_bool(), v["worker_num"].as_i64(), v["task_worker_num"].as_i64()), (Some(false), Some(2), Some(0)));
    assert_eq!(v["websocket"], json!({"enable": false, "handler": null}), "a handler only when enabled");
    assert_eq!(v["timer"], json!({"enable": false, "jobs": [], "max_wait_time": 5, "global_lock": {"enable": false, "key": null, "ttl": 60}}));
    let events = v["event_handlers"].as_object().unwrap();
    assert_eq!(events.keys().collect::<Vec<_>>(), ["ServerStart", "ServerStop", "WorkerStart", "WorkerStop", "WorkerError", "Task", "Finish", "PipeMessage"]);
    assert!(events.values().all(|l| l == &json!([])));
    assert_eq!(v["destroy_controllers"], json!({"enable": false, "excluded_list": []}));
    assert_eq!(v["trusted_proxies"], json!([]), "nobody is trusted until listed");
    assert_eq!(v["inotify_reload"]["file_types"], json!([".php"]));
    assert_eq!(v["laravel_base_path"], "/app");
    assert_eq!(v["setting"], json!({"worker_num": 2, "task_worker_num": 0}));
}

#[test]
fn env_strings_arrive_typed() {
    let v = view_of(json!({
        "listen_port": "5300", "handle_static": "true",
        "swoole": {"worker_num": "4", "daemonize": "1", "max_request": "10", "worker_memory_limit": "1M", "log_level": "4", "pid_file": "run/l.pid"},
        "timer": {"enable": "true", "global_lock": "on", "global_lock_key": "shop", "global_lock_ttl": "2", "max_wait_time": "1"},
        "destroy_controllers": {"enable": "yes", "excluded_list": "\\App\\Kept"},
    }));
    assert_eq!((v["listen"]["port"].as_i64(), v["handle_static"].as_bool(), v["daemonize"].as_bool()), (Some(5300), Some(true), Some(true)));
    assert_eq!(v["pid_file"], "/app/run/l.pid");
    assert_eq!(v["timer"]["global_lock"], json!({"enable": true, "key": "shop", "ttl": 2}));
    assert_eq!(v["timer"]["max_wait_time"], 1);
    assert_eq!(v["destroy_controllers"], json!({"enable": true, "excluded_list": ["App\\Kept"]}));
    let s = &v["setting"];
    assert_eq!((s["worker_num"].as_i64(), s["daemonize"].as_bool(), s["max_request"].as_i64()), (Some(4), Some(true), Some(10)));
    assert_eq!(s["worker_memory_limit"], 1 << 20);
    assert_eq!(s["log_level"], "4", "a setting the runtime does not read stays as given");
    assert_eq!(s["pid_file"], "/app/run/l.pid");
}

#[test]
fn processes_timer_jobs_and_class_lists() {
    let v = view_of(json!({
        "processes": {"a": {"class": "A", "num": "2", "pipe": 1, "redirect": "true", "queue": {"mode": 1}}, "off": {"class": "B", "enable": "false"}},
        "timer": {"jobs": ["J1", ["J2", [500, true]], ["J3"]]},
        "cleaners": ["C1", "C2"],
        "register_providers": {"x": "P"},
        "event_handlers": {"WorkerStart": "W", "ServerStart": ["S1", "S2"]},
    }));
    assert_eq!(
        v["processes"],
        json!([{"name": "a", "class": "A", "num": 2, "pipe": 1, "redirect": true, "restart_interval": 5, "queue": {"msg_key": 0, "mode": 1, "capacity": 8192}}])
    );
    assert_eq!(v["timer"]["jobs"], json!([{"class": "J1", "args": []}, {"class": "J2", "args": [500, true]}, {"class": "J3", "args": []}]));
    assert_eq!((&v["cleaners"], &v["register_providers"]), (&json!(["C1", "C2"]), &json!(["P"])));
    assert_eq!((&v["event_handlers"]["WorkerStart"], &v["event_handlers"]["ServerStart"]), (&json!(["W"]), &json!(["S1", "S2"])));
}

#[test]
fn wrong_shapes_name_the_key_and_the_fix() {
    // These were PHP's checks (CleanerManager, ServerEvents, TimerLoop, Portal); PHP now
    // checks only that the classes exist.
    let e = error(json!({"cleaners": "SessionCleaner"}));
    assert!(e.starts_with("laravels.cleaners: must be a list of class names, not a string. Fix: "), "{e}");
    let e = error(json!({"cleaners": [42]}));
    assert!(e.starts_with("laravels.cleaners.0: entries are class names, found a number. Fix: "), "{e}");
    let e = error(json!({"register_providers": true}));
    assert!(e.starts_with("laravels.register_providers: must be a list of class names"), "{e}");
    let e = error(json!({"event_handlers": {"WorkerStarted": []}}));
    assert!(e.contains("laravels.event_handlers: WorkerStarted is not an event") && e.contains("WorkerStart, WorkerStop"), "{e}");
    let e = error(json!({"event_handlers": {"WorkerStart": [["A"]]}}));
    assert!(e.starts_with("laravels.event_handlers.WorkerStart.0: entries are class names"), "{e}");
    let e = error(json!({"timer": {"jobs": [[1000, "J"]]}}));
    assert!(e.starts_with("laravels.timer.jobs.0: does not start with a class name"), "{e}");
    let e = error(json!({"timer": {"global_lock_ttl": 0}}));
    assert!(e.starts_with("laravels.timer.global_lock_ttl: "), "{e}");
    let e = error(json!({"processes": {"x": {"num": 1}}}));
    assert!(e.starts_with("laravels.processes.x.class: is missing"), "{e}");
    let e = error(json!({"processes": {"x": {"class": "X", "pipe": 3}}}));
    assert!(e.starts_with("laravels.processes.x.pipe: "), "{e}");
    let e = error(json!({"destroy_controllers": "yes"}));
    assert!(e.starts_with("laravels.destroy_controllers: must be an array"), "{e}");
}

/// `PHPUnit` builds the PHP config objects from this view, so the PHP side is tested on the
/// shape Rust really produces. `LARAVELS_BLESS=1` rewrites the fixture.
#[test]
fn the_phpunit_fixture_is_this_view() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/php/Fixtures/config-view.json");
    let rendered = serde_json::to_string_pretty(&view_of(json!({"swoole": {"worker_num": 2}}))).unwrap() + "\n";
    if std::env::var_os("LARAVELS_BLESS").is_some() {
        std::fs::write(path, &rendered).unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == rendered,
        "tests/php/Fixtures/config-view.json is not the view of {{\"swoole\": {{\"worker_num\": 2}}}}; run LARAVELS_BLESS=1 cargo test --release --quiet view"
    );
}
