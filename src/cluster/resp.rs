//! The part of RESP2, Redis's wire protocol, the link needs: commands out (arrays of bulk
//! strings) and replies in (simple strings, errors, integers, bulk strings, arrays, as
//! pub/sub messages arrive). Parsing is incremental: `parse` says how many bytes a whole
//! reply took, or that more are needed.

use bytes::Bytes;
use thiserror::Error;

/// One reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// `+OK`.
    Simple(String),
    /// `-ERR ...`: the command failed.
    Error(String),
    /// `:1`.
    Int(i64),
    /// `$3\r\nabc`; `None` for the null bulk string.
    Bulk(Option<Bytes>),
    /// `*2\r\n...`; `None` for the null array.
    Array(Option<Vec<Reply>>),
}

impl Reply {
    /// The reply as a pub/sub message: `(channel, payload)` for `message`, else `None`.
    pub fn message(self) -> Option<(Bytes, Bytes)> {
        let Reply::Array(Some(items)) = self else { return None };
        let mut items = items.into_iter();
        match (items.next(), items.next(), items.next()) {
            (Some(Reply::Bulk(Some(kind))), Some(Reply::Bulk(Some(channel))), Some(Reply::Bulk(Some(payload)))) if &kind[..] == b"message" => {
                Some((channel, payload))
            }
            _ => None,
        }
    }
}

/// Bytes that are not RESP: the connection is not to a Redis server, or is out of step.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum RespError {
    /// A type byte RESP2 does not have.
    #[error("not a Redis reply (type byte {0:#04x})")]
    Type(u8),
    /// A length or integer that does not parse.
    #[error("a Redis reply has a bad length or number")]
    Number,
}

/// Deepest array nesting accepted; pub/sub replies are one level deep.
const MAX_DEPTH: usize = 8;

/// Encodes a command as RESP arrays of bulk strings, appended to `out`.
pub fn command(out: &mut Vec<u8>, args: &[&[u8]]) {
    out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
    for arg in args {
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
}

/// Parses one reply at the start of `buf`: `Ok(None)` when it is not all there yet, else
/// the reply and the bytes it took.
pub fn parse(buf: &Bytes) -> Result<Option<(Reply, usize)>, RespError> {
    parse_at(buf, 0, 0)
}

fn parse_at(buf: &Bytes, at: usize, depth: usize) -> Result<Option<(Reply, usize)>, RespError> {
    let Some(end) = find_crlf(buf, at + 1) else { return Ok(None) };
    let Some(&kind) = buf.get(at) else { return Ok(None) };
    let line = &buf[at + 1..end];
    let next = end + 2;
    let text = || String::from_utf8_lossy(line).into_owned();
    let number = || std::str::from_utf8(line).ok().and_then(|s| s.parse::<i64>().ok()).ok_or(RespError::Number);
    match kind {
        b'+' => Ok(Some((Reply::Simple(text()), next))),
        b'-' => Ok(Some((Reply::Error(text()), next))),
        b':' => Ok(Some((Reply::Int(number()?), next))),
        b'$' => match number()? {
            -1 => Ok(Some((Reply::Bulk(None), next))),
            len if len >= 0 => {
                let len = len as usize;
                if buf.len() < next + len + 2 {
                    return Ok(None);
                }
                if &buf[next + len..next + len + 2] != b"\r\n" {
                    return Err(RespError::Number);
                }
                Ok(Some((Reply::Bulk(Some(buf.slice(next..next + len))), next + len + 2)))
            }
            _ => Err(RespError::Number),
        },
        b'*' => match number()? {
            -1 => Ok(Some((Reply::Array(None), next))),
            n if n >= 0 && depth < MAX_DEPTH => {
                let mut items = Vec::with_capacity((n as usize).min(64));
                let mut pos = next;
                for _ in 0..n {
                    let Some((item, after)) = parse_at(buf, pos, depth + 1)? else { return Ok(None) };
                    items.push(item);
                    pos = after;
                }
                Ok(Some((Reply::Array(Some(items)), pos)))
            }
            _ => Err(RespError::Number),
        },
        other => Err(RespError::Type(other)),
    }
}

fn find_crlf(buf: &[u8], from: usize) -> Option<usize> {
    buf.get(from..)?.windows(2).position(|w| w == b"\r\n").map(|i| from + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &'static [u8]) -> Reply {
        let (reply, used) = parse(&Bytes::from_static(text)).unwrap().unwrap();
        assert_eq!(used, text.len());
        reply
    }

    #[test]
    fn commands_are_arrays_of_bulk_strings() {
        let mut out = Vec::new();
        command(&mut out, &[b"PUBLISH", b"laravels:ws:all", b"a\r\nb"]);
        assert_eq!(out, b"*3\r\n$7\r\nPUBLISH\r\n$15\r\nlaravels:ws:all\r\n$4\r\na\r\nb\r\n");
    }

    #[test]
    fn replies_of_every_type() {
        assert_eq!(one(b"+OK\r\n"), Reply::Simple("OK".into()));
        assert_eq!(one(b"-NOAUTH Authentication required.\r\n"), Reply::Error("NOAUTH Authentication required.".into()));
        assert_eq!(one(b":2\r\n"), Reply::Int(2));
        assert_eq!(one(b"$-1\r\n"), Reply::Bulk(None));
        assert_eq!(one(b"$4\r\na\r\nb\r\n"), Reply::Bulk(Some(Bytes::from_static(b"a\r\nb"))));
        let msg = one(b"*3\r\n$7\r\nmessage\r\n$3\r\nchn\r\n$2\r\nhi\r\n");
        assert_eq!(msg.message(), Some((Bytes::from_static(b"chn"), Bytes::from_static(b"hi"))));
        assert_eq!(one(b"*3\r\n$9\r\nsubscribe\r\n$3\r\nchn\r\n:1\r\n").message(), None);
    }

    #[test]
    fn a_reply_cut_anywhere_waits_for_the_rest() {
        let whole = Bytes::from_static(b"*3\r\n$7\r\nmessage\r\n$3\r\nchn\r\n$2\r\nhi\r\n:1\r\n");
        let (_, used) = parse(&whole).unwrap().unwrap();
        assert_eq!(used, 34);
        for cut in 0..used {
            assert_eq!(parse(&whole.slice(..cut)), Ok(None), "cut at {cut}");
        }
        assert_eq!(parse(&whole.slice(used..)), Ok(Some((Reply::Int(1), 4))));
    }

    #[test]
    fn what_is_not_resp_is_an_error() {
        assert_eq!(parse(&Bytes::from_static(b"HTTP/1.1 400\r\n")), Err(RespError::Type(b'H')));
        assert_eq!(parse(&Bytes::from_static(b":x\r\n")), Err(RespError::Number));
        assert_eq!(parse(&Bytes::from_static(b"$2\r\nabcd\r\n")), Err(RespError::Number));
    }
}
