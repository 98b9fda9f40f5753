//! The master without PHP: a real reactor on 127.0.0.1:0, with workers played by threads
//! that speak the IPC protocol through `WorkerLink` (or raw frames where a test needs to
//! misbehave). Each test talks HTTP/1.1 to it over a plain socket.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixListener;
use std::sync::mpsc as std_mpsc;
use std::thread;
use std::time::{Duration, Instant};

use bytes::Bytes;
use laravels::config::ServerConfig;
use laravels::ipc::{self, Request, ToMaster, ToWorker};
use laravels::pool::{WorkerLimits, WorkerLink};
use laravels::reactor::{self, Command, Listener, MasterParts};
use serde_json::json;
use tokio::sync::mpsc;

struct TestServer {
    port: u16,
    socket: String,
    commands: mpsc::Sender<Command>,
    done: std_mpsc::Receiver<i32>,
}

impl TestServer {
    /// Starts a master with `settings` merged over a small test config.
    fn start(settings: serde_json::Value) -> Self {
        let mut config = json!({"listen_ip": "127.0.0.1", "listen_port": 0, "swoole": {"worker_num": 1, "max_wait_time": 5, "reactor_num": 2}});
        merge(&mut config, settings);
        let config = ServerConfig::parse(&config, "/tmp").expect("valid test config");
        let listener = Listener::bind(&config).unwrap();
        let port = listener.port();
        let socket = format!("laravels-test/{}/{port}", std::process::id());
        let ipc = UnixListener::bind_addr(&ipc::address::socket_addr(&socket).unwrap()).unwrap();
        ipc.set_nonblocking(true).unwrap();
        let (tx, rx) = mpsc::channel(4);
        let (done_tx, done) = std_mpsc::channel();
        thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
            let clients = std::sync::Arc::new(laravels::clients::Clients::new(64).unwrap());
            let parts = MasterParts { listener, ipc, manager: None, on_ready: Box::new(|_| {}), clients, extra: Vec::new(), handover: None };
            let code = rt.block_on(reactor::serve(config, parts, rx));
            let _ = done_tx.send(code);
        });
        TestServer { port, socket, commands: tx, done }
    }

    /// A worker thread that answers each request with `handler`, until told to leave.
    fn worker(&self, id: u32, limits: WorkerLimits, handler: impl Fn(&mut WorkerLink, Request) + Send + 'static) -> thread::JoinHandle<u64> {
        let socket = self.socket.clone();
        thread::spawn(move || {
            let mut link = WorkerLink::connect(&socket, id, limits).expect("connect");
            while let Some(message) = link.recv().expect("recv") {
                match message {
                    ToWorker::Request(req) => handler(&mut link, req),
                    other => panic!("unexpected {other:?}"),
                }
            }
            link.served()
        })
    }

    fn stop(self) -> i32 {
        self.commands.blocking_send(Command::Stop { exit_code: 0 }).unwrap();
        self.done.recv_timeout(Duration::from_secs(15)).expect("server stopped")
    }
}

fn merge(base: &mut serde_json::Value, over: serde_json::Value) {
    match (base, over) {
        (serde_json::Value::Object(b), serde_json::Value::Object(o)) => {
            for (k, v) in o {
                merge(b.entry(k).or_insert(serde_json::Value::Null), v);
            }
        }
        (b, o) => *b = o,
    }
}

fn echo_uri(link: &mut WorkerLink, req: Request) {
    let body = format!("{} {}", req.head.method, req.head.uri);
    link.respond(200, None, vec![("Content-Type".into(), Bytes::from_static(b"text/plain"))], body.into()).unwrap();
}

/// Sends raw bytes on a new connection and reads one response (head and body).
fn exchange(port: u16, raw: &[u8]) -> (u16, String, Vec<u8>) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(raw).unwrap();
    read_response(&mut s)
}

