//! Multi-buffer MD5: hashes many independent messages at once.
//!
//! Placeholder scalar implementation; the SIMD lanes replace it.

use md5::{Digest, Md5};

/// `out[i] = MD5(msgs[i])` for every `i`. Panics if the lengths differ (caller bug).
pub fn md5_many(msgs: &[&[u8]], out: &mut [[u8; 16]]) {
    assert_eq!(
        msgs.len(),
        out.len(),
        "md5_many: msgs and out differ in length"
    );
    for (m, o) in msgs.iter().zip(out.iter_mut()) {
        o.copy_from_slice(&Md5::digest(m));
    }
}
