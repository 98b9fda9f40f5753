//! TCP echo for the benchmarks: a plain tokio echo server (the reference), and a client
//! that keeps N connections each doing request/response round trips and prints the total.
//!
//!     tcp_echo server PORT THREADS
//!     tcp_echo client PORT CONNECTIONS SECONDS [MESSAGE_BYTES]   -> "round_trips_per_second N"

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize, default: u64| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default);
    match args.get(1).map(String::as_str) {
        Some("server") => {
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(arg(3, 1) as usize).enable_all().build().unwrap();
            rt.block_on(server(arg(2, 7000) as u16));
        }
        Some("client") => {
            let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
            let n = rt.block_on(client(arg(2, 7000) as u16, arg(3, 64) as usize, Duration::from_secs(arg(4, 5)), arg(5, 64) as usize));
            println!("round_trips_per_second {n:.0}");
        }
        _ => eprintln!("usage: tcp_echo server PORT THREADS | tcp_echo client PORT CONNECTIONS SECONDS [BYTES]"),
    }
}

async fn server(port: u16) {
    let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
    loop {
        let (mut stream, _) = listener.accept().await.unwrap();
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let mut buf = vec![0u8; 16384];
            while let Ok(n) = stream.read(&mut buf).await {
                if n == 0 || stream.write_all(&buf[..n]).await.is_err() {
                    break;
                }
            }
        });
    }
}

async fn client(port: u16, conns: usize, length: Duration, bytes: usize) -> f64 {
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + length;
    let mut tasks = Vec::new();
    for _ in 0..conns {
        let done = done.clone();
        tasks.push(tokio::spawn(async move {
            let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)).await else { return };
            let _ = stream.set_nodelay(true);
            let message = vec![b'x'; bytes];
            let mut buf = vec![0u8; bytes];
            while Instant::now() < deadline {
                if stream.write_all(&message).await.is_err() || stream.read_exact(&mut buf).await.is_err() {
                    return;
                }
                done.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    let started = Instant::now();
    for t in tasks {
        let _ = t.await;
    }
    done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}
