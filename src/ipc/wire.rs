//! The field encoding of the frames: integers little-endian, byte strings `u32 length |
//! bytes`, and the composite fields (a request head, headers, a form) several frames
//! share. `codec.rs` lays frames out with these.

use bytes::Bytes;
use thiserror::Error;

use super::message::{Form, Header, RequestHead, UploadedFile};

/// Why a received frame could not be decoded (master and workers are one build, so a bug or a corrupt stream).
#[derive(Debug, Error, PartialEq, Eq)]
pub enum DecodeError {
    /// The frame ended before all its fields were read.
    #[error("frame ended early")]
    Truncated,
    /// The kind byte names no frame of this direction.
    #[error("unknown frame kind {0}")]
    UnknownKind(u8),
    /// A text field (method, URI, header name, address ...) is not UTF-8.
    #[error("invalid UTF-8 in a text field")]
    Utf8,
    /// The request head's protocol tag is not one of `PROTOCOLS`.
    #[error("unknown protocol tag {0}")]
    Protocol(u8),
    /// A retire byte names no `Retire`.
    #[error("unknown retire code {0}")]
    Retire(u8),
}

pub(super) const PROTOCOLS: [&str; 3] = ["HTTP/1.0", "HTTP/1.1", "HTTP/2.0"];

/// Appends fields to a frame under construction.
pub(super) struct Writer(Vec<u8>);

impl Writer {
    pub fn frame(kind: u8, capacity: usize) -> Self {
        let mut buf = Vec::with_capacity(capacity + 5);
        buf.extend_from_slice(&[0; 4]);
        buf.push(kind);
        Writer(buf)
    }
    pub fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    pub fn u16(&mut self, v: u16) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub fn f64(&mut self, v: f64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    pub fn opt_u32(&mut self, v: Option<u32>) {
        match v {
            Some(n) => {
                self.u8(1);
                self.u32(n);
            }
            None => self.u8(0),
        }
    }
    pub fn bytes(&mut self, v: &[u8]) {
        self.u32(v.len() as u32);
        self.0.extend_from_slice(v);
    }
    /// A flag, then the byte string when there is one.
    pub fn opt_bytes(&mut self, v: Option<&[u8]>) {
        match v {
            Some(b) => {
                self.u8(1);
                self.bytes(b);
            }
            None => self.u8(0),
        }
    }
    pub fn headers(&mut self, headers: &[Header]) {
        self.u32(headers.len() as u32);
        for (name, value) in headers {
            self.bytes(name.as_bytes());
            self.bytes(value);
        }
    }
    pub fn head(&mut self, head: &RequestHead) {
        self.bytes(head.method.as_bytes());
        self.bytes(head.uri.as_bytes());
        self.u8(PROTOCOLS.iter().position(|p| *p == head.protocol).unwrap_or(1) as u8);
        self.headers(&head.headers);
        self.bytes(head.remote_addr.as_bytes());
        self.u16(head.remote_port);
        self.bytes(head.server_addr.as_bytes());
        self.u16(head.server_port);
        self.u8(u8::from(head.https));
        self.f64(head.time);
    }
    /// A multipart form: a flag, then its fields and its spooled files.
    pub fn form(&mut self, form: Option<&Form>) {
        let Some(form) = form else { return self.u8(0) };
        self.u8(1);
        self.headers(&form.fields);
        self.u32(form.files.len() as u32);
        for f in &form.files {
            self.bytes(f.field.as_bytes());
            self.bytes(f.filename.as_bytes());
            self.bytes(f.content_type.as_bytes());
            self.bytes(f.path.as_bytes());
            self.u64(f.size);
            self.u8(f.error);
        }
    }
    /// Writes the frame length in front and hands the frame over.
    pub fn finish(mut self) -> Vec<u8> {
        let len = (self.0.len() - 4) as u32;
        self.0[..4].copy_from_slice(&len.to_le_bytes());
        self.0
    }
}

/// Reads fields from a received frame (without its length prefix).
pub(super) struct Reader<'a> {
    buf: &'a [u8],
    /// The owner of `buf`, so byte fields can be sliced out without a copy.
    owner: &'a Bytes,
}

