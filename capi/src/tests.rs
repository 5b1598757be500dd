//! Unit tests of the boundary itself; the C API is tested from C by capi/test.sh.
use std::ffi::{c_char, c_int, CStr};

use cdn_secure_token::{ErrorKind, StreamKind, TokenKind, REASONS};

use crate::*;

fn text(p: *const c_char) -> &'static str {
    // SAFETY: the tested functions return static NUL-terminated strings.
    unsafe { CStr::from_ptr(p) }.to_str().unwrap()
}

#[test]
fn a_panic_becomes_a_status() {
    let prev = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let status = crate::panic::ffi_panic_boundary! { panic!("boom") };
    std::panic::set_hook(prev);
    assert_eq!(status, st_status::ST_ERR_PANIC);
    let mut buf = [0 as c_char; 128];
    let mut len = 0usize;
    // SAFETY: a live local buffer of the stated capacity and a live out_len.
    let s = unsafe { st_last_error(buf.as_mut_ptr(), buf.len(), &mut len) };
    assert_eq!(s, st_status::ST_OK);
    assert!(text(buf.as_ptr()).contains("panic"));
}

#[test]
fn reason_numbers_and_codes_are_the_core_table() {
    for &(number, code, _) in REASONS {
        assert_eq!(text(st_reason_str(number)), code);
        let r = crate::verify::ALL_REASONS[number as usize];
        assert_eq!(
            r as c_int, number,
            "ALL_REASONS[{number}] is not the core's {code}"
        );
        assert_eq!(
            format!("{r:?}"),
            format!("ST_REASON_{}", code.to_uppercase())
        );
    }
    assert_eq!(crate::verify::ALL_REASONS.len(), REASONS.len() + 1); // + ST_REASON_NONE
    assert_eq!(text(st_reason_str(0)), "");
    assert_eq!(text(st_reason_str(99)), "other");
}

#[test]
fn status_numbers_and_codes_are_the_core_kinds() {
    for k in ErrorKind::ALL {
        let s = crate::status::status_of(k);
        assert_eq!(s as c_int, k.number(), "{k:?}");
        assert_eq!(format!("{s:?}"), format!("ST_ERR_{}", k.code()));
        assert_eq!(text(st_status_code(k.number())), k.code());
    }
    for (n, code) in [
        (0, "OK"),
        (1, "NULL_POINTER"),
        (2, "BUFFER_TOO_SMALL"),
        (4, "PANIC"),
    ] {
        assert_eq!(text(st_status_code(n)), code);
    }
    assert_eq!(text(st_status_str(13)), "invalid expiry");
    assert_eq!(text(st_status_code(99)), "UNKNOWN");
}

#[test]
fn long_messages_are_cut_at_a_character() {
    let m = crate::verify::message(&"é".repeat(300));
    assert_eq!(m[ST_MESSAGE_CAP - 1], 0);
    assert_eq!(text(m.as_ptr()), "é".repeat((ST_MESSAGE_CAP - 1) / 2));
}

#[test]
fn kind_numbers_round_trip() {
    use crate::types::{from_c, to_c, STREAM_KINDS, TOKEN_KINDS};
    for k in [
        TokenKind::File,
        TokenKind::Directory,
        TokenKind::Mp4,
        TokenKind::Stream,
    ] {
        let c = to_c(&TOKEN_KINDS, k) as u32;
        assert_eq!(from_c(&TOKEN_KINDS, c, "kind", "st_token_kind"), Ok(k));
    }
    for k in [
        StreamKind::Vod,
        StreamKind::Cmaf,
        StreamKind::Mpegts,
        StreamKind::Streams,
    ] {
        let c = to_c(&STREAM_KINDS, k) as u32;
        assert_eq!(from_c(&STREAM_KINDS, c, "stream", "st_stream_kind"), Ok(k));
    }
    assert!(from_c(&TOKEN_KINDS, 4, "kind", "st_token_kind").is_err());
    assert!(from_c(&STREAM_KINDS, 4, "stream", "st_stream_kind").is_err());
    for (i, (c, k)) in TOKEN_KINDS.iter().enumerate() {
        assert_eq!(*c as usize, i);
        assert_eq!(text(st_token_kind_str(i as u32)), k.as_str());
    }
    assert_eq!(text(st_token_kind_str(4)), "unknown");
    for (i, (c, _)) in STREAM_KINDS.iter().enumerate() {
        assert_eq!(*c as usize, i);
    }
}
