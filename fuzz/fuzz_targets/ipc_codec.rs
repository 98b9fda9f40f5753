//! The master <-> worker frames (src/ipc/codec.rs, wire.rs): any bytes either decode or
//! are a `DecodeError` (no panic, no allocation a lying count asks for), and whatever
//! decodes survives the round trip: encoding it gives a frame whose length prefix is
//! right and which decodes to the same message and encodes to the same bytes again.
//! (Bytes are compared rather than messages, so a NaN request time compares equal.)
#![no_main]

use bytes::Bytes;
use laravels::ipc::{decode_to_master, decode_to_worker, encode_to_master, encode_to_worker};
use libfuzzer_sys::fuzz_target;

/// The frame body (kind byte onwards) of an encoded frame, after checking its prefix.
fn body(encoded: &[u8]) -> Bytes {
    let len = u32::from_le_bytes(encoded[..4].try_into().unwrap()) as usize;
    assert_eq!(len, encoded.len() - 4, "the length prefix counts the frame after it");
    Bytes::copy_from_slice(&encoded[4..])
}

fuzz_target!(|data: &[u8]| {
    // The first byte picks the direction, so one corpus covers both.
    let Some((&direction, frame)) = data.split_first() else { return };
    let frame = Bytes::copy_from_slice(frame);
    if direction & 1 == 0 {
        if let Ok(msg) = decode_to_worker(&frame) {
            let once = encode_to_worker(&msg);
            let again = decode_to_worker(&body(&once)).expect("an encoded frame decodes");
            assert_eq!(encode_to_worker(&again), once, "{msg:?} changed in a round trip");
        }
    } else if let Ok(msg) = decode_to_master(&frame) {
        let once = encode_to_master(&msg);
        let again = decode_to_master(&body(&once)).expect("an encoded frame decodes");
        assert_eq!(encode_to_master(&again), once, "{msg:?} changed in a round trip");
    }
});
