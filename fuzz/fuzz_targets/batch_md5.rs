//! `multi_md5::md5_many` vs the `md5` crate over arbitrary batches: must agree.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    cdn_secure_token_fuzz::checks::check_batch_md5(data, |m| md5::compute(m).0);
});
