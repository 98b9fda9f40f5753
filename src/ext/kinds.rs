//! The names that cross the PHP boundary as strings, in one place: the `'type'` of what
//! `Worker::next()` returns, the value of `Worker::state()` and the `'role'` of
//! `Server::start()`. The package mirrors each enum as a PHP backed enum
//! (`php/Transport/MessageKind.php`, `WorkerState.php`, `ProcessRole.php`); the test
//! below reads those files and fails when a case is missing or differs on either side.

use crate::ipc::ToWorker;
use crate::pool::worker::Exchange;

/// Declares a fieldless enum whose variants stand for fixed strings: `as_str()`, and
/// `ALL` for the mirror test.
macro_rules! names {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name { $($variant,)+ }

        impl $name {
            #[cfg_attr(not(test), allow(dead_code))]
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)+ }
            }
        }
    };
}

names! {
    /// The `'type'` of a message `Worker::next()` hands the worker loop.
    MessageKind {
        Request => "request",
        Task => "task",
        Finish => "finish",
        Open => "open",
        Message => "message",
        Close => "close",
        Connect => "connect",
        Receive => "receive",
        BufferFull => "buffer_full",
        BufferEmpty => "buffer_empty",
        Packet => "packet",
        PortRequest => "port_request",
        PipeMessage => "pipe_message",
    }
}

names! {
    /// Where a worker's exchange with the master stands (`Worker::state()`).
    WorkerState {
        NotConnected => "none",
        Idle => "idle",
        Received => "received",
        Streaming => "streaming",
        Task => "task",
        Finish => "finish",
        Timer => "timer",
        Event => "event",
    }
}

names! {
    /// What a process is once `Server::start()` returns in it.
    ProcessRole {
        Master => "master",
        Manager => "manager",
        Worker => "worker",
        Timer => "timer",
        Process => "process",
        WorkerError => "worker_error",
        Launcher => "launcher",
    }
}

impl MessageKind {
    /// The kind of a message for the worker loop; None for those the link answers
    /// itself (`Stop`, `TaskAccepted`, `TaskResult`), which never reach PHP.
    pub fn of(message: &ToWorker) -> Option<Self> {
        Some(match message {
            ToWorker::Request(_) => Self::Request,
            ToWorker::Task { .. } => Self::Task,
            ToWorker::Finish { .. } => Self::Finish,
            ToWorker::Open { .. } => Self::Open,
            ToWorker::Frame { .. } => Self::Message,
            ToWorker::Close { .. } => Self::Close,
            ToWorker::Connect { .. } => Self::Connect,
            ToWorker::Receive { .. } => Self::Receive,
            ToWorker::Buffer { full: true, .. } => Self::BufferFull,
            ToWorker::Buffer { full: false, .. } => Self::BufferEmpty,
            ToWorker::Packet { .. } => Self::Packet,
            ToWorker::PortRequest { .. } => Self::PortRequest,
            ToWorker::PipeMessage { .. } => Self::PipeMessage,
            ToWorker::Stop | ToWorker::TaskAccepted(_) | ToWorker::Status(_) | ToWorker::TaskResult { .. } => return None,
        })
    }
}

impl WorkerState {
    /// The state of a connected worker's exchange, or `NotConnected` without a link.
    pub fn of(exchange: Option<Exchange>) -> Self {
        match exchange {
            None => Self::NotConnected,
            Some(Exchange::Idle) => Self::Idle,
            Some(Exchange::Received) => Self::Received,
            Some(Exchange::Streaming) => Self::Streaming,
            Some(Exchange::Task) => Self::Task,
            Some(Exchange::Finish) => Self::Finish,
            Some(Exchange::Unprompted) => Self::Timer,
            Some(Exchange::Event) => Self::Event,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `case Name = 'value';` lines of a PHP backed enum, in file order.
    fn php_cases(source: &str) -> Vec<(String, String)> {
        source
            .lines()
            .filter_map(|line| {
                let rest = line.trim().strip_prefix("case ")?.strip_suffix(';')?;
                let (name, value) = rest.split_once('=')?;
                let value = value.trim().strip_prefix('\'')?.strip_suffix('\'')?;
                Some((name.trim().to_owned(), value.to_owned()))
            })
            .collect()
    }

    fn rust_cases<T: std::fmt::Debug + Copy>(all: &[T], as_str: impl Fn(T) -> &'static str) -> Vec<(String, String)> {
        all.iter().map(|&v| (format!("{v:?}"), as_str(v).to_owned())).collect()
    }

    fn assert_mirrored(file: &str, php: &str, rust: Vec<(String, String)>) {
        let php = php_cases(php);
        assert!(!php.is_empty(), "{file}: no `case Name = 'value';` lines found");
        let missing_in_php: Vec<_> = rust.iter().filter(|c| !php.contains(c)).collect();
        let missing_in_rust: Vec<_> = php.iter().filter(|c| !rust.contains(c)).collect();
        assert!(
            missing_in_php.is_empty() && missing_in_rust.is_empty(),
            "{file} and src/ext/kinds.rs differ: only in Rust {missing_in_php:?}, only in PHP {missing_in_rust:?}"
        );
    }

    #[test]
    fn php_enums_mirror_the_rust_ones() {
        assert_mirrored(
            "php/Transport/MessageKind.php",
            include_str!("../../php/Transport/MessageKind.php"),
            rust_cases(MessageKind::ALL, MessageKind::as_str),
        );
        assert_mirrored(
            "php/Transport/WorkerState.php",
            include_str!("../../php/Transport/WorkerState.php"),
            rust_cases(WorkerState::ALL, WorkerState::as_str),
        );
        assert_mirrored(
            "php/Transport/ProcessRole.php",
            include_str!("../../php/Transport/ProcessRole.php"),
            rust_cases(ProcessRole::ALL, ProcessRole::as_str),
        );
    }

    #[test]
    fn every_kind_and_state_has_its_own_string() {
        for names in [
            MessageKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
            WorkerState::ALL.iter().map(|s| s.as_str()).collect(),
            ProcessRole::ALL.iter().map(|r| r.as_str()).collect(),
        ] {
            let mut unique = names.clone();
            unique.sort_unstable();
            unique.dedup();
            assert_eq!(unique.len(), names.len(), "{names:?}");
        }
    }
}
