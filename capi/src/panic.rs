//! The one panic boundary: every exported body runs inside [`ffi_panic_boundary!`], so no
//! panic unwinds into C. What a function returns after a panic is chosen once, from its
//! return type, by [`Boundary`] (the shape of rustls-ffi's `ffi_panic_boundary!` and
//! `PanicOrDefault`).

use crate::ffi::set_last_error;
use crate::status::st_status;

/// What an exported body evaluates to, and what the function returns for it.
pub(crate) trait Boundary {
    /// The C return type.
    type Out;
    /// The value returned when the body finished.
    fn finish(self) -> Self::Out;
    /// The value returned when the body panicked.
    fn after_panic() -> Self::Out;
}

/// Fallible calls: `Ok` is `ST_OK`, a panic is `ST_ERR_PANIC` (the library stays usable).
impl Boundary for Result<(), st_status> {
    type Out = st_status;
    fn finish(self) -> st_status {
        self.err().unwrap_or(st_status::ST_OK)
    }
    fn after_panic() -> st_status {
        set_last_error("internal error: a panic was caught at the C boundary".into());
        st_status::ST_ERR_PANIC
    }
}

/// `_free` functions.
impl Boundary for () {
    type Out = ();
    fn finish(self) {}
    fn after_panic() {}
}

/// Counts: 0 after a panic.
impl Boundary for usize {
    type Out = usize;
    fn finish(self) -> usize {
        self
    }
    fn after_panic() -> usize {
        0
    }
}

/// Static strings: an empty one after a panic.
impl Boundary for *const std::ffi::c_char {
    type Out = Self;
    fn finish(self) -> Self {
        self
    }
    fn after_panic() -> Self {
        c"".as_ptr()
    }
}

/// Runs `body` under `catch_unwind`; a panic gives `B::after_panic()`.
pub(crate) fn run<B: Boundary>(body: impl FnOnce() -> B) -> B::Out {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)) {
        Ok(value) => value.finish(),
        Err(_) => B::after_panic(),
    }
}

/// Wraps an exported body: `ffi_panic_boundary! { ... Ok(()) }` for a call returning
/// `st_status` (`?` and `return Err(status)` leave the body), `ffi_panic_boundary! { -> T;
/// ... }` for the other return types.
macro_rules! ffi_panic_boundary {
    (-> $t:ty; $($body:tt)*) => {
        $crate::panic::run::<$t>(|| { $($body)* })
    };
    ($($body:tt)*) => {
        $crate::panic::run::<::std::result::Result<(), $crate::status::st_status>>(|| { $($body)* })
    };
}
pub(crate) use ffi_panic_boundary;
