//! One Pusher connection, served by the master alone: the handshake is answered here (no
//! worker, no `onOpen`), then `connection_established`, subscriptions, pings and client
//! events on the connection's own task. What it is sent (its own replies included) goes
//! through its queue in the connection registry, so replies and publications reach the
//! client in the order they were queued.
//!
//! Its row in the client list stays a plain connection (not an established WebSocket),
//! so `$server->push()` and loops over `$server->connections` leave it alone.

use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use hyper::header::{HeaderValue, CONNECTION, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY, SEC_WEBSOCKET_VERSION, UPGRADE};
use hyper::upgrade::Upgraded;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::sync::OwnedSemaphorePermit;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use super::channels::PresenceUser;
use super::protocol::{ChannelKind, ClientMessage, ErrorCode, ServerMessage};
use super::relay::{self, Relay};
use super::{auth, publish, tell_channel, Publication};
use crate::reactor::body::ResponseBody;
use crate::reactor::http::{self, ConnInfo};
use crate::reactor::websocket::connection;
use crate::reactor::websocket::handshake::{self, HandshakeError};
use crate::reactor::websocket::opcode;
use crate::reactor::websocket::registry::{Mailbox, Outbound};
use crate::reactor::Shared;

type Socket = WebSocketStream<TokioIo<Upgraded>>;

/// How long a client has to answer our `pusher:ping` (the protocol recommends 30 s).
const PONG_WAIT: Duration = Duration::from_secs(30);

/// Answers a WebSocket request on the Pusher path with 101 and serves the connection.
/// `key` is the app key in the path; a wrong one is told 4001 once connected, as the
/// protocol says, and `protocol` versions other than 5 to 7 are told 4007.
pub fn open(mut req: Request<hyper::body::Incoming>, shared: &Arc<Shared>, conn: &Arc<ConnInfo>, key: &str) -> Response<ResponseBody> {
    if let Err(e) = handshake::check(&req) {
        let mut resp = http::error(e.status(), &e.to_string());
        if e == HandshakeError::WsVersion {
            resp.headers_mut().insert(SEC_WEBSOCKET_VERSION, HeaderValue::from_static("13"));
        }
        return resp;
    }
    let refusal = refusal(shared, key, req.uri().query());
    let on_upgrade = hyper::upgrade::on(&mut req);
    let accept = req.headers().get(SEC_WEBSOCKET_KEY).map(|k| derive_accept_key(k.as_bytes()));
    let mut resp = Response::new(ResponseBody::empty());
    *resp.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let headers = resp.headers_mut();
    headers.insert(UPGRADE, HeaderValue::from_static("websocket"));
    headers.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
    if let Some(accept) = accept.and_then(|k| HeaderValue::from_str(&k).ok()) {
        headers.insert(SEC_WEBSOCKET_ACCEPT, accept);
    }
    let fd = conn.id;
    let mailbox = shared.sockets.register(fd);
    conn.upgraded.store(true, Ordering::SeqCst);
    let permit = conn.permit.lock().take();
    let shared = shared.clone();
    tokio::spawn(async move {
        if let Ok(upgraded) = on_upgrade.await {
            run(upgraded, fd, mailbox, &shared, refusal).await;
        } else {
            drop(mailbox);
        }
        shared.sockets.unregister(fd);
        shared.clients.close(fd);
        drop::<Option<OwnedSemaphorePermit>>(permit);
    });
    resp
}

/// Why a connection is refused once open: the app key, or the protocol version.
fn refusal(shared: &Shared, key: &str, query: Option<&str>) -> Option<(ErrorCode, String)> {
    let pusher = shared.pusher.as_ref()?;
    if key != pusher.config.key {
        return Some((ErrorCode::AppDoesNotExist, format!("App key {key} does not exist")));
    }
    let version = query.unwrap_or("").split('&').find_map(|pair| pair.strip_prefix("protocol="));
    match version.map(str::parse::<u32>) {
        None | Some(Ok(5..=7)) => None,
        Some(_) => Some((ErrorCode::UnsupportedProtocol, "Unsupported protocol version; this server speaks 5 to 7".to_owned())),
    }
}

