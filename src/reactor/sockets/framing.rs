//! Cutting a TCP byte stream into messages by a port's framing settings.

use bytes::{Bytes, BytesMut};

use crate::config::Framing;

/// Why a TCP port's byte stream cannot be cut into messages; the connection is closed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FrameError {
    /// A message, whole or so far, passed the port's `package_max_length` (in bytes).
    #[error("a message is longer than package_max_length ({0} bytes)")]
    TooLarge(usize),
    /// `open_length_check`: the length field cannot be read, or is shorter than the header.
    #[error("the length field gives a message shorter than its own header")]
    BadLength,
}

/// Buffers what arrives and yields whole messages.
pub struct Decoder {
    framing: Framing,
    max: usize,
    buf: BytesMut,
}

impl Decoder {
    /// A decoder for a port's `framing`, refusing messages over `max` bytes.
    pub fn new(framing: Framing, max: usize) -> Self {
        Decoder { framing, max, buf: BytesMut::new() }
    }

    /// Appends bytes read from the connection.
    pub fn push(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// The next whole message, if one is buffered.
    pub fn next_message(&mut self) -> Result<Option<Bytes>, FrameError> {
        if self.buf.is_empty() {
            return Ok(None);
        }
        let end = match &self.framing {
            Framing::Raw => Some(self.buf.len()),
            Framing::Eof { eof, split: true } => find(&self.buf, eof).map(|at| at + eof.len()),
            // Without split, Swoole hands over everything up to the last EOF at once.
            Framing::Eof { eof, split: false } => rfind(&self.buf, eof).map(|at| at + eof.len()),
            Framing::Length { field, offset, body_offset } => {
                let header = offset + field.width();
                // A header longer than the limit makes every message too long. Said first,
                // so the verdict does not depend on how much of the header has arrived
                // (found by fuzzing: BadLength whole, TooLarge in smaller packets).
                if header > self.max {
                    return Err(FrameError::TooLarge(self.max));
                }
                if self.buf.len() < header {
                    None
                } else {
                    let value = field.read(&self.buf[*offset..header]).ok_or(FrameError::BadLength)?;
                    let total = (*body_offset as u64).saturating_add(value);
                    if total > self.max as u64 {
                        return Err(FrameError::TooLarge(self.max));
                    }
                    if (total as usize) < header {
                        return Err(FrameError::BadLength);
                    }
                    (self.buf.len() >= total as usize).then_some(total as usize)
                }
            }
        };
        match end {
            Some(end) if end > self.max && !matches!(self.framing, Framing::Raw) => Err(FrameError::TooLarge(self.max)),
            Some(end) => Ok(Some(self.buf.split_to(end).freeze())),
            // A partial message may not grow past the limit either.
            None if self.buf.len() > self.max => Err(FrameError::TooLarge(self.max)),
            None => Ok(None),
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::LengthField;

    fn all(d: &mut Decoder) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        while let Some(m) = d.next_message().unwrap() {
            out.push(m.to_vec());
        }
        out
    }

    #[test]
    fn eof_split_cuts_each_message_and_joins_packets() {
        let mut d = Decoder::new(Framing::Eof { eof: b"\r\n".to_vec(), split: true }, 64);
        d.push(b"one\r\ntw");
        assert_eq!(all(&mut d), vec![b"one\r\n".to_vec()]);
        d.push(b"o\r");
        assert!(all(&mut d).is_empty());
        d.push(b"\nthree\r\n");
        assert_eq!(all(&mut d), vec![b"two\r\n".to_vec(), b"three\r\n".to_vec()]);
    }

    #[test]
    fn eof_check_without_split_delivers_up_to_the_last_eof() {
        let mut d = Decoder::new(Framing::Eof { eof: b"\n".to_vec(), split: false }, 64);
        d.push(b"a\nb\nc");
        assert_eq!(all(&mut d), vec![b"a\nb\n".to_vec()]);
        d.push(b"\n");
        assert_eq!(all(&mut d), vec![b"c\n".to_vec()]);
    }

    #[test]
    fn length_field_framing() {
        let framing = Framing::Length { field: LengthField::U32Be, offset: 0, body_offset: 4 };
        let mut d = Decoder::new(framing, 1024);
        let mut wire = Vec::new();
        for body in [&b"hello"[..], b"", b"world!"] {
            wire.extend_from_slice(&(body.len() as u32).to_be_bytes());
            wire.extend_from_slice(body);
        }
        // Byte by byte: messages come out whole whatever the packet boundaries.
        let mut got = Vec::new();
        for b in &wire {
            d.push(&[*b]);
            got.extend(all(&mut d));
        }
        assert_eq!(got, vec![b"\0\0\0\x05hello".to_vec(), b"\0\0\0\0".to_vec(), b"\0\0\0\x06world!".to_vec()]);
        d.push(&2000u32.to_be_bytes());
        assert_eq!(d.next_message(), Err(FrameError::TooLarge(1024)));
    }

    #[test]
    fn a_header_over_the_limit_is_too_large_in_any_packets() {
        // fuzz/ tcp_framing: a negative length field gave BadLength when the header came
        // in one packet and TooLarge when it came in two.
        let framing = Framing::Length { field: LengthField::I32Le, offset: 0, body_offset: 0 };
        for packets in [&[&b"\xff\xff\xff\xff"[..]][..], &[b"\xff\xff", b"\xff\xff"]] {
            let mut d = Decoder::new(framing.clone(), 1);
            let mut verdict = Ok(None);
            for p in packets {
                d.push(p);
                verdict = d.next_message();
                if verdict.is_err() {
                    break;
                }
            }
            assert_eq!(verdict, Err(FrameError::TooLarge(1)), "{packets:?}");
        }
    }

    #[test]
    fn an_endless_message_is_refused() {
        let mut d = Decoder::new(Framing::Eof { eof: b"\r\n".to_vec(), split: true }, 8);
        d.push(b"0123456789");
        assert_eq!(d.next_message(), Err(FrameError::TooLarge(8)));
        let mut raw = Decoder::new(Framing::Raw, 8);
        raw.push(b"0123456789");
        assert_eq!(raw.next_message().unwrap().unwrap().len(), 10, "raw data is passed on as it came");
    }
}