fn read_response(s: &mut TcpStream) -> (u16, String, Vec<u8>) {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if s.read(&mut byte).unwrap() == 0 {
            break;
        }
        buf.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buf).to_string();
    let status = head.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let lower = head.to_ascii_lowercase();
    let mut body = Vec::new();
    if let Some(len) = lower.lines().find_map(|l| l.strip_prefix("content-length: ")) {
        body.resize(len.trim().parse().unwrap(), 0);
        s.read_exact(&mut body).unwrap();
    } else if lower.contains("transfer-encoding: chunked") {
        loop {
            let mut line = Vec::new();
            while !line.ends_with(b"\r\n") {
                s.read_exact(&mut byte).unwrap();
                line.push(byte[0]);
            }
            let n = usize::from_str_radix(String::from_utf8_lossy(&line).trim(), 16).unwrap();
            let mut chunk = vec![0; n + 2];
            s.read_exact(&mut chunk).unwrap();
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
    }
    (status, head, body)
}

fn get(port: u16, path: &str) -> (u16, String, Vec<u8>) {
    exchange(port, format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
}

#[test]
fn requests_reach_a_worker_and_keep_alive_works() {
    let server = TestServer::start(json!({}));
    let worker = server.worker(0, WorkerLimits::default(), echo_uri);
    let mut s = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    for path in ["/a?x=1", "/b"] {
        s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes()).unwrap();
        let (status, head, body) = read_response(&mut s);
        assert_eq!(status, 200, "{head}");
        assert_eq!(String::from_utf8(body).unwrap(), format!("GET {path}"));
    }
    assert_eq!(server.stop(), 0);
    assert_eq!(worker.join().unwrap(), 2, "the worker served both requests and left on stop");
}

#[test]
fn a_worker_that_dies_mid_request_gives_502_at_once() {
    let server = TestServer::start(json!({}));
    let socket = server.socket.clone();
    // A worker that takes a request and vanishes without answering.
    thread::spawn(move || {
        let mut link = WorkerLink::connect(&socket, 0, WorkerLimits::default()).unwrap();
        let _ = link.recv().unwrap();
    });
    let started = Instant::now();
    let (status, _, _) = get(server.port, "/crash");
    assert_eq!(status, 502);
    assert!(started.elapsed() < Duration::from_secs(2), "502 must not wait for a timeout");
    server.stop();
}

#[test]
fn a_request_past_max_request_time_gets_504_and_its_worker_is_killed() {
    let server = TestServer::start(json!({"swoole": {"max_request_time": 1}}));
    // The worker says it is a `sleep` process, so the master's kill lands on that.
    let mut victim = std::process::Command::new("sleep").arg("30").spawn().unwrap();
    let socket = server.socket.clone();
    let pid = victim.id();
    thread::spawn(move || {
        let mut s = std::os::unix::net::UnixStream::connect_addr(&ipc::address::socket_addr(&socket).unwrap()).unwrap();
        s.write_all(&ipc::encode_to_master(&ToMaster::Hello { worker_id: 0, pid, forked_at: 0 })).unwrap();
        thread::sleep(Duration::from_secs(5));
    });
    let started = Instant::now();
    let (status, _, _) = get(server.port, "/slow");
    assert_eq!(status, 504);
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(900) && waited < Duration::from_secs(3), "{waited:?}");
    let status = victim.wait().unwrap();
    assert_eq!(std::os::unix::process::ExitStatusExt::signal(&status), Some(9), "the worker was SIGKILLed");
    server.stop();
}

