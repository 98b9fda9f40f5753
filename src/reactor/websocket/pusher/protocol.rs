//! The messages of the Pusher protocol (version 7): what a client may send, parsed into
//! `ClientMessage`, and what the server sends, built from `ServerMessage`. Every message is
//! a JSON object with an `event`; the server's `data` is a JSON-encoded string except in
//! `pusher:error`, whose `data` is an object.

use serde::Deserialize;
use serde_json::{json, Value};

/// The codes of `pusher:error` this server sends, as the protocol numbers them: 4000-4099
/// the client must not reconnect, 4100-4199 it may after a pause, 4200-4299 at once,
/// 4300-4399 other errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// 4001: no app with the key the client connected with.
    AppDoesNotExist = 4001,
    /// 4007: a `protocol` version this server does not speak.
    UnsupportedProtocol = 4007,
    /// 4009: the connection is not authorized (a subscription's signature, a client event
    /// it may not send).
    Unauthorized = 4009,
    /// 4200: a generic error; the client may reconnect at once.
    Reconnect = 4200,
    /// 4201: the client did not answer the server's ping in time.
    PongNotReceived = 4201,
    /// 4301: a client event was refused (client events are off, or the channel is public).
    ClientEventRejected = 4301,
}

/// What a client sent.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientMessage {
    /// `pusher:ping`: answer `pusher:pong`.
    Ping,
    /// `pusher:pong`: the answer to our ping.
    Pong,
    /// `pusher:subscribe`.
    Subscribe {
        /// The channel's name.
        channel: String,
        /// `key:signature` for private and presence channels.
        auth: Option<String>,
        /// Presence channels: the JSON string the signature also covers.
        channel_data: Option<String>,
    },
    /// `pusher:unsubscribe`.
    Unsubscribe {
        /// The channel's name.
        channel: String,
    },
    /// A `client-*` event for the other subscribers of `channel`.
    ClientEvent {
        /// The event's name, `client-` included.
        event: String,
        /// The channel it is for.
        channel: String,
        /// Its data, forwarded as it came.
        data: Value,
    },
    /// Any other event (`pusher:signin`, a future one): ignored.
    Other(String),
}

/// Why a client's text is not a message.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ParseError {
    /// Not a JSON object with a string `event`.
    #[error("a message must be a JSON object with an event")]
    NotAnEvent,
    /// A subscribe, unsubscribe or client event without its channel.
    #[error("{0} needs a channel")]
    NoChannel(String),
}

#[derive(Deserialize)]
struct Envelope {
    event: String,
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    data: Value,
}

impl ClientMessage {
    /// Parses one text message.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let envelope: Envelope = serde_json::from_str(text).map_err(|_| ParseError::NotAnEvent)?;
        // Some clients send `data` JSON-encoded, as the server does.
        let data = match envelope.data {
            Value::String(s) if s.starts_with('{') => serde_json::from_str(&s).unwrap_or(Value::String(s)),
            other => other,
        };
        let field = |name: &str| data.get(name).and_then(Value::as_str).map(str::to_owned);
        let no_channel = || ParseError::NoChannel(envelope.event.clone());
        Ok(match envelope.event.as_str() {
            "pusher:ping" => ClientMessage::Ping,
            "pusher:pong" => ClientMessage::Pong,
            "pusher:subscribe" => ClientMessage::Subscribe {
                channel: field("channel").filter(|c| !c.is_empty()).ok_or_else(no_channel)?,
                auth: field("auth"),
                channel_data: field("channel_data"),
            },
            "pusher:unsubscribe" => ClientMessage::Unsubscribe { channel: field("channel").ok_or_else(no_channel)? },
            event if event.starts_with("client-") => {
                let channel = envelope.channel.clone().ok_or_else(no_channel)?;
                ClientMessage::ClientEvent { event: envelope.event, channel, data }
            }
            _ => ClientMessage::Other(envelope.event),
        })
    }
}

