//! Arbitrary URL + IP strings into `Signer::verify`; sign → verify must be `Valid`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    cdn_secure_token_fuzz::checks::check_verify(data);
});
