//! The client list every process reads: one row per open client connection, plus the
//! server's counters, in shared memory made before the fork.
//!
//! The master writes it (a connection accepted, upgraded, closed); workers, task workers,
//! the timer and custom processes read it, so `exists($fd)`, `isEstablished($fd)`,
//! `getClientInfo($fd)`, `connections` and `stats()` answer without asking the master.
//! That is what lets a broadcast loop over 10,000 connections cost no round trip per
//! connection: `push` checks the row here, then sends one message the master never answers.

use std::sync::{Arc, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::table::{ColumnType, RowData, SharedAtomic, Table, TableError, TableSpec, Value};

/// Swoole's `WEBSOCKET_STATUS_*` for a connection, 0 for plain HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i64)]
pub enum WsStatus {
    /// A plain HTTP (or other protocol) connection.
    None = 0,
    /// A WebSocket upgrade was requested; the handshake is running in a worker.
    Handshake = 2,
    /// The handshake succeeded: messages flow (Swoole's `WEBSOCKET_STATUS_ACTIVE` / FRAME).
    Active = 3,
    /// A close frame was sent or received.
    Closing = 4,
}

impl WsStatus {
    fn from_i64(v: i64) -> Self {
        match v {
            2 => WsStatus::Handshake,
            3 => WsStatus::Active,
            4 => WsStatus::Closing,
            _ => WsStatus::None,
        }
    }
}

/// What `getClientInfo()` reports for one connection.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientInfo {
    /// The local port the connection was accepted on.
    pub server_port: u16,
    /// Index of the listening port the connection came on (0: the main port).
    pub server_fd: u32,
    /// The client's IP address as text; empty for a peer on the unix socket.
    pub remote_ip: String,
    /// The client's port.
    pub remote_port: u16,
    /// When the connection was accepted (seconds since the epoch).
    pub connect_time: i64,
    /// When data last arrived from the client (seconds since the epoch).
    pub last_time: i64,
    /// The connection's WebSocket state (`None` for plain HTTP or TCP).
    pub websocket_status: WsStatus,
    /// The uid `bind()` gave it (`dispatch_mode` 5); 0: not bound.
    pub uid: u64,
}

/// Server-wide counters for `stats()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counter {
    /// Connections accepted since the start (`accept_count`).
    AcceptCount,
    /// Connections closed since the start (`close_count`).
    CloseCount,
    /// HTTP requests sent to a worker (`request_count`); static files are not counted.
    RequestCount,
    /// WebSocket messages received from clients.
    MessageCount,
}

const COUNTERS: usize = 4;

mod col {
    pub const SERVER_PORT: usize = 0;
    pub const SERVER_FD: usize = 1;
    pub const REMOTE_IP: usize = 2;
    pub const REMOTE_PORT: usize = 3;
    pub const CONNECT_TIME: usize = 4;
    pub const LAST_TIME: usize = 5;
    pub const WS_STATUS: usize = 6;
    pub const UID: usize = 7;
}

/// The shared client list and `stats()` counters: one per server, mapped before the fork.
pub struct Clients {
    rows: Table,
    counters: [SharedAtomic; COUNTERS],
    /// Connection numbers handed out so far, by every process that accepts: the master,
    /// and each HTTP worker's front in `serving_mode` worker.
    minted: SharedAtomic,
    started: i64,
}

static SHARED: OnceLock<Arc<Clients>> = OnceLock::new();

impl Clients {
    /// Maps a list for up to `capacity` connections; call before forking.
    pub fn new(capacity: usize) -> Result<Self, TableError> {
        let mut spec = TableSpec::new(capacity.max(1) as i64, 0.25)?;
        spec.column("server_port", ColumnType::Int, 8)?;
        spec.column("server_fd", ColumnType::Int, 8)?;
        // Long enough for any IPv6 text form.
        spec.column("remote_ip", ColumnType::String, 46)?;
        spec.column("remote_port", ColumnType::Int, 8)?;
        spec.column("connect_time", ColumnType::Int, 8)?;
        spec.column("last_time", ColumnType::Int, 8)?;
        spec.column("websocket_status", ColumnType::Int, 8)?;
        spec.column("uid", ColumnType::Int, 8)?;
        let counters = [SharedAtomic::new(0)?, SharedAtomic::new(0)?, SharedAtomic::new(0)?, SharedAtomic::new(0)?];
        Ok(Clients { rows: spec.create()?, counters, minted: SharedAtomic::new(0)?, started: now() })
    }

    /// Makes `clients` the list of this process and of every process forked from it.
    pub fn install(clients: Arc<Clients>) {
        let _ = SHARED.set(clients);
    }

