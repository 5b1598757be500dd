//! Fuzz targets for `cdn-secure-token` (see `run.sh`). The checks live in `checks.rs` so that a
//! plain test can replay the corpus without libFuzzer.

pub mod checks;
