//! The WebSocket frame path (src/reactor/websocket/connection.rs): raw client bytes go
//! into a server-side tungstenite stream with our `config` over an in-memory pipe, and
//! each item read goes through our `read_step`, as `run` does (without PHP: the worker
//! is left out). What reaches a handler is a whole message within package_max_length,
//! text only as UTF-8; a failure is answered with a close frame carrying the code RFC
//! 6455 asks for (1002, 1007 or 1009), which the client side must read back.
#![no_main]

use futures_util::{SinkExt, StreamExt};
use laravels::reactor::websocket::connection::{config, read_step, End, ReadStep};
use laravels::reactor::websocket::opcode;
use libfuzzer_sys::fuzz_target;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role};
use tokio_tungstenite::tungstenite::{Message, WebSocket};
use tokio_tungstenite::WebSocketStream;

fuzz_target!(|data: &[u8]| {
    // The first two bytes pick package_max_length (1 to 65536), the rest is the stream.
    let Some((size, stream)) = data.split_first_chunk::<2>() else { return };
    let max = usize::from(u16::from_le_bytes(*size)) + 1;
    thread_local!(static RT: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread().build().unwrap());
    let (failed, written) = RT.with(|rt| {
        rt.block_on(async {
            let (server, client) = tokio::io::duplex(64 * 1024);
            let (mut client_rd, mut client_wr) = tokio::io::split(client);
            let input = stream.to_vec();
            let writer = tokio::spawn(async move {
                let _ = client_wr.write_all(&input).await;
                let _ = client_wr.shutdown().await;
            });
            let reader = tokio::spawn(async move {
                let mut out = Vec::new();
                let _ = client_rd.read_to_end(&mut out).await;
                out
            });
            let mut ws = WebSocketStream::from_raw_socket(server, Role::Server, Some(config(max))).await;
            let end = loop {
                match read_step(ws.next().await) {
                    ReadStep::Dispatch(op, data) => {
                        assert!(data.len() <= max, "a message of {} bytes passed package_max_length {max}", data.len());
                        match op {
                            opcode::TEXT => assert!(std::str::from_utf8(&data).is_ok(), "a text message that is not UTF-8"),
                            opcode::BINARY => {}
                            other => panic!("opcode {other} dispatched"),
                        }
                    }
                    ReadStep::Flush => {
                        let _ = ws.flush().await;
                    }
                    ReadStep::FlushAndClose => {
                        let _ = ws.flush().await;
                        break End::Closed;
                    }
                    ReadStep::End(end) => break end,
                }
            };
            let failed = match end {
                End::Fail(code, reason) => {
                    let _ = ws.close(Some(CloseFrame { code: CloseCode::from(code), reason: reason.into() })).await;
                    Some(code)
                }
                End::Closed | End::Drop => None,
            };
            drop(ws);
            writer.await.unwrap();
            (failed, reader.await.unwrap())
        })
    });
    let Some(code) = failed else { return };
    assert!([1002, 1007, 1009].contains(&code), "close code {code}");
    // The last thing the server wrote is its close frame with that code.
    let mut client = WebSocket::from_raw_socket(std::io::Cursor::new(written), Role::Client, None);
    let close = loop {
        match client.read() {
            Ok(Message::Close(frame)) => break frame,
            Ok(_) => {}
            Err(e) => panic!("no close frame came back for code {code}: {e}"),
        }
    };
    assert_eq!(close.map(|f| u16::from(f.code)), Some(code));
});
