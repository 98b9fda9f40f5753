//! Ending an exchange: a whole or streamed response (to the master, or to the worker's
//! own front), the end of an event, and the decision, with each, whether the worker retires.

use bytes::Bytes;

use super::{Exchange, LinkError, WorkerLink};
use crate::ipc::{Header, Retire, ToMaster};
use crate::pool::process::peak_rss_bytes;

impl WorkerLink {
    /// Sends a whole response.
    pub fn respond(&mut self, status: u16, reason: Option<String>, headers: Vec<Header>, body: Bytes) -> Result<(), LinkError> {
        self.expect(Exchange::Received)?;
        let retire = self.finish_exchange();
        if let Some(handed) = self.local.as_mut().and_then(|l| l.handed.take()) {
            handed.head(status, reason, headers, body, true);
            drop(handed);
            self.after_front_response(retire);
            return Ok(());
        }
        self.send(&ToMaster::Response { status, reason, headers, body, complete: true, retire })
    }

    /// Sends the head of a streamed response; `write` and `end` follow.
    pub fn start_stream(&mut self, status: u16, reason: Option<String>, headers: Vec<Header>) -> Result<(), LinkError> {
        self.expect(Exchange::Received)?;
        self.exchange = Exchange::Streaming;
        if let Some(handed) = self.local.as_ref().and_then(|l| l.handed.as_ref()) {
            handed.head(status, reason, headers, Bytes::new(), false);
            return Ok(());
        }
        self.send(&ToMaster::Response { status, reason, headers, body: Bytes::new(), complete: false, retire: Retire::Stays })
    }

    /// Sends one piece of a streamed body, at once.
    pub fn write(&mut self, data: Bytes) -> Result<(), LinkError> {
        self.expect(Exchange::Streaming)?;
        if data.is_empty() {
            return Ok(());
        }
        if let Some(handed) = self.local.as_ref().and_then(|l| l.handed.as_ref()) {
            handed.chunk(data);
            return Ok(());
        }
        self.send(&ToMaster::Chunk(data))
    }

    /// Ends a streamed body.
    pub fn end(&mut self) -> Result<(), LinkError> {
        self.expect(Exchange::Streaming)?;
        let retire = self.finish_exchange();
        if let Some(handed) = self.local.as_mut().and_then(|l| l.handed.take()) {
            drop(handed);
            self.after_front_response(retire);
            return Ok(());
        }
        self.send(&ToMaster::End { retire })
    }

    /// Ends a WebSocket event.
    pub fn event_done(&mut self) -> Result<(), LinkError> {
        self.expect(Exchange::Event)?;
        let retire = self.finish_exchange();
        self.send(&ToMaster::EventDone { retire })
    }

    /// Closes the current exchange and decides whether this worker retires after it.
    pub(super) fn finish_exchange(&mut self) -> Retire {
        self.exchange = Exchange::Idle;
        self.served += 1;
        let retire = if self.leaving {
            Retire::Ending
        } else if self.limits.max_request > 0 && self.served >= self.limits.max_request {
            Retire::MaxRequest
        } else if self.limits.memory_limit.is_some_and(|limit| peak_rss_bytes() > limit) {
            Retire::Memory
        } else {
            Retire::Stays
        };
        self.retiring = retire.leaves();
        self.why = retire;
        // With a front, the master's slot sees only the connection close: say why on the
        // board, for the restarts the metrics count (`slot/http.rs`).
        if self.retiring && self.local.is_some() {
            if let Some(board) = crate::front::board::shared() {
                board.farewell(self.worker_id, std::process::id(), crate::metrics::Restart::from(retire));
            }
        }
        retire
    }

    /// Marks this worker as leaving: the response in progress tells the master so, and
    /// `recv` yields nothing more. Used when the process is ending (exit, fatal error).
    pub fn leave_after_this_response(&mut self) {
        self.leaving = true;
    }

    /// Why this worker is retiring, for its last log line.
    pub fn retire_reason(&self) -> Option<&'static str> {
        if !self.retiring {
            return None;
        }
        Some(match self.why {
            Retire::Ending => "the process is ending",
            Retire::MaxRequest => "max_request reached",
            Retire::Memory => "worker_memory_limit passed",
            Retire::Stays => "the master asked it to stop",
        })
    }
}