/// A connection's own state: its socket id and the channels it subscribes to.
struct Session<'a> {
    shared: &'a Shared,
    fd: u64,
    socket_id: Arc<str>,
    channels: HashSet<String>,
}

async fn run(upgraded: Upgraded, fd: u64, mailbox: Mailbox, shared: &Shared, refusal: Option<(ErrorCode, String)>) {
    let Some(pusher) = &shared.pusher else { return };
    let mut ws = WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(connection::config(shared.config.package_max_length))).await;
    if let Some((code, message)) = refusal {
        let _ = ws.send(Message::text(ServerMessage::Error { code: Some(code), message: &message }.to_json())).await;
        close(&mut ws, code as u16, &message).await;
        return;
    }
    // "<int>.<int>": random, then the connection's number, so no two are alike.
    let socket_id: Arc<str> = Arc::from(format!("{}.{fd}", fastrand::u32(1..=999_999_999)));
    let mut session = Session { shared, fd, socket_id, channels: HashSet::new() };
    let timeout = pusher.config.activity_timeout;
    session.send(&ServerMessage::ConnectionEstablished { socket_id: &session.socket_id, activity_timeout: timeout.as_secs() });
    let idle = tokio::time::sleep(timeout);
    tokio::pin!(idle);
    let mut pinged = false;
    loop {
        tokio::select! {
            out = mailbox.recv() => match out {
                Outbound::Message { opcode, data } => {
                    mailbox.written(data.len());
                    if write(&mut ws, opcode, data).await.is_err() {
                        break;
                    }
                    // Whatever else is queued goes in the same flush.
                    let mut failed = false;
                    while let Some(Outbound::Message { opcode, data }) = mailbox.try_recv() {
                        mailbox.written(data.len());
                        failed |= write(&mut ws, opcode, data).await.is_err();
                    }
                    if failed || ws.flush().await.is_err() {
                        break;
                    }
                }
                Outbound::Close { code, reason } => {
                    close(&mut ws, code, &reason).await;
                    break;
                }
                Outbound::Drop => break,
            },
            () = &mut idle => {
                if pinged {
                    let message = "Pong reply not received";
                    let _ = ws.send(Message::text(ServerMessage::Error { code: Some(ErrorCode::PongNotReceived), message }.to_json())).await;
                    close(&mut ws, ErrorCode::PongNotReceived as u16, message).await;
                    break;
                }
                pinged = true;
                session.send(&ServerMessage::Ping);
                idle.as_mut().reset(tokio::time::Instant::now() + PONG_WAIT);
            }
            incoming = ws.next() => {
                pinged = false;
                idle.as_mut().reset(tokio::time::Instant::now() + timeout);
                match incoming {
                    Some(Ok(Message::Text(text))) => session.handle(text.as_str()),
                    Some(Ok(Message::Binary(_))) => session.send(&ServerMessage::Error { code: None, message: "binary messages are not supported" }),
                    Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {
                        let _ = ws.flush().await;
                    }
                    Some(Ok(Message::Close(_))) => {
                        let _ = ws.flush().await;
                        break;
                    }
                    Some(Err(_)) | None => break,
                }
            }
        }
    }
    session.leave_all();
}

async fn write(ws: &mut Socket, op: u8, data: Bytes) -> Result<(), tokio_tungstenite::tungstenite::Error> {
    let message = match (op, tokio_tungstenite::tungstenite::Utf8Bytes::try_from(data.clone())) {
        (opcode::TEXT, Ok(text)) => Message::Text(text),
        _ => Message::Binary(data),
    };
    ws.feed(message).await
}

async fn close(ws: &mut Socket, code: u16, reason: &str) {
    let _ = ws.close(Some(CloseFrame { code: CloseCode::from(code), reason: reason.to_owned().into() })).await;
    let _ = tokio::time::timeout(Duration::from_secs(3), async { while let Some(Ok(_)) = ws.next().await {} }).await;
}

