//! The load generator of bench/websocket.py: WebSocket clients on one tokio thread, so
//! the client takes at most one core and never the server's memory.
//!
//!   `ws_load` echo ADDR PATH CONNS SECONDS SIZE
//!       CONNS connections each send a SIZE-byte text message and wait for its echo, in a
//!       loop, for SECONDS; prints round trips per second as JSON.
//!   `ws_load` hold ADDR PATH CONNS
//!       opens CONNS connections, prints how many, then keeps them idle; each line
//!       `broadcast` on stdin sends `!broadcast bc:N` on the first connection and prints
//!       how long it took until every connection had received `bc:N`. EOF ends.
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Error, Message};
use tokio_tungstenite::WebSocketStream;

type Ws = WebSocketStream<TcpStream>;

/// Handshakes in flight at once while connecting.
const CONNECTING: usize = 200;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: ws_load echo ADDR PATH CONNS SECONDS SIZE | ws_load hold ADDR PATH CONNS";
    let num = |i: usize| args.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or_else(|| panic!("{usage}"));
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (addr, path) = (args.get(1).expect(usage).clone(), args.get(2).expect(usage).clone());
    match args.first().map(String::as_str) {
        Some("echo") => rt.block_on(echo(addr, path, num(3) as usize, num(4), num(5) as usize)),
        Some("hold") => rt.block_on(hold(addr, path, num(3) as usize)),
        _ => panic!("{usage}"),
    }
}

async fn open(addr: String, path: String) -> Result<Ws, Error> {
    let tcp = TcpStream::connect(&addr).await?;
    tcp.set_nodelay(true)?;
    // A small read buffer: the client holds up to 10,000 of them.
    let config = WebSocketConfig::default().read_buffer_size(4096).write_buffer_size(0);
    let (ws, _) = tokio_tungstenite::client_async_with_config(format!("ws://{addr}{path}"), tcp, Some(config)).await?;
    Ok(ws)
}

/// Opens `n` connections, `CONNECTING` at a time; failures are counted, not fatal.
async fn open_all(addr: &str, path: &str, n: usize) -> (Vec<Ws>, usize) {
    let results: Vec<_> = futures_util::stream::iter(0..n).map(|_| open(addr.to_owned(), path.to_owned())).buffer_unordered(CONNECTING).collect().await;
    let failed = results.iter().filter(|r| r.is_err()).count();
    if let Some(Err(e)) = results.iter().find(|r| r.is_err()) {
        eprintln!("ws_load: {failed} connection(s) failed, first: {e}");
    }
    (results.into_iter().filter_map(Result::ok).collect(), failed)
}

async fn echo(addr: String, path: String, conns: usize, seconds: u64, size: usize) {
    let (sockets, failed) = open_all(&addr, &path, conns).await;
    let stop = Arc::new(AtomicBool::new(false));
    let (count, errors) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let payload = "x".repeat(size);
    let started = Instant::now();
    let tasks: Vec<_> = sockets
        .into_iter()
        .map(|mut ws| {
            let (stop, count, errors, payload) = (stop.clone(), count.clone(), errors.clone(), payload.clone());
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    if ws.send(Message::Text(payload.clone().into())).await.is_err() {
                        errors.fetch_add(1, Ordering::Relaxed);
                        return;
                    }
                    match ws.next().await {
                        Some(Ok(Message::Text(t))) if t.len() == size => count.fetch_add(1, Ordering::Relaxed),
                        _ => {
                            errors.fetch_add(1, Ordering::Relaxed);
                            return;
                        }
                    };
                }
                let _ = ws.close(None).await;
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let (done, elapsed) = (count.load(Ordering::Relaxed), started.elapsed().as_secs_f64());
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        let _ = t.await;
    }
    println!(
        "{{\"connections\": {}, \"failed\": {failed}, \"seconds\": {elapsed:.3}, \"round_trips\": {done}, \"per_second\": {:.1}, \"errors\": {}}}",
        conns - failed,
        done as f64 / elapsed,
        errors.load(Ordering::Relaxed)
    );
}

/// What the reader tasks of `hold` report.
enum Seen {
    /// `bc:N` arrived on some connection.
    Broadcast(u64),
    /// The handler's `broadcast sent to N` on the first connection: its loop is done.
    Sent,
}

async fn hold(addr: String, path: String, conns: usize) {
    let started = Instant::now();
    let (sockets, failed) = open_all(&addr, &path, conns).await;
    let connected = sockets.len();
    println!("{{\"connected\": {connected}, \"failed\": {failed}, \"seconds\": {:.3}}}", started.elapsed().as_secs_f64());
    let (tx, mut seen) = mpsc::unbounded_channel();
    let mut sinks = Vec::new();
    for ws in sockets {
        let (sink, mut stream) = ws.split();
        sinks.push(sink);
        let tx = tx.clone();
        tokio::spawn(async move {
            while let Some(Ok(msg)) = stream.next().await {
                if let Message::Text(t) = msg {
                    let event = match t.strip_prefix("bc:") {
                        Some(n) => Seen::Broadcast(n.parse().unwrap_or(0)),
                        None => Seen::Sent,
                    };
                    let _ = tx.send(event);
                }
            }
        });
    }
    // stdin is read on a thread of its own: the runtime has no blocking pool to spare.
    let (lines_tx, mut lines) = mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lines() {
            if lines_tx.send(line.unwrap_or_default()).is_err() {
                break;
            }
        }
    });
    let mut seq = 0;
    while let Some(line) = lines.recv().await {
        if line.trim() != "broadcast" || sinks.is_empty() {
            continue;
        }
        seq += 1;
        let t0 = Instant::now();
        if sinks[0].send(Message::Text(format!("!broadcast bc:{seq}").into())).await.is_err() {
            println!("{{\"error\": \"the first connection is gone\"}}");
            continue;
        }
        // Done when every connection has the message and the handler's reply is in.
        let (mut received, mut last_ms, mut handler_ms) = (0, None, None);
        let deadline = tokio::time::sleep(Duration::from_secs(120));
        tokio::pin!(deadline);
        while received < connected || handler_ms.is_none() {
            let ms = || t0.elapsed().as_secs_f64() * 1000.0;
            tokio::select! {
                event = seen.recv() => match event {
                    Some(Seen::Broadcast(n)) if n == seq => {
                        received += 1;
                        if received == connected {
                            last_ms = Some(ms());
                        }
                    }
                    Some(Seen::Sent) => handler_ms = Some(ms()),
                    Some(Seen::Broadcast(_)) => {}
                    None => break,
                },
                () = &mut deadline => break,
            }
        }
        match (last_ms, handler_ms) {
            (Some(last), Some(handler)) => println!("{{\"received\": {received}, \"broadcast_ms\": {last:.1}, \"handler_done_ms\": {handler:.1}}}"),
            _ => println!("{{\"received\": {received}, \"error\": \"broadcast {seq} incomplete after 120 s\"}}"),
        }
    }
}
