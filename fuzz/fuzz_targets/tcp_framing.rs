//! The TCP port's framing (src/reactor/sockets/framing.rs), as `stream.rs` drives it:
//! bytes pushed as they arrive, every whole message taken after each push. The same
//! stream cut into packets two ways (all at once, and in the chunks the input picks)
//! must give the same messages and the same verdict: packet boundaries mean nothing
//! on TCP. `open_eof_check` without split is the exception Swoole documents: it hands
//! over everything up to the last EOF received, so only the bytes delivered must agree,
//! and a stream accepted whole is accepted in any chunking.
#![no_main]

use arbitrary::Arbitrary;
use laravels::config::{Framing, LengthField};
use laravels::reactor::sockets::framing::{Decoder, FrameError};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Shape {
    Raw,
    Eof { eof: Vec<u8>, split: bool },
    Length { field: u8, offset: u8, body_offset: u8 },
}

#[derive(Arbitrary, Debug)]
struct Input {
    shape: Shape,
    max: u16,
    stream: Vec<u8>,
    /// Sizes of the packets the stream arrives in (the rest comes in one last packet).
    cuts: Vec<u8>,
}

const FIELDS: [LengthField; 8] =
    [LengthField::I8, LengthField::U8, LengthField::I16Le, LengthField::U16Le, LengthField::U16Be, LengthField::I32Le, LengthField::U32Le, LengthField::U32Be];

/// The framing, within what the config parser accepts (src/config/sockets.rs).
fn framing(shape: Shape) -> Option<Framing> {
    Some(match shape {
        Shape::Raw => Framing::Raw,
        Shape::Eof { eof, split } => {
            if eof.is_empty() || eof.len() > 8 {
                return None;
            }
            Framing::Eof { eof, split }
        }
        Shape::Length { field, offset, body_offset } => {
            let field = FIELDS[field as usize % FIELDS.len()];
            let (offset, body_offset) = (usize::from(offset % 32), usize::from(body_offset % 64));
            if body_offset < offset + field.width() && body_offset != 0 {
                return None;
            }
            Framing::Length { field, offset, body_offset }
        }
    })
}

/// Whether a proper prefix of `eof` is also its suffix, so two delimiters can overlap.
fn has_border(eof: &[u8]) -> bool {
    (1..eof.len()).any(|n| eof[..n] == eof[eof.len() - n..])
}

/// Feeds `packets` as `stream.rs` does: push, then take every whole message.
fn run(framing: &Framing, max: usize, packets: &[&[u8]]) -> (Vec<Vec<u8>>, Result<(), FrameError>) {
    let mut decoder = Decoder::new(framing.clone(), max);
    let mut out = Vec::new();
    for packet in packets {
        decoder.push(packet);
        loop {
            match decoder.next_message() {
                Ok(Some(m)) => {
                    assert!(!m.is_empty(), "an empty message");
                    if !matches!(framing, Framing::Raw) {
                        assert!(m.len() <= max, "a message of {} bytes passed package_max_length {max}", m.len());
                    }
                    out.push(m.to_vec());
                }
                Ok(None) => break,
                Err(e) => return (out, Err(e)),
            }
        }
    }
    (out, Ok(()))
}

fuzz_target!(|input: Input| {
    let Some(framing) = framing(input.shape) else { return };
    let max = usize::from(input.max % 2048);
    let stream = &input.stream;
    let mut chunked: Vec<&[u8]> = Vec::new();
    let mut rest = &stream[..];
    for cut in &input.cuts {
        let n = usize::from(*cut).min(rest.len());
        let (packet, tail) = rest.split_at(n);
        chunked.push(packet);
        rest = tail;
    }
    chunked.push(rest);
    let whole = run(&framing, max, &[stream]);
    let parts = run(&framing, max, &chunked);
    let joined = |ms: &[Vec<u8>]| ms.concat();
    match &framing {
        // Raw passes each packet on as it came: only the bytes must agree.
        Framing::Raw => assert_eq!(joined(&whole.0), joined(&parts.0)),
        Framing::Eof { eof, split: false } => {
            for m in whole.0.iter().chain(&parts.0) {
                assert!(m.ends_with(eof), "a message that does not end with the EOF");
            }
            // A delimiter that overlaps itself ("aa" in "aaa") ends a message at a place
            // that depends on what has arrived, in Swoole too (it checks the buffer's end).
            if whole.1.is_ok() && !has_border(eof) {
                assert!(parts.1.is_ok(), "accepted whole, refused in packets: {parts:?}");
                assert_eq!(joined(&whole.0), joined(&parts.0), "different bytes delivered");
            }
        }
        _ => assert_eq!(whole, parts, "the messages depend on the packet boundaries"),
    }
    if let Framing::Eof { eof, split: true } = &framing {
        for m in &whole.0 {
            let inner = &m[..m.len() - eof.len()];
            assert!(m.ends_with(eof) && !inner.windows(eof.len()).any(|w| w == eof.as_slice()), "a message is not cut at its first EOF");
        }
    }
});
