//! Arbitrary bytes as a received request target into `Signer::verify_request`: never panics,
//! the edge's statuses only, spacing and absolute form change nothing, signed links are valid.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    cdn_secure_token_fuzz::checks::check_verify_request(data);
});