impl<'a> Reader<'a> {
    /// Reads `frame` (its kind byte onwards).
    pub fn new(frame: &'a Bytes) -> Self {
        Reader { buf: frame, owner: frame }
    }
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if self.buf.len() < n {
            return Err(DecodeError::Truncated);
        }
        let (head, rest) = self.buf.split_at(n);
        self.buf = rest;
        Ok(head)
    }
    pub fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }
    pub fn u16(&mut self) -> Result<u16, DecodeError> {
        Ok(u16::from_le_bytes(self.take(2)?.try_into().unwrap()))
    }
    pub fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().unwrap()))
    }
    pub fn f64(&mut self) -> Result<f64, DecodeError> {
        Ok(f64::from_le_bytes(self.take(8)?.try_into().unwrap()))
    }
    pub fn u64(&mut self) -> Result<u64, DecodeError> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().unwrap()))
    }
    pub fn bytes(&mut self) -> Result<Bytes, DecodeError> {
        let n = self.u32()? as usize;
        let slice = self.take(n)?;
        Ok(self.owner.slice_ref(slice))
    }
    pub fn opt_bytes(&mut self) -> Result<Option<Bytes>, DecodeError> {
        Ok(match self.u8()? {
            0 => None,
            _ => Some(self.bytes()?),
        })
    }
    pub fn opt_u32(&mut self) -> Result<Option<u32>, DecodeError> {
        Ok(match self.u8()? {
            0 => None,
            _ => Some(self.u32()?),
        })
    }
    pub fn string(&mut self) -> Result<String, DecodeError> {
        let n = self.u32()? as usize;
        let slice = self.take(n)?;
        std::str::from_utf8(slice).map(str::to_owned).map_err(|_| DecodeError::Utf8)
    }
    pub fn head(&mut self) -> Result<RequestHead, DecodeError> {
        let method = self.string()?;
        let uri = self.string()?;
        let tag = self.u8()?;
        let protocol = *PROTOCOLS.get(tag as usize).ok_or(DecodeError::Protocol(tag))?;
        Ok(RequestHead {
            method,
            uri,
            protocol,
            headers: self.headers()?,
            remote_addr: self.string()?,
            remote_port: self.u16()?,
            server_addr: self.string()?,
            server_port: self.u16()?,
            https: self.u8()? != 0,
            time: self.f64()?,
        })
    }
    pub fn headers(&mut self) -> Result<Vec<Header>, DecodeError> {
        let n = self.u32()? as usize;
        // Each header takes at least 8 bytes; do not trust `n` beyond what is there.
        let mut out = Vec::with_capacity(n.min(self.buf.len() / 8));
        for _ in 0..n {
            out.push((self.string()?, self.bytes()?));
        }
        Ok(out)
    }
    pub fn form(&mut self) -> Result<Option<Form>, DecodeError> {
        if self.u8()? == 0 {
            return Ok(None);
        }
        let fields = self.headers()?;
        let n = self.u32()? as usize;
        // Each file takes at least 20 bytes; do not trust `n` beyond what is there.
        let mut files = Vec::with_capacity(n.min(self.buf.len() / 20));
        for _ in 0..n {
            files.push(UploadedFile {
                field: self.string()?,
                filename: self.string()?,
                content_type: self.string()?,
                path: self.string()?,
                size: self.u64()?,
                error: self.u8()?,
            });
        }
        Ok(Some(Form { fields, files }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The frame `fill` writes, without its length prefix and kind byte, as `Reader` sees it.
    fn written(fill: impl FnOnce(&mut Writer)) -> Bytes {
        let mut w = Writer::frame(0, 0);
        fill(&mut w);
        let frame = Bytes::from(w.finish());
        assert_eq!(u32::from_le_bytes(frame[..4].try_into().unwrap()) as usize, frame.len() - 4);
        frame.slice(5..)
    }

    #[test]
    fn fields_read_back_in_order_and_byte_fields_share_the_frame() {
        let frame = written(|w| {
            w.u16(0xbeef);
            w.opt_u32(None);
            w.opt_u32(Some(7));
            w.bytes(b"abc");
            w.f64(-0.5);
        });
        let mut r = Reader::new(&frame);
        assert_eq!((r.u16(), r.opt_u32(), r.opt_u32()), (Ok(0xbeef), Ok(None), Ok(Some(7))));
        let bytes = r.bytes().unwrap();
        assert_eq!(&bytes[..], b"abc");
        assert_eq!(bytes.as_ptr(), frame[12..].as_ptr(), "a byte field is a slice of the frame, not a copy");
        assert_eq!(r.f64(), Ok(-0.5));
        assert_eq!(r.u8(), Err(DecodeError::Truncated));
    }

    #[test]
    fn bad_text_and_unknown_protocol_tags_are_errors() {
        let frame = written(|w| w.bytes(b"\xff\xfe"));
        assert_eq!(Reader::new(&frame).string(), Err(DecodeError::Utf8));
        // A head whose protocol tag is past the known protocols.
        let frame = written(|w| {
            w.bytes(b"GET");
            w.bytes(b"/");
            w.u8(PROTOCOLS.len() as u8);
        });
        assert_eq!(Reader::new(&frame).head(), Err(DecodeError::Protocol(3)));
    }

    #[test]
    fn counts_beyond_the_frame_are_truncation_not_allocation() {
        let frame = written(|w| w.u32(u32::MAX));
        assert_eq!(Reader::new(&frame).headers(), Err(DecodeError::Truncated));
        let frame = written(|w| {
            w.u8(1);
            w.headers(&[]);
            w.u32(u32::MAX);
        });
        assert_eq!(Reader::new(&frame).form(), Err(DecodeError::Truncated));
    }
}
