//! The client of bench/fanout.py: WebSocket connections spread over several instances, on
//! one tokio thread, timing one fan-out at a time to all of them.
//!
//!   `fanout` ws ADDRS PATH CONNS
//!       CONNS connections to the `EchoWebSocket` handler, dealt round-robin over ADDRS
//!       (comma-separated host:port); each `go` line on stdin sends `!pushall bc:N` on
//!       the first connection (so the first instance publishes) and times the delivery.
//!   `fanout` pusher ADDRS KEY CONNS
//!       CONNS Pusher connections (`/app/KEY`) subscribed to the channel `fanout`; each
//!       `go` line requests `GET /broadcast/fanout/bc-N` from the first instance (the
//!       app's `broadcast()` through the `laravels` broadcaster) and times the delivery.
//!
//! After each `go`: one JSON line with how many connections got `bc-N`/`bc:N`, the time
//! to the last one, the median and p99 of the per-connection times, and the time to the
//! last connection of each instance. EOF ends.
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Error, Message};
use tokio_tungstenite::WebSocketStream;

type Ws = WebSocketStream<TcpStream>;

/// Handshakes in flight at once while connecting.
const CONNECTING: usize = 200;

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Ws,
    Pusher,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: fanout ws ADDRS PATH CONNS | fanout pusher ADDRS KEY CONNS";
    let mode = match args.first().map(String::as_str) {
        Some("ws") => Mode::Ws,
        Some("pusher") => Mode::Pusher,
        _ => panic!("{usage}"),
    };
    let addrs: Vec<String> = args.get(1).expect(usage).split(',').map(str::to_owned).collect();
    let path = match mode {
        Mode::Ws => args.get(2).expect(usage).clone(),
        Mode::Pusher => format!("/app/{}?protocol=7&client=fanout&version=1.0", args.get(2).expect(usage)),
    };
    let conns: usize = args.get(3).and_then(|v| v.parse().ok()).expect(usage);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(run(mode, addrs, path, conns));
}

async fn open(mode: Mode, addr: String, path: String) -> Result<Ws, Error> {
    let tcp = TcpStream::connect(&addr).await?;
    tcp.set_nodelay(true)?;
    let config = WebSocketConfig::default().read_buffer_size(4096).write_buffer_size(0);
    let (mut ws, _) = tokio_tungstenite::client_async_with_config(format!("ws://{addr}{path}"), tcp, Some(config)).await?;
    if mode == Mode::Pusher {
        // connection_established, then the subscription's answer.
        ws.next().await.ok_or(Error::ConnectionClosed)??;
        ws.send(Message::text(r#"{"event":"pusher:subscribe","data":{"channel":"fanout"}}"#)).await?;
        ws.next().await.ok_or(Error::ConnectionClosed)??;
    }
    Ok(ws)
}

/// The round number a message carries (`bc:N` or `bc-N`), if any.
fn round_of(text: &str) -> Option<u64> {
    let at = text.find("bc:").or_else(|| text.find("bc-"))? + 3;
    let digits: String = text[at..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

async fn run(mode: Mode, addrs: Vec<String>, path: String, conns: usize) {
    let started = Instant::now();
    let opened: Vec<_> = futures_util::stream::iter(0..conns)
        .map(|i| {
            let at = i % addrs.len();
            let (addr, path) = (addrs[at].clone(), path.clone());
            async move { (at, open(mode, addr, path).await) }
        })
        .buffered(CONNECTING)
        .collect()
        .await;
    let failed = opened.iter().filter(|(_, r)| r.is_err()).count();
    if let Some((_, Err(e))) = opened.iter().find(|(_, r)| r.is_err()) {
        eprintln!("fanout: {failed} connection(s) failed, first: {e}");
    }
    let sockets: Vec<(usize, Ws)> = opened.into_iter().filter_map(|(at, r)| r.ok().map(|ws| (at, ws))).collect();
    let connected = sockets.len();
    println!("{{\"connected\": {connected}, \"failed\": {failed}, \"seconds\": {:.3}}}", started.elapsed().as_secs_f64());
    let (tx, mut seen) = mpsc::unbounded_channel::<(usize, u64, Instant)>();
    let mut first = None;
    for (at, ws) in sockets {
        let (sink, mut stream) = ws.split();
        if first.is_none() {
            first = Some(sink);
        }
        let tx = tx.clone();
        tokio::spawn(async move {
            while let Some(Ok(msg)) = stream.next().await {
                if let Message::Text(t) = msg {
                    if let Some(n) = round_of(t.as_str()) {
                        let _ = tx.send((at, n, Instant::now()));
                    }
                }
            }
        });
    }
    let Some(mut first) = first else { return };
    let (lines_tx, mut lines) = mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lines() {
            if lines_tx.send(line.unwrap_or_default()).is_err() {
                break;
            }
        }
    });
    let mut round = 0;
    while let Some(line) = lines.recv().await {
        if line.trim() != "go" {
            continue;
        }
        round += 1;
        let t0 = Instant::now();
        let sent = match mode {
            Mode::Ws => first.send(Message::text(format!("!pushall bc:{round}"))).await.map_err(|e| e.to_string()),
            Mode::Pusher => http_get(&addrs[0], &format!("/broadcast/fanout/bc-{round}")).await,
        };
        if let Err(e) = sent {
            println!("{{\"error\": {:?}}}", format!("the trigger failed: {e}"));
            continue;
        }
        let mut times: Vec<f64> = Vec::with_capacity(connected);
        let mut last_per_instance = vec![0.0_f64; addrs.len()];
        let deadline = tokio::time::sleep(Duration::from_secs(60));
        tokio::pin!(deadline);
        while times.len() < connected {
            tokio::select! {
                got = seen.recv() => match got {
                    Some((at, n, when)) if n == round => {
                        let ms = when.duration_since(t0).as_secs_f64() * 1000.0;
                        times.push(ms);
                        last_per_instance[at] = last_per_instance[at].max(ms);
                    }
                    Some(_) => {}
                    None => break,
                },
                () = &mut deadline => break,
            }
        }
        times.sort_by(f64::total_cmp);
        let pick = |q: f64| times.get(((times.len() as f64 - 1.0) * q).round() as usize).copied().unwrap_or(f64::NAN);
        let per: Vec<String> = last_per_instance.iter().map(|ms| format!("{ms:.1}")).collect();
        println!(
            "{{\"received\": {}, \"connected\": {connected}, \"last_ms\": {:.1}, \"p50_ms\": {:.1}, \"p99_ms\": {:.1}, \"last_per_instance_ms\": [{}]}}",
            times.len(),
            pick(1.0),
            pick(0.5),
            pick(0.99),
            per.join(", ")
        );
    }
}

/// `GET path` on `addr`, HTTP/1.1 with `Connection: close`; Ok on a 2xx status.
async fn http_get(addr: &str, path: &str) -> Result<(), String> {
    let mut tcp = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    tcp.write_all(request.as_bytes()).await.map_err(|e| e.to_string())?;
    let mut head = vec![0; 64];
    let n = tcp.read(&mut head).await.map_err(|e| e.to_string())?;
    let line = String::from_utf8_lossy(&head[..n]);
    if line.starts_with("HTTP/1.1 2") {
        Ok(())
    } else {
        Err(line.lines().next().unwrap_or("no answer").to_owned())
    }
}