/// What the server sends a client.
#[derive(Debug, Clone, PartialEq)]
pub enum ServerMessage<'a> {
    /// The first message: the connection's socket id and the activity timeout (seconds).
    ConnectionEstablished {
        /// `"<int>.<int>"`.
        socket_id: &'a str,
        /// Seconds of silence after which the client should ping.
        activity_timeout: u64,
    },
    /// An error; `code` is `None` for a message the protocol gives no code.
    Error {
        /// The protocol's code.
        code: Option<ErrorCode>,
        /// What went wrong, for people.
        message: &'a str,
    },
    /// The server's ping.
    Ping,
    /// The answer to a ping.
    Pong,
    /// A subscription was accepted: `data` is `{}` or, on presence channels, the members.
    SubscriptionSucceeded {
        /// The channel.
        channel: &'a str,
        /// What the client gets (encoded to a string on the wire).
        data: Value,
    },
    /// A subscription was refused (pusher-js hands it to the channel's bindings).
    SubscriptionError {
        /// The channel.
        channel: &'a str,
        /// Why.
        message: &'a str,
    },
    /// A user's first connection joined a presence channel.
    MemberAdded {
        /// The presence channel.
        channel: &'a str,
        /// The user's id.
        user_id: &'a str,
        /// What the app's channel authorization returned for the user.
        user_info: &'a Value,
    },
    /// A user's last connection left a presence channel.
    MemberRemoved {
        /// The presence channel.
        channel: &'a str,
        /// The user's id.
        user_id: &'a str,
    },
}

impl ServerMessage<'_> {
    /// The message as sent.
    pub fn to_json(&self) -> String {
        let encoded = |v: Value| Value::String(v.to_string());
        let value = match self {
            ServerMessage::ConnectionEstablished { socket_id, activity_timeout } => {
                json!({"event": "pusher:connection_established", "data": encoded(json!({"socket_id": socket_id, "activity_timeout": activity_timeout}))})
            }
            ServerMessage::Error { code, message } => json!({"event": "pusher:error", "data": {"code": code.map(|c| c as u16), "message": message}}),
            ServerMessage::Ping => json!({"event": "pusher:ping", "data": "{}"}),
            ServerMessage::Pong => json!({"event": "pusher:pong", "data": "{}"}),
            ServerMessage::SubscriptionSucceeded { channel, data } => {
                json!({"event": "pusher_internal:subscription_succeeded", "channel": channel, "data": encoded(data.clone())})
            }
            ServerMessage::SubscriptionError { channel, message } => {
                json!({"event": "pusher:subscription_error", "channel": channel, "data": encoded(json!({"type": "AuthError", "error": message, "status": 401}))})
            }
            ServerMessage::MemberAdded { channel, user_id, user_info } => {
                json!({"event": "pusher_internal:member_added", "channel": channel, "data": encoded(json!({"user_id": user_id, "user_info": user_info}))})
            }
            ServerMessage::MemberRemoved { channel, user_id } => {
                json!({"event": "pusher_internal:member_removed", "channel": channel, "data": encoded(json!({"user_id": user_id}))})
            }
        };
        value.to_string()
    }
}

/// An application event on `channel`, as subscribers receive it. `data` is what the
/// publisher gave (Laravel's broadcaster and the HTTP API give a string); `user_id` is
/// the sender's on a presence channel's client event.
pub fn channel_event(event: &str, channel: &str, data: &Value, user_id: Option<&str>) -> String {
    let mut value = json!({"event": event, "channel": channel, "data": data});
    if let Some(user_id) = user_id {
        value["user_id"] = Value::String(user_id.to_owned());
    }
    value.to_string()
}

/// The kinds of channel, by the prefix of their name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelKind {
    /// Anyone may subscribe.
    Public,
    /// `private-`: a signed subscription.
    Private,
    /// `presence-`: a signed subscription with the user's `channel_data`; members are known.
    Presence,
}