#[test]
fn max_request_time_counts_from_when_the_request_was_queued() {
    let server = TestServer::start(json!({"swoole": {"max_request_time": 1}}));
    let mut victim = std::process::Command::new("sleep").arg("30").spawn().unwrap();
    let (socket, pid) = (server.socket.clone(), victim.id());
    // One worker: it answers the first request after 800 ms, then stalls on the second,
    // which waited in the queue meanwhile.
    thread::spawn(move || {
        let mut s = std::os::unix::net::UnixStream::connect_addr(&ipc::address::socket_addr(&socket).unwrap()).unwrap();
        s.write_all(&ipc::encode_to_master(&ToMaster::Hello { worker_id: 0, pid, forked_at: 0 })).unwrap();
        let mut len = [0u8; 4];
        s.read_exact(&mut len).unwrap();
        s.read_exact(&mut vec![0; u32::from_le_bytes(len) as usize]).unwrap();
        thread::sleep(Duration::from_millis(800));
        let answer = ToMaster::Response {
            status: 200,
            reason: None,
            headers: vec![],
            body: Bytes::from_static(b"first"),
            complete: true,
            retire: laravels::ipc::Retire::Stays,
        };
        s.write_all(&ipc::encode_to_master(&answer)).unwrap();
        thread::sleep(Duration::from_secs(5));
    });
    let port = server.port;
    let first = thread::spawn(move || get(port, "/first").0);
    thread::sleep(Duration::from_millis(100));
    let queued = Instant::now();
    assert_eq!(get(server.port, "/second").0, 504);
    let waited = queued.elapsed();
    assert!(waited >= Duration::from_millis(900) && waited < Duration::from_millis(1500), "504 at the queued request's deadline: {waited:?}");
    // The worker took the second request 700 ms after it was queued: it is killed at the
    // request's deadline, not a whole max_request_time after it took it.
    let killed = (0..40).find_map(|_| {
        victim.try_wait().unwrap().or_else(|| {
            thread::sleep(Duration::from_millis(10));
            None
        })
    });
    assert!(killed.is_some(), "the worker is killed when the client gets its 504");
    assert_eq!(std::os::unix::process::ExitStatusExt::signal(&killed.unwrap()), Some(9));
    assert_eq!(first.join().unwrap(), 200);
    server.stop();
}

#[test]
fn limits_are_answered_by_the_master() {
    let server = TestServer::start(json!({"swoole": {"package_max_length": 1000, "max_header_size": 8192}}));
    let _worker = server.worker(0, WorkerLimits::default(), echo_uri);
    let big = "x".repeat(2000);
    let (status, _, _) = exchange(server.port, format!("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n\r\n{big}").as_bytes());
    assert_eq!(status, 413, "declared length over package_max_length");
    let chunked = format!("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n7d0\r\n{big}\r\n0\r\n\r\n");
    assert_eq!(exchange(server.port, chunked.as_bytes()).0, 413, "streamed body over package_max_length");
    let huge_header = format!("GET / HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n", "y".repeat(20_000));
    assert_eq!(exchange(server.port, huge_header.as_bytes()).0, 431);
    assert_eq!(exchange(server.port, b"GARBAGE\r\n\r\n").0, 400);
    assert_eq!(get(server.port, "/still-fine").0, 200, "the server goes on after bad requests");
    server.stop();
}

#[test]
fn streamed_responses_arrive_chunk_by_chunk() {
    let server = TestServer::start(json!({}));
    let (go_tx, go_rx) = std_mpsc::channel::<()>();
    let go_rx = std::sync::Mutex::new(go_rx);
    let _worker = server.worker(0, WorkerLimits::default(), move |link, _req| {
        link.start_stream(200, None, vec![]).unwrap();
        link.write(Bytes::from_static(b"first;")).unwrap();
        // The second chunk waits until the client has seen the first.
        go_rx.lock().unwrap().recv().unwrap();
        link.write(Bytes::from_static(b"second")).unwrap();
        link.end().unwrap();
    });
    let mut s = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    while !String::from_utf8_lossy(&seen).contains("first;") {
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0, "connection closed early");
        seen.extend_from_slice(&buf[..n]);
    }
    go_tx.send(()).unwrap();
    while !String::from_utf8_lossy(&seen).contains("\r\n0\r\n\r\n") {
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0);
        seen.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&seen);
    assert!(text.to_ascii_lowercase().contains("transfer-encoding: chunked"), "{text}");
    assert!(text.contains("second"));
    server.stop();
}

#[test]
fn a_retiring_worker_gets_no_more_requests() {
    let server = TestServer::start(json!({"swoole": {"worker_num": 2, "dispatch_mode": 3}}));
    let first = server.worker(0, WorkerLimits { max_request: 1, memory_limit: None }, echo_uri);
    assert_eq!(get(server.port, "/one").0, 200);
    assert_eq!(first.join().unwrap(), 1, "worker 0 left after max_request");
    let second = server.worker(1, WorkerLimits::default(), echo_uri);
    for _ in 0..3 {
        assert_eq!(get(server.port, "/more").0, 200);
    }
    server.stop();
    assert_eq!(second.join().unwrap(), 3);
}

