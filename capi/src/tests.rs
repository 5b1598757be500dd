//! Unit tests of the boundary itself; the C API is tested from C by capi/test.sh.
use std::ffi::{c_char, c_int, CStr};

use cdn_secure_token::{StreamKind, TokenKind};

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
fn reason_codes_are_the_core_codes() {
    for (r, c) in crate::verify::reasons() {
        assert_eq!(crate::verify::reason_of(&r), c);
        assert_eq!(text(st_reason_str(c as c_int)), r.code());
    }
}

#[test]
fn long_messages_are_cut_at_a_character() {
    let m = crate::verify::message(&"é".repeat(300));
    assert_eq!(m[ST_MESSAGE_CAP - 1], 0);
    assert_eq!(text(m.as_ptr()), "é".repeat((ST_MESSAGE_CAP - 1) / 2));
}

#[test]
fn split_at_byte_is_str_split() {
    let mut inputs: Vec<String> = vec![String::new(), "a".into(), "\n".into(), "\n\n".into()];
    for len in 0..20 {
        for pos in 0..=len {
            let mut v: Vec<char> = (0..len).map(|i| ['a', 'é', '\u{7f}', '€'][i % 4]).collect();
            v.insert(pos, '\n');
            inputs.push(v.iter().collect());
            v.insert(pos, '\n');
            inputs.push(v.iter().collect());
        }
    }
    for sep in [b'\n', 0, 0x1f, 0x7f] {
        for input in &inputs {
            let s = input.replace('\n', &char::from(sep).to_string());
            let want: Vec<&str> = s.split(char::from(sep)).collect();
            assert_eq!(
                crate::sign::split_at_byte(&s, sep),
                want,
                "{s:?} at {sep:#x}"
            );
        }
    }
}

#[test]
fn kind_numbers_round_trip() {
    for k in [
        TokenKind::File,
        TokenKind::Directory,
        TokenKind::Mp4,
        TokenKind::Stream,
    ] {
        assert_eq!(
            crate::types::token_kind(crate::types::token_kind_out(k) as u32),
            Ok(k)
        );
    }
    for k in [
        StreamKind::Vod,
        StreamKind::Cmaf,
        StreamKind::Mpegts,
        StreamKind::Streams,
    ] {
        assert_eq!(
            crate::types::stream_kind(crate::types::stream_kind_out(k) as u32),
            Ok(k)
        );
    }
    assert!(crate::types::token_kind(4).is_err() && crate::types::stream_kind(4).is_err());
}
