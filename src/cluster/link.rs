//! The master's link to Redis: one connection publishes (PUBLISH, pipelined in batches),
//! one listens (SUBSCRIBE to this node's channel and the shared one). Each reconnects on
//! its own with a growing pause (0.1 s to 5 s); an outage is logged once when it begins
//! and once when it ends, never per message. While the link is down a publication is
//! refused at once rather than kept: a push delivered seconds late, after the client may
//! have been told otherwise, surprises more than one reported as not sent.
//!
//! Channels: `{prefix}:ws:node:{node}` carries pushes and closes for one node's
//! connections; `{prefix}:ws:all` carries fan-outs and hellos. A node skips what it
//! published itself on the shared channel (it delivered that locally already), so nothing
//! arrives twice.

use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use parking_lot::Mutex;
use thiserror::Error;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, Notify};

use super::envelope::{Delivery, Envelope, Origin};
use super::presence::{now_ms, Half, Presence, HELLO_EVERY_MS};
use super::resp::{self, Reply, RespError};
use crate::config::{ClusterConfig, RedisAddress};
use crate::log;

/// Where a publication goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The instance with this node id.
    Node(u32),
    /// Every instance.
    All,
}

/// What the link reports to the master.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound {
    /// Another instance published this for this one.
    Delivery {
        /// Who sent it.
        from: Origin,
        /// What to do.
        delivery: Delivery,
    },
    /// Both connections are up, at start and after every outage: state the others may
    /// have missed meanwhile (presence members) is worth sending again.
    Linked,
    /// A node not heard from before, or not for a while, said hello.
    Met(u32),
}

/// Publications waiting for the publisher; past this they are refused (Redis is slower
/// than the pushes).
const QUEUE: usize = 8192;
/// Publications written in one go before their replies are read.
const BATCH: usize = 256;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
const BACKOFF_MIN: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(5);

/// Why a connection to Redis ended or could not start.
#[derive(Debug, Error)]
pub enum LinkError {
    /// Nothing answered in time.
    #[error("no answer within {}s", CONNECT_TIMEOUT.as_secs())]
    Timeout,
    /// The socket failed (refused, reset ...).
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// Redis closed the connection (stopped, restarted, killed the client).
    #[error("the connection was closed")]
    Closed,
    /// Redis answered a command with an error (wrong password, ACL ...).
    #[error("{command} was refused: {message}")]
    Refused {
        /// The command.
        command: &'static str,
        /// Redis's error text.
        message: String,
    },
    /// The peer does not speak RESP.
    #[error(transparent)]
    Protocol(#[from] RespError),
}

/// The handle the master's push routing publishes through.
pub struct Link {
    tx: mpsc::Sender<(Target, Bytes)>,
    origin: Origin,
    presence: &'static Presence,
}

impl Link {
    /// Starts both connections on the current tokio runtime; `inbound` carries out what
    /// other nodes publish for this one and hears of the link's changes. `None` when
    /// `cluster::install` did not run.
    pub fn start(config: &ClusterConfig, inbound: impl Fn(Inbound) + Send + Sync + 'static) -> Option<Link> {
        let presence = super::presence()?;
        let origin = Origin { node: config.node, instance: fastrand::u64(1..) };
        let (tx, rx) = mpsc::channel(QUEUE);
        let side = Arc::new(Side {
            redis: config.redis.clone(),
            node_channel: format!("{}:ws:node:{}", config.prefix, config.node),
            prefix: config.prefix.clone(),
            origin,
            presence,
            hello_now: Notify::new(),
            state: Mutex::new(State::default()),
            inbound: Box::new(inbound),
        });
        tokio::spawn(publisher(side.clone(), rx));
        tokio::spawn(subscriber(side));
        Some(Link { tx, origin, presence })
    }

    /// Hands `delivery` to the publisher; false when the link is down or its queue is full.
    pub fn publish(&self, target: Target, delivery: Delivery) -> bool {
        self.presence.is_up() && self.tx.try_send((target, Envelope { origin: self.origin, delivery }.encode())).is_ok()
    }
}

/// What both connections share.
struct Side {
    redis: RedisAddress,
    prefix: String,
    node_channel: String,
    origin: Origin,
    presence: &'static Presence,
    /// Say hello now: a node we had not heard of appeared.
    hello_now: Notify,
    state: Mutex<State>,
    inbound: Box<dyn Fn(Inbound) + Send + Sync>,
}

#[derive(Default)]
struct State {
    publisher: bool,
    subscriber: bool,
    /// What the log last said about the link.
    said: Said,
    /// Problems already logged (one line each per master's life).
    warned: Vec<String>,
}

/// What the log last said about the link, so each change is one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Said {
    /// Nothing yet (starting).
    #[default]
    Nothing,
    /// Linked.
    Linked,
    /// Unreachable, and not back since.
    Outage,
}

impl Side {
    fn channel(&self, target: Target) -> String {
        match target {
            Target::Node(node) => format!("{}:ws:node:{node}", self.prefix),
            Target::All => self.all_channel(),
        }
    }