    /// The list installed before the fork; `None` outside a server.
    pub fn shared() -> Option<&'static Arc<Clients>> {
        SHARED.get()
    }

    /// Records a new connection. False when the list is full (the connection is still
    /// served; it is only missing from `connections`).
    pub fn open(&self, fd: u64, info: &ClientInfo) -> bool {
        self.bump(Counter::AcceptCount);
        let values = [
            (col::SERVER_PORT, Value::Int(info.server_port.into())),
            (col::SERVER_FD, Value::Int(info.server_fd.into())),
            (col::REMOTE_IP, Value::Str(info.remote_ip.as_bytes())),
            (col::REMOTE_PORT, Value::Int(info.remote_port.into())),
            (col::CONNECT_TIME, Value::Int(info.connect_time)),
            (col::LAST_TIME, Value::Int(info.last_time)),
            (col::WS_STATUS, Value::Int(info.websocket_status as i64)),
            (col::UID, Value::Int(i64::try_from(info.uid).unwrap_or(0))),
        ];
        self.rows.set(key(fd).as_bytes(), &values).is_ok()
    }

    /// Takes back the `accept_count` of a connection `open` records a second time: one a
    /// worker's front accepted and handed to the master (`reactor::handover`).
    pub fn accepted_elsewhere(&self) {
        self.counters[Counter::AcceptCount as usize].sub(1);
    }

    /// Forgets a closed connection.
    pub fn close(&self, fd: u64) {
        if self.rows.del(key(fd).as_bytes()).unwrap_or(false) {
            self.bump(Counter::CloseCount);
        }
    }

    /// Records connection `fd`'s WebSocket state; a connection already closed stays closed.
    pub fn set_status(&self, fd: u64, status: WsStatus) {
        self.update(fd, col::WS_STATUS, status as i64);
    }

    /// Notes that data arrived from the client now.
    pub fn touch(&self, fd: u64) {
        self.update(fd, col::LAST_TIME, now());
    }

    fn update(&self, fd: u64, column: usize, value: i64) {
        // Only an existing row: a connection closed meanwhile must not come back.
        let _ = self.rows.update_existing(key(fd).as_bytes(), &[(column, Value::Int(value))]);
    }

    /// What `getClientInfo($fd)` reports; `None` when `fd` is not open.
    pub fn info(&self, fd: u64) -> Option<ClientInfo> {
        let mut row = RowData::default();
        if !self.rows.get(key(fd).as_bytes(), &mut row).ok()? {
            return None;
        }
        Some(decode(&row, self.rows.schema()))
    }

    /// Binds connection `fd` to `uid` (Swoole's `bind()`, for `dispatch_mode` 5): false
    /// when `fd` is not open, is already bound, or `uid` is 0.
    pub fn bind(&self, fd: u64, uid: u64) -> bool {
        let Ok(uid) = i64::try_from(uid) else { return false };
        uid != 0 && self.rows.claim_int(key(fd).as_bytes(), col::UID, uid).ok().flatten() == Some(true)
    }

    /// Whether connection `fd` is open (`exists($fd)`).
    pub fn exists(&self, fd: u64) -> bool {
        self.rows.exists(key(fd).as_bytes()).unwrap_or(false)
    }

    /// Whether `fd` is a WebSocket connection past its handshake and not closing.
    pub fn is_established(&self, fd: u64) -> bool {
        self.info(fd).is_some_and(|i| i.websocket_status == WsStatus::Active)
    }

    /// Open connections.
    pub fn count(&self) -> usize {
        self.rows.count()
    }

    /// Up to `limit` connection fds greater than `after`, ascending (Swoole's
    /// `getClientList($start_fd, $page_size)`).
    pub fn list(&self, after: u64, limit: usize) -> Vec<u64> {
        let mut fds = Vec::with_capacity(self.count().min(limit));
        let mut rows = Vec::new();
        for b in 0..self.rows.buckets() {
            rows.clear();
            if self.rows.read_bucket(b, &mut rows).is_err() {
                continue;
            }
            fds.extend(rows.iter().filter_map(|(k, _)| std::str::from_utf8(k).ok()?.parse::<u64>().ok()).filter(|fd| *fd > after));
        }
        fds.sort_unstable();
        fds.truncate(limit);
        fds
    }

    /// The established WebSocket connections, all of them or those `bind()` tied to `uid`
    /// (`pushAll()`, `pushToUid()`); one pass over the list.
    pub fn websockets(&self, uid: Option<u64>) -> Vec<u64> {
        let schema = self.rows.schema();
        let mut fds = Vec::new();
        let mut rows = Vec::new();
        for b in 0..self.rows.buckets() {
            rows.clear();
            if self.rows.read_bucket(b, &mut rows).is_err() {
                continue;
            }
            fds.extend(rows.iter().filter_map(|(k, row)| {
                let info = decode(row, schema);
                let wanted = info.websocket_status == WsStatus::Active && uid.is_none_or(|uid| info.uid == uid);
                wanted.then(|| std::str::from_utf8(k).ok()?.parse::<u64>().ok()).flatten()
            }));
        }
        fds
    }

    /// A connection number no process has handed out before: 0, 1, 2, ... over the
    /// server's life (`reactor::Shared::mint_fd` adds the instance's base).
    pub fn mint(&self) -> u64 {
        (self.minted.add(1) - 1) as u64
    }

    /// Adds one to `counter`, seen by every process at once.
    pub fn bump(&self, counter: Counter) {
        self.counters[counter as usize].add(1);
    }

    /// The current value of `counter`.
    pub fn counter(&self, counter: Counter) -> i64 {
        self.counters[counter as usize].get()
    }

    /// When the list was made: the server's start time.
    pub fn start_time(&self) -> i64 {
        self.started
    }
}