impl ChannelKind {
    /// The kind of channel `name` is.
    pub fn of(name: &str) -> Self {
        if name.starts_with("presence-") {
            ChannelKind::Presence
        } else if name.starts_with("private-") {
            ChannelKind::Private
        } else {
            ChannelKind::Public
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_messages_parse_with_object_or_encoded_data() {
        assert_eq!(ClientMessage::parse(r#"{"event":"pusher:ping","data":{}}"#), Ok(ClientMessage::Ping));
        let sub = ClientMessage::parse(r#"{"event":"pusher:subscribe","data":{"auth":"k:s","channel":"private-a"}}"#).unwrap();
        assert_eq!(sub, ClientMessage::Subscribe { channel: "private-a".into(), auth: Some("k:s".into()), channel_data: None });
        let sub = ClientMessage::parse(r#"{"event":"pusher:subscribe","data":"{\"channel\":\"news\"}"}"#).unwrap();
        assert_eq!(sub, ClientMessage::Subscribe { channel: "news".into(), auth: None, channel_data: None });
        let whisper = ClientMessage::parse(r#"{"event":"client-typing","channel":"private-a","data":{"name":"x"}}"#).unwrap();
        assert_eq!(whisper, ClientMessage::ClientEvent { event: "client-typing".into(), channel: "private-a".into(), data: json!({"name": "x"}) });
        assert_eq!(ClientMessage::parse(r#"{"event":"pusher:signin","data":{}}"#), Ok(ClientMessage::Other("pusher:signin".into())));
    }

    #[test]
    fn malformed_messages_are_errors() {
        assert_eq!(ClientMessage::parse("not json"), Err(ParseError::NotAnEvent));
        assert_eq!(ClientMessage::parse(r#"{"data":{}}"#), Err(ParseError::NotAnEvent));
        assert_eq!(ClientMessage::parse(r#"{"event":"pusher:subscribe","data":{}}"#), Err(ParseError::NoChannel("pusher:subscribe".into())));
        assert_eq!(ClientMessage::parse(r#"{"event":"client-x","data":{}}"#), Err(ParseError::NoChannel("client-x".into())));
    }

    #[test]
    fn server_messages_encode_data_as_the_protocol_does() {
        let m: Value = serde_json::from_str(&ServerMessage::ConnectionEstablished { socket_id: "1.2", activity_timeout: 120 }.to_json()).unwrap();
        assert_eq!(m["event"], "pusher:connection_established");
        let data: Value = serde_json::from_str(m["data"].as_str().unwrap()).unwrap();
        assert_eq!(data, json!({"socket_id": "1.2", "activity_timeout": 120}));
        let e: Value = serde_json::from_str(&ServerMessage::Error { code: Some(ErrorCode::AppDoesNotExist), message: "no" }.to_json()).unwrap();
        assert_eq!(e["data"], json!({"code": 4001, "message": "no"}), "pusher:error's data is an object");
        let added = ServerMessage::MemberAdded { channel: "presence-r", user_id: "7", user_info: &json!({"name": "A"}) }.to_json();
        let added: Value = serde_json::from_str(&added).unwrap();
        assert_eq!(serde_json::from_str::<Value>(added["data"].as_str().unwrap()).unwrap(), json!({"user_id": "7", "user_info": {"name": "A"}}));
        let event: Value = serde_json::from_str(&channel_event("client-x", "presence-r", &json!({"a": 1}), Some("7"))).unwrap();
        assert_eq!(event, json!({"event": "client-x", "channel": "presence-r", "data": {"a": 1}, "user_id": "7"}));
    }

    #[test]
    fn channel_kinds_come_from_the_prefix() {
        assert_eq!(ChannelKind::of("news"), ChannelKind::Public);
        assert_eq!(ChannelKind::of("private-orders.1"), ChannelKind::Private);
        assert_eq!(ChannelKind::of("presence-chat"), ChannelKind::Presence);
        assert_eq!(ChannelKind::of("private-encrypted-x"), ChannelKind::Private);
    }
}
