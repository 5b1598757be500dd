//! The one panic boundary: every exported body runs inside [`ffi_panic_boundary!`], so no
//! panic unwinds into C. What a function returns after a panic is chosen once, from its
//! return type, by [`Boundary`] (the shape of rustls-ffi's `ffi_panic_boundary!` and
//! `PanicOrDefault`).

use crate::prelude::*;

/// A C return type, and the value returned when the body panicked.
pub(crate) trait Boundary {
    fn after_panic() -> Self;
}

/// Fallible calls: a panic is `ST_ERR_PANIC` (the library stays usable).
impl Boundary for st_status {
    fn after_panic() -> st_status {
        let msg = "internal error: a panic was caught at the C boundary";
        fail(st_status::ST_ERR_PANIC, msg.into())
    }
}

/// The infallible return types (`_free` functions: nothing; counts: 0; static strings: an
/// empty one).
macro_rules! infallible {
    ($($t:ty => $after_panic:expr),*) => {$(
        impl Boundary for $t {
            fn after_panic() -> $t {
                $after_panic
            }
        }
    )*};
}
infallible!(() => (), usize => 0, *const c_char => c"".as_ptr());

/// Runs `body` under `catch_unwind`; a panic gives `T::after_panic()`.
pub(crate) fn run<T: Boundary>(body: impl FnOnce() -> T) -> T {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(body))
        .unwrap_or_else(|_| T::after_panic())
}

/// Wraps an exported body: `ffi_panic_boundary! { ... Ok(()) }` for a call returning
/// `st_status` (`?` and `return Err(status)` leave the body; `Ok` is `ST_OK`),
/// `ffi_panic_boundary! { -> T; ... }` for the other return types.
macro_rules! ffi_panic_boundary {
    (-> $t:ty; $($body:tt)*) => {
        $crate::panic::run::<$t>(|| { $($body)* })
    };
    ($($body:tt)*) => {
        $crate::panic::run(|| {
            let body = || -> $crate::ffi::Outcome { $($body)* };
            body().err().unwrap_or($crate::status::st_status::ST_OK)
        })
    };
}
pub(crate) use ffi_panic_boundary;