#[test]
fn reload_replaces_workers_without_losing_queued_requests() {
    let server = TestServer::start(json!({}));
    let old = server.worker(0, WorkerLimits::default(), echo_uri);
    assert_eq!(get(server.port, "/before").0, 200);
    server.commands.blocking_send(Command::Reload).unwrap();
    assert_eq!(old.join().unwrap(), 1, "the old worker was told to leave");
    // A request arriving while no worker is connected waits for the new one.
    let port = server.port;
    let pending = thread::spawn(move || get(port, "/during"));
    thread::sleep(Duration::from_millis(200));
    let _new = server.worker(0, WorkerLimits::default(), echo_uri);
    let (status, _, body) = pending.join().unwrap();
    assert_eq!((status, body), (200, b"GET /during".to_vec()));
    server.stop();
}

#[test]
fn dispatch_mode_2_keeps_a_connection_on_one_worker() {
    let server = TestServer::start(json!({"swoole": {"worker_num": 2, "dispatch_mode": 2}}));
    for id in 0..2 {
        server.worker(id, WorkerLimits::default(), move |link, _req| {
            link.respond(200, None, vec![], Bytes::from(format!("worker {id}"))).unwrap();
        });
    }
    let mut s = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    let mut answers = Vec::new();
    for _ in 0..4 {
        s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        answers.push(read_response(&mut s).2);
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "{answers:?}");
    server.stop();
}