    fn all_channel(&self) -> String {
        format!("{}:ws:all", self.prefix)
    }

    fn up(&self, half: Half) {
        self.presence.set(half, true);
        if self.note_up(half) {
            (self.inbound)(Inbound::Linked);
        }
    }

    /// Records that `half` is up; true when that made the whole link up.
    fn note_up(&self, half: Half) -> bool {
        let mut s = self.state.lock();
        match half {
            Half::Publisher => s.publisher = true,
            Half::Subscriber => s.subscriber = true,
        }
        let linked = s.publisher && s.subscriber;
        if linked {
            // Hello again now that we listen too: replies to a hello sent before our
            // subscription started were lost, and the others learn of us at once.
            self.hello_now.notify_one();
            match s.said {
                Said::Outage => log::line("master", &format!("cluster: Redis at {} is back: pushes between instances resume", self.redis.shown())),
                Said::Nothing => log::line("master", &format!("cluster: node {} linked through Redis at {}", self.origin.node, self.redis.shown())),
                Said::Linked => {}
            }
            s.said = Said::Linked;
        }
        linked
    }

    fn down(&self, half: Half, why: &LinkError) {
        self.presence.set(half, false);
        let mut s = self.state.lock();
        match half {
            Half::Publisher => s.publisher = false,
            Half::Subscriber => s.subscriber = false,
        }
        if s.said != Said::Outage {
            s.said = Said::Outage;
            log::line(
                "master",
                &format!(
                    "cluster: Redis at {} unreachable ({why}): this instance serves its own clients; pushes to and from other instances are dropped until it is back (retrying)",
                    self.redis.shown()
                ),
            );
        }
    }

    fn warn_once(&self, text: String) {
        let mut s = self.state.lock();
        if !s.warned.contains(&text) {
            log::line("master", &format!("cluster: {text}"));
            s.warned.push(text);
        }
    }

    fn hello(&self, out: &mut Vec<u8>) {
        let hello = Envelope { origin: self.origin, delivery: Delivery::Hello }.encode();
        resp::command(out, &[b"PUBLISH", self.all_channel().as_bytes(), &hello]);
    }

    /// One message from the subscription.
    fn receive(&self, payload: &Bytes) {
        let envelope = match Envelope::decode(payload) {
            Ok(envelope) => envelope,
            Err(e) => return self.warn_once(format!("dropped a message: {e}")),
        };
        let from = envelope.origin;
        if from == self.origin {
            // Our own fan-out or hello on the shared channel: delivered here already.
            return;
        }
        if from.node == self.origin.node {
            self.warn_once(format!(
                "another instance also uses websocket.cluster.node {}: their connection ids collide; give each instance its own LARAVELS_WS_CLUSTER_NODE",
                from.node
            ));
        }
        // Any message shows the sender alive, so what it sends before its first hello
        // (its presence members) is not taken for a gone node's.
        if self.presence.saw(from.node, now_ms()) {
            self.hello_now.notify_one();
            (self.inbound)(Inbound::Met(from.node));
        }
        if envelope.delivery != Delivery::Hello {
            (self.inbound)(Inbound::Delivery { from, delivery: envelope.delivery });
        }
    }
}

/// Publishes until the master ends, reconnecting as needed.
async fn publisher(side: Arc<Side>, mut rx: mpsc::Receiver<(Target, Bytes)>) {
    let mut backoff = Backoff::default();
    loop {
        let why = match Conn::open(&side.redis).await {
            Ok(mut conn) => {
                backoff.reset();
                side.up(Half::Publisher);
                publish_until_broken(&side, &mut conn, &mut rx).await
            }
            Err(e) => e,
        };
        side.down(Half::Publisher, &why);
        // What was queued when the link broke, or arrives before it is back, is dropped.
        let pause = tokio::time::sleep(backoff.next());
        tokio::pin!(pause);
        loop {
            tokio::select! {
                () = &mut pause => break,
                msg = rx.recv() => if msg.is_none() { return },
            }
        }
    }
}

async fn publish_until_broken(side: &Side, conn: &mut Conn, rx: &mut mpsc::Receiver<(Target, Bytes)>) -> LinkError {
    let mut hello = tokio::time::interval(Duration::from_millis(HELLO_EVERY_MS));
    hello.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut out = Vec::with_capacity(16 * 1024);
    loop {
        out.clear();
        let mut count = 1;
        tokio::select! {
            msg = rx.recv() => {
                let Some((target, bytes)) = msg else { return LinkError::Closed };
                resp::command(&mut out, &[b"PUBLISH", side.channel(target).as_bytes(), &bytes]);
                while count < BATCH {
                    let Ok((target, bytes)) = rx.try_recv() else { break };
                    resp::command(&mut out, &[b"PUBLISH", side.channel(target).as_bytes(), &bytes]);
                    count += 1;
                }
            }
            _ = hello.tick() => side.hello(&mut out),
            () = side.hello_now.notified() => side.hello(&mut out),
            // Nothing is due from Redis while we are idle: bytes or an end here mean it is going away.
            r = conn.fill() => return r.err().unwrap_or(LinkError::Closed),
        }
        if let Err(e) = conn.stream.write_all(&out).await {
            return e.into();
        }
        for _ in 0..count {
            match conn.reply().await {
                Ok(Reply::Error(message)) => side.warn_once(format!("PUBLISH was refused: {message}")),
                Ok(_) => {}
                Err(e) => return e,
            }
        }
    }
}