impl Session<'_> {
    fn pusher(&self) -> &super::Pusher {
        self.shared.pusher.as_ref().expect("a Pusher session runs only with websocket.pusher on")
    }

    /// Queues a message for this connection, behind what is already queued.
    fn send(&self, message: &ServerMessage<'_>) {
        self.shared.sockets.push(self.fd, opcode::TEXT, Bytes::from(message.to_json()), self.shared.config.buffer_output_size);
    }

    fn error(&self, code: Option<ErrorCode>, message: &str) {
        self.send(&ServerMessage::Error { code, message });
    }

    fn handle(&mut self, text: &str) {
        match ClientMessage::parse(text) {
            Ok(ClientMessage::Ping) => self.send(&ServerMessage::Pong),
            Ok(ClientMessage::Pong | ClientMessage::Other(_)) => {}
            Ok(ClientMessage::Subscribe { channel, auth, channel_data }) => self.subscribe(&channel, auth.as_deref(), channel_data.as_deref()),
            Ok(ClientMessage::Unsubscribe { channel }) => self.unsubscribe(&channel),
            Ok(ClientMessage::ClientEvent { event, channel, data }) => self.client_event(event, &channel, data),
            Err(e) => self.error(None, &e.to_string()),
        }
    }

    fn subscribe(&mut self, channel: &str, auth: Option<&str>, channel_data: Option<&str>) {
        let kind = ChannelKind::of(channel);
        let config = &self.pusher().config;
        let user = if kind == ChannelKind::Public {
            None
        } else {
            let signed_data = if kind == ChannelKind::Presence { channel_data } else { None };
            let valid = auth.is_some_and(|auth| auth::verify_subscription(&config.key, &config.secret, &self.socket_id, channel, signed_data, auth));
            if !valid {
                return self.refuse(channel, "Invalid signature: the auth does not sign this socket_id and channel with the app's secret");
            }
            match (kind, signed_data.map(PresenceUser::parse)) {
                (ChannelKind::Presence, Some(Some(user))) => Some(user),
                (ChannelKind::Presence, _) => return self.refuse(channel, "A presence subscription needs channel_data with a user_id"),
                _ => None,
            }
        };
        let announce = user.clone();
        let joined = self.pusher().channels.subscribe(channel, self.fd, &self.socket_id, user);
        self.channels.insert(channel.to_owned());
        self.send(&ServerMessage::SubscriptionSucceeded { channel, data: joined.data });
        let Some(user) = announce else { return };
        if joined.member_added {
            let added = ServerMessage::MemberAdded { channel, user_id: &user.id, user_info: &user.info }.to_json();
            tell_channel(self.shared, channel, &added, Some(self.fd));
        }
        if joined.first_here {
            relay::forward(self.shared, &Relay::Joined { channel: channel.to_owned(), user_id: user.id, user_info: user.info });
        }
    }

    fn refuse(&self, channel: &str, message: &str) {
        self.send(&ServerMessage::SubscriptionError { channel, message });
        self.error(Some(ErrorCode::Unauthorized), message);
    }

    fn unsubscribe(&mut self, channel: &str) {
        self.channels.remove(channel);
        let Some(departure) = self.pusher().channels.unsubscribe(channel, self.fd) else { return };
        if departure.gone {
            let removed = ServerMessage::MemberRemoved { channel, user_id: &departure.user_id }.to_json();
            tell_channel(self.shared, channel, &removed, Some(self.fd));
        }
        if departure.last_here {
            relay::forward(self.shared, &Relay::Left { channel: channel.to_owned(), user_id: departure.user_id });
        }
    }

    fn client_event(&self, event: String, channel: &str, data: serde_json::Value) {
        if !self.pusher().config.client_events {
            return self.error(Some(ErrorCode::ClientEventRejected), "Client events are not enabled (websocket.pusher.client_events)");
        }
        if ChannelKind::of(channel) == ChannelKind::Public {
            return self.error(Some(ErrorCode::ClientEventRejected), "Client events are allowed on private and presence channels only");
        }
        let Some(user_id) = self.pusher().channels.subscription(channel, self.fd) else {
            return self.error(Some(ErrorCode::Unauthorized), "Client events need a subscription to the channel");
        };
        let publication = Publication { channels: vec![channel.to_owned()], event, data, except: Some(self.socket_id.to_string()), user_id };
        publish(self.shared, &publication);
    }

    /// The connection ended: it leaves every channel (presence members may leave too).
    fn leave_all(&mut self) {
        for channel in std::mem::take(&mut self.channels) {
            self.unsubscribe(&channel);
        }
    }
}
