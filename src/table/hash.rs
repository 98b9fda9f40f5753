//! The key hash. It must give the same answer in every process of a server, so it has
//! no random seed (keys come from the application, and tables are not exposed to
//! arbitrary clients the way a request parser is).

const K: u64 = 0x9E37_79B9_7F4A_7C15;

/// A 64-bit hash of `key`: 8 bytes at a time, then murmur3's finaliser so that the low
/// bits (the bucket) depend on every byte.
pub fn hash(key: &[u8]) -> u64 {
    let mut h = K ^ key.len() as u64;
    let mut chunks = key.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        h = (h ^ u64::from_le_bytes(word)).wrapping_mul(K).rotate_left(29);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        h = (h ^ tail(rest)).wrapping_mul(K).rotate_left(29);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    h ^= h >> 33;
    h = h.wrapping_mul(0xC4CE_B9FE_1A85_EC53);
    h ^ (h >> 33)
}

/// The last 1 to 7 bytes as one word, read with fixed-size loads (a variable-length
/// copy into a buffer costs a call and a store-forwarding stall on every key). Each
/// byte counts; the key length is mixed in separately.
fn tail(rest: &[u8]) -> u64 {
    let n = rest.len();
    if n >= 4 {
        let first = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]);
        let last = u32::from_le_bytes([rest[n - 4], rest[n - 3], rest[n - 2], rest[n - 1]]);
        (u64::from(first) << 32) | u64::from(last)
    } else {
        (u64::from(rest[0]) << 16) | (u64::from(rest[n / 2]) << 8) | u64::from(rest[n - 1])
    }
}

#[cfg(test)]
mod tests {
    use super::hash;

    #[test]
    fn similar_keys_spread_over_buckets() {
        // The README's keys differ in their last digits only.
        let mut seen = vec![0u32; 1024];
        for i in 0..4096 {
            seen[(hash(format!("uid:{i}").as_bytes()) & 1023) as usize] += 1;
        }
        assert!(seen.iter().all(|&n| n <= 16), "longest bucket {}", seen.iter().max().unwrap());
        assert_ne!(hash(b"a"), hash(b"a\0"));
        assert_ne!(hash(b"abcde"), hash(b"abdde"), "every byte of a short tail counts");
    }
}