fn decode(row: &RowData, schema: &crate::table::Schema) -> ClientInfo {
    let int = |c| match row.value(schema, c) {
        Value::Int(n) => n,
        _ => 0,
    };
    let remote_ip = match row.value(schema, col::REMOTE_IP) {
        Value::Str(s) => String::from_utf8_lossy(s).into_owned(),
        _ => String::new(),
    };
    ClientInfo {
        server_port: int(col::SERVER_PORT) as u16,
        server_fd: int(col::SERVER_FD) as u32,
        remote_ip,
        remote_port: int(col::REMOTE_PORT) as u16,
        connect_time: int(col::CONNECT_TIME),
        last_time: int(col::LAST_TIME),
        websocket_status: WsStatus::from_i64(int(col::WS_STATUS)),
        uid: u64::try_from(int(col::UID)).unwrap_or(0),
    }
}

fn key(fd: u64) -> String {
    fd.to_string()
}

/// Seconds since the epoch.
pub fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(port: u16) -> ClientInfo {
        ClientInfo {
            server_port: 5200,
            server_fd: 0,
            remote_ip: "::1".into(),
            remote_port: port,
            connect_time: 100,
            last_time: 100,
            websocket_status: WsStatus::None,
            uid: 0,
        }
    }

    #[test]
    fn a_connection_is_bound_to_one_uid_once() {
        let c = Clients::new(16).unwrap();
        assert!(c.open(5, &info(40000)));
        assert!(!c.bind(5, 0), "uid 0 means unbound");
        assert!(c.bind(5, 42));
        assert_eq!(c.info(5).unwrap().uid, 42);
        assert!(!c.bind(5, 43), "bound once");
        assert_eq!(c.info(5).unwrap().uid, 42);
        assert!(!c.bind(6, 42), "not open");
    }

    #[test]
    fn tracks_connections_and_their_websocket_state() {
        let c = Clients::new(16).unwrap();
        assert!(c.open(5, &info(40000)) && c.open(3, &info(40001)) && c.open(9, &info(40002)));
        assert_eq!(c.count(), 3);
        assert_eq!(c.list(0, 10), vec![3, 5, 9]);
        assert_eq!(c.list(3, 1), vec![5]);
        assert!(!c.is_established(5));
        c.set_status(5, WsStatus::Active);
        assert!(c.is_established(5));
        assert_eq!(c.info(5).unwrap().remote_port, 40000);
        c.close(5);
        assert!(!c.exists(5) && c.info(5).is_none());
        // A late status update must not bring a closed connection back.
        c.set_status(5, WsStatus::Active);
        assert!(!c.exists(5));
        assert_eq!((c.counter(Counter::AcceptCount), c.counter(Counter::CloseCount)), (3, 1));
    }

    #[test]
    fn websockets_are_listed_by_uid() {
        let c = Clients::new(16).unwrap();
        for fd in [3, 4, 5, 6] {
            assert!(c.open(fd, &info(40000)));
        }
        for fd in [3, 4, 5] {
            c.set_status(fd, WsStatus::Active);
        }
        assert!(c.bind(4, 42) && c.bind(6, 42));
        let mut all = c.websockets(None);
        all.sort_unstable();
        assert_eq!(all, vec![3, 4, 5], "6 is not past its handshake");
        assert_eq!(c.websockets(Some(42)), vec![4]);
        assert_eq!(c.websockets(Some(7)), Vec::<u64>::new());
    }

    #[test]
    fn a_full_list_refuses_more_rows() {
        let c = Clients::new(1).unwrap();
        let fits = (1..=8).filter(|fd| c.open(*fd, &info(1))).count();
        assert!((1..8).contains(&fits), "{fits} rows fit in a list made for 1");
    }
}
