//! The token codec: base64url of a digest (22 characters, unpadded) and back, as nginx
//! decodes it, and the decimal digits of an expiry.

/// Length of every token: base64url of 16 bytes, unpadded.
pub const TOKEN_LEN: usize = 22;

/// The base64url alphabet (RFC 4648 §5).
const B64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// base64url without padding of a digest: always 22 ASCII bytes. Written for exactly 16
/// bytes (five 3-byte groups and one byte), which is several times faster than a general
/// encoder on the signing hot path; `tests::token_encoding_matches_the_base64_crate` checks
/// it against the `base64` crate.
pub(crate) fn encode_token(d: &[u8; 16]) -> [u8; TOKEN_LEN] {
    let mut out = [0u8; TOKEN_LEN];
    encode_token_into(d, &mut out);
    out
}

/// [`encode_token`] into `out`: the signed-URL writers encode straight into the output, as
/// copying a just-written token (byte stores read back as wider loads) stalls the CPU.
#[inline]
pub(crate) fn encode_token_into(d: &[u8; 16], out: &mut [u8; TOKEN_LEN]) {
    for g in 0..5 {
        let n = u32::from(d[3 * g]) << 16 | u32::from(d[3 * g + 1]) << 8 | u32::from(d[3 * g + 2]);
        out[4 * g] = B64URL[(n >> 18) as usize & 63];
        out[4 * g + 1] = B64URL[(n >> 12) as usize & 63];
        out[4 * g + 2] = B64URL[(n >> 6) as usize & 63];
        out[4 * g + 3] = B64URL[n as usize & 63];
    }
    out[20] = B64URL[(d[15] >> 2) as usize];
    out[21] = B64URL[((d[15] & 3) << 4) as usize];
}

pub(crate) fn token_str(t: &[u8; TOKEN_LEN]) -> &str {
    std::str::from_utf8(t).unwrap_or_default()
}

/// Decodes an `md5` value the way nginx's `ngx_decode_base64url` does for `secure_link`:
/// at most 24 characters, stop at the first `=`, base64url alphabet only, 16 bytes exactly.
/// Padding bits of the last character are ignored, as nginx ignores them.
pub(crate) fn decode_token(value: impl AsRef<[u8]>) -> Option<[u8; 16]> {
    let v = value.as_ref();
    if v.len() > 24 {
        return None;
    }
    let significant = v.iter().position(|&b| b == b'=').unwrap_or(v.len());
    if significant != TOKEN_LEN {
        return None;
    }
    let mut out = [0u8; 16];
    let mut acc: u32 = 0;
    let mut bits = 0;
    let mut o = 0;
    for &c in &v[..TOKEN_LEN] {
        let d = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(d);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            if o < 16 {
                out[o] = (acc >> bits) as u8;
                o += 1;
            }
        }
    }
    Some(out)
}

/// Parses `expires` as nginx's `ngx_atotm` does, then rejects `<= 0` as `secure_link` does.
pub(crate) fn parse_expires(text: impl AsRef<[u8]>) -> Option<i64> {
    let text = text.as_ref();
    if text.is_empty() || !text.iter().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut v: i64 = 0;
    for &b in text {
        v = v.checked_mul(10)?.checked_add(i64::from(b - b'0'))?;
    }
    (v > 0).then_some(v)
}

/// Decimal text of an expiry, held inline, with the value.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Digits {
    pub(crate) value: i64,
    /// `&expires=` and the digits.
    buf: [u8; Digits::PREFIX.len() + 20],
    len: u8,
}

impl Digits {
    const PREFIX: &'static [u8] = b"&expires=";

    #[inline]
    pub(crate) fn new(v: i64) -> Self {
        let mut b = itoa::Buffer::new();
        let s = b.format(v).as_bytes();
        let mut buf = [0u8; Self::PREFIX.len() + 20];
        buf[..Self::PREFIX.len()].copy_from_slice(Self::PREFIX);
        buf[Self::PREFIX.len()..][..s.len()].copy_from_slice(s);
        Digits {
            value: v,
            buf,
            len: (Self::PREFIX.len() + s.len()) as u8,
        }
    }

    /// The digits.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.param()[Self::PREFIX.len()..]
    }

    /// `&expires=` and the digits, as appended to a signed URL.
    pub(crate) fn param(&self) -> &[u8] {
        &self.buf[..self.len as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_digits_are_the_decimal_text() {
        for v in [
            0,
            1,
            9,
            10,
            2_147_483_647,
            99,
            100,
            101,
            100_000_000_000,
            7,
            i64::MAX,
            -1,
            -42,
            i64::MIN,
        ] {
            let d = Digits::new(v);
            assert_eq!(d.as_bytes(), v.to_string().as_bytes(), "{v}");
            assert_eq!(d.param(), format!("&expires={v}").as_bytes(), "{v}");
            assert_eq!(d.value, v);
        }
    }

    #[test]
    fn token_encoding_matches_the_base64_crate() {
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        use base64::Engine as _;
        let mut d = [0u8; 16];
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for round in 0..20_000 {
            for (i, b) in d.iter_mut().enumerate() {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                *b = match round {
                    0 => 0,
                    1 => 0xff,
                    2 => i as u8 * 17,
                    _ => x as u8,
                };
            }
            let want = URL_SAFE_NO_PAD.encode(d);
            assert_eq!(token_str(&encode_token(&d)), want);
            assert_eq!(decode_token(&want), Some(d));
        }
    }

    #[test]
    fn decode_token_follows_nginx() {
        let t = "DMF1ucDxtHCxwYQAAAAAAA";
        assert!(decode_token(t).is_some());
        assert!(decode_token("DMF1ucDxtHCxwYQ").is_none());
        assert!(decode_token(format!("{t}==")).is_some());
        assert!(decode_token(format!("{t}=!")).is_some());
        assert!(decode_token(format!("{t}===")).is_none());
        assert!(decode_token("DMF1ucDxtHCxwYQAAAAA+A").is_none());
        assert!(decode_token("DMF1ucDxtHCxwYQAAAAAA").is_none());
        assert!(decode_token("DMF1ucDxtHCxwYQAAAAAAAA").is_none());
        // Padding bits of the last character are not significant.
        assert_eq!(
            decode_token("AAAAAAAAAAAAAAAAAAAAAA"),
            decode_token("AAAAAAAAAAAAAAAAAAAAAD")
        );
    }

    #[test]
    fn parse_expires_follows_nginx() {
        assert_eq!(parse_expires("000123"), Some(123));
        assert_eq!(parse_expires("0"), None);
        assert_eq!(parse_expires(""), None);
        assert_eq!(parse_expires("-1"), None);
        assert_eq!(parse_expires("+1"), None);
        assert_eq!(parse_expires(" 1"), None);
        assert_eq!(parse_expires("9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_expires("9223372036854775808"), None);
    }
}
