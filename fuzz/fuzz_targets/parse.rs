//! URL/IP parsing through `sign_url`, `explain`, `CanonicalIp::parse`: never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    cdn_secure_token_fuzz::checks::check_parse(data);
});