#[test]
fn multipart_files_are_spooled_to_disk_and_removed_after_the_request() {
    let dir = std::env::temp_dir().join(format!("laravels-upload-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let server = TestServer::start(json!({"swoole": {"upload_tmp_dir": dir.to_str().unwrap()}}));
    let (seen_tx, seen_rx) = std_mpsc::channel();
    let seen_tx = std::sync::Mutex::new(seen_tx);
    let _worker = server.worker(0, WorkerLimits::default(), move |link, req| {
        let form = req.form.expect("a parsed form");
        let file = &form.files[0];
        let content = std::fs::read(&file.path).unwrap();
        seen_tx.lock().unwrap().send((form.fields.clone(), file.clone(), content, req.body.len())).unwrap();
        link.respond(200, None, vec![], Bytes::new()).unwrap();
    });
    let payload: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
    let mut body = Vec::new();
    body.extend_from_slice(b"--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nhello\r\n");
    body.extend_from_slice(b"--XyZ\r\nContent-Disposition: form-data; name=\"photos[]\"; filename=\"a.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n");
    body.extend_from_slice(&payload);
    body.extend_from_slice(b"\r\n--XyZ--\r\n");
    let mut raw =
        format!("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: {}\r\n\r\n", body.len()).into_bytes();
    raw.extend_from_slice(&body);
    assert_eq!(exchange(server.port, &raw).0, 200);
    let (fields, file, content, body_len) = seen_rx.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(fields, vec![("title".to_owned(), Bytes::from_static(b"hello"))]);
    assert_eq!((file.field.as_str(), file.filename.as_str(), file.size), ("photos[]", "a.bin", 100_000));
    assert!(file.path.starts_with(dir.to_str().unwrap()));
    assert_eq!(content, payload, "the spooled file holds the exact bytes");
    assert_eq!(body_len, 0, "the raw multipart body is not sent along");
    thread::sleep(Duration::from_millis(100));
    assert!(!std::path::Path::new(&file.path).exists(), "the spooled file is removed after the request");
    server.stop();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn static_files_are_served_by_the_master_and_dot_files_are_not() {
    let root = std::env::temp_dir().join(format!("laravels-static-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("a.css"), "body{}").unwrap();
    std::fs::write(root.join(".env"), "SECRET=1").unwrap();
    let server = TestServer::start(json!({"handle_static": true, "swoole": {"document_root": root.to_str().unwrap()}}));
    let _worker = server.worker(0, WorkerLimits::default(), |link, _req| {
        link.respond(404, None, vec![], Bytes::from_static(b"from the app")).unwrap();
    });
    let (status, head, body) = get(server.port, "/a.css");
    assert_eq!((status, body.as_slice()), (200, b"body{}".as_slice()));
    assert!(head.to_ascii_lowercase().contains("content-type: text/css"), "{head}");
    let etag = head.lines().find_map(|l| l.strip_prefix("etag: ")).unwrap().to_owned();
    let (status, _, _) = exchange(server.port, format!("GET /a.css HTTP/1.1\r\nHost: x\r\nIf-None-Match: {etag}\r\n\r\n").as_bytes());
    assert_eq!(status, 304);
    let (status, head, body) = exchange(server.port, b"GET /a.css HTTP/1.1\r\nHost: x\r\nRange: bytes=1-3\r\n\r\n");
    assert_eq!((status, body.as_slice()), (206, b"ody".as_slice()), "{head}");
    for path in ["/.env", "/%2eenv", "/../etc/passwd"] {
        let (status, _, body) = get(server.port, path);
        assert_eq!((status, body.as_slice()), (404, b"from the app".as_slice()), "{path} went to the app");
    }
    server.stop();
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn a_worker_that_dies_while_idle_costs_no_request() {
    let server = TestServer::start(json!({"swoole": {"worker_num": 2}}));
    // Worker 0 connects and dies without ever taking a request.
    let socket = server.socket.clone();
    thread::spawn(move || {
        let _link = WorkerLink::connect(&socket, 0, WorkerLimits::default()).unwrap();
    })
    .join()
    .unwrap();
    let _alive = server.worker(1, WorkerLimits::default(), echo_uri);
    thread::sleep(Duration::from_millis(100));
    for _ in 0..4 {
        assert_eq!(get(server.port, "/after").0, 200);
    }
    server.stop();
}

#[test]
fn a_request_no_worker_takes_gets_504_at_max_request_time() {
    let server = TestServer::start(json!({"swoole": {"max_request_time": 1}}));
    let started = Instant::now();
    let (status, _, _) = get(server.port, "/nobody-home");
    assert_eq!(status, 504);
    assert!(started.elapsed() < Duration::from_secs(3));
    server.stop();
}

#[test]
fn connections_past_max_connection_get_503() {
    let server = TestServer::start(json!({"swoole": {"max_connection": 1}}));
    let _worker = server.worker(0, WorkerLimits::default(), echo_uri);
    let mut first = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    first.write_all(b"GET /held HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    assert_eq!(read_response(&mut first).0, 200, "the first connection is served and kept open");
    let (status, head, _) = get(server.port, "/second");
    assert_eq!(status, 503, "{head}");
    drop(first);
    thread::sleep(Duration::from_millis(100));
    assert_eq!(get(server.port, "/after").0, 200, "a slot frees when a connection closes");
    server.stop();
}

#[test]
fn an_idle_worker_may_deliver_a_task_and_keeps_serving() {
    // Between requests a worker's timer may speak first: the master answers the delivery
    // (refused here: no task workers) instead of taking the frame for a dead worker.
    let server = TestServer::start(json!({}));
    let socket = server.socket.clone();
    let worker = thread::spawn(move || {
        let mut link = WorkerLink::connect(&socket, 0, WorkerLimits::default()).unwrap();
        assert!(!link.deliver_task(Bytes::from_static(b"task"), false, 0).unwrap());
        assert!(!link.poll_input(Duration::from_millis(50)).unwrap(), "nothing came");
        while !link.poll_input(Duration::from_millis(50)).unwrap() {}
        match link.recv().unwrap() {
            Some(ToWorker::Request(req)) => echo_uri(&mut link, req),
            other => panic!("unexpected {other:?}"),
        }
    });
    thread::sleep(Duration::from_millis(200));
    assert_eq!(get(server.port, "/after-delivery").2, b"GET /after-delivery");
    worker.join().unwrap();
    server.stop();
}
