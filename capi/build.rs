//! Gives the shared library its SONAME, `libcdn_secure_token.so.MAJOR` (as libsodium's
//! `libsodium.so.23`), so that programs linked against it record the ABI version they need
//! and `capi/install.sh` can install `libcdn_secure_token.so.MAJOR.MINOR.PATCH` with the usual
//! `.so.MAJOR` and `.so` links. Statuses and struct layouts only ever grow within a major.
fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_default();
    if os == "linux" || os == "freebsd" {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libcdn_secure_token.so.{major}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