/// Listens until the master ends, reconnecting as needed.
async fn subscriber(side: Arc<Side>) {
    let mut backoff = Backoff::default();
    loop {
        let why = match Conn::open(&side.redis).await {
            Ok(mut conn) => listen(&side, &mut conn, &mut backoff).await,
            Err(e) => e,
        };
        side.down(Half::Subscriber, &why);
        tokio::time::sleep(backoff.next()).await;
    }
}

async fn listen(side: &Side, conn: &mut Conn, backoff: &mut Backoff) -> LinkError {
    let mut cmd = Vec::new();
    resp::command(&mut cmd, &[b"SUBSCRIBE", side.node_channel.as_bytes(), side.all_channel().as_bytes()]);
    if let Err(e) = conn.stream.write_all(&cmd).await {
        return e.into();
    }
    for _ in 0..2 {
        match conn.reply().await {
            Ok(Reply::Error(message)) => return LinkError::Refused { command: "SUBSCRIBE", message },
            Ok(_) => {}
            Err(e) => return e,
        }
    }
    backoff.reset();
    side.up(Half::Subscriber);
    loop {
        match conn.reply().await {
            Ok(reply) => {
                if let Some((_, payload)) = reply.message() {
                    side.receive(&payload);
                }
            }
            Err(e) => return e,
        }
    }
}

/// One connection to Redis, with what was read and not yet parsed.
struct Conn {
    stream: TcpStream,
    buf: BytesMut,
}

impl Conn {
    /// Connects, and authenticates and selects the database when the address says so.
    async fn open(addr: &RedisAddress) -> Result<Self, LinkError> {
        let stream = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(&addr.authority)).await.map_err(|_| LinkError::Timeout)??;
        let _ = stream.set_nodelay(true);
        let mut conn = Conn { stream, buf: BytesMut::with_capacity(8 * 1024) };
        if let Some(password) = &addr.password {
            let mut cmd = Vec::new();
            match &addr.username {
                Some(user) => resp::command(&mut cmd, &[b"AUTH", user.as_bytes(), password.as_bytes()]),
                None => resp::command(&mut cmd, &[b"AUTH", password.as_bytes()]),
            }
            conn.call("AUTH", &cmd).await?;
        }
        if addr.database != 0 {
            let mut cmd = Vec::new();
            resp::command(&mut cmd, &[b"SELECT", addr.database.to_string().as_bytes()]);
            conn.call("SELECT", &cmd).await?;
        }
        Ok(conn)
    }

    async fn call(&mut self, command: &'static str, cmd: &[u8]) -> Result<Reply, LinkError> {
        tokio::time::timeout(CONNECT_TIMEOUT, async {
            self.stream.write_all(cmd).await?;
            match self.reply().await? {
                Reply::Error(message) => Err(LinkError::Refused { command, message }),
                reply => Ok(reply),
            }
        })
        .await
        .map_err(|_| LinkError::Timeout)?
    }

    /// Reads more bytes; `Closed` at the end of the stream. Cancel-safe.
    async fn fill(&mut self) -> Result<(), LinkError> {
        self.buf.reserve(8 * 1024);
        match self.stream.read_buf(&mut self.buf).await? {
            0 => Err(LinkError::Closed),
            _ => Ok(()),
        }
    }

    /// The next whole reply.
    async fn reply(&mut self) -> Result<Reply, LinkError> {
        loop {
            if !self.buf.is_empty() {
                let pending = std::mem::take(&mut self.buf).freeze();
                match resp::parse(&pending)? {
                    Some((reply, used)) => {
                        self.buf = BytesMut::from(&pending[used..]);
                        return Ok(reply);
                    }
                    // Not all there: take the buffer back (no copy: nothing else holds it).
                    None => self.buf = pending.try_into_mut().unwrap_or_else(|b| BytesMut::from(&b[..])),
                }
            }
            self.fill().await?;
        }
    }
}

/// The pause before the next attempt: doubles from `BACKOFF_MIN` to `BACKOFF_MAX`, with
/// up to a quarter more at random so instances that lost Redis together do not return
/// in step.
struct Backoff(Duration);

impl Default for Backoff {
    fn default() -> Self {
        Backoff(BACKOFF_MIN)
    }
}

impl Backoff {
    fn next(&mut self) -> Duration {
        let pause = self.0;
        self.0 = (self.0 * 2).min(BACKOFF_MAX);
        pause + pause.mul_f64(fastrand::f64() / 4.0)
    }

    fn reset(&mut self) {
        self.0 = BACKOFF_MIN;
    }
}
