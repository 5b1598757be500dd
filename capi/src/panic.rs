//! The one panic boundary: every exported body runs inside [`ffi_panic_boundary!`], so no
//! panic unwinds into C. What a function returns after a panic is chosen once, from its
//! return type, by [`Boundary`] (the shape of rustls-ffi's `ffi_panic_boundary!` and
//! `PanicOrDefault`).

use crate::ffi::fail;
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
        let msg = "internal error: a panic was caught at the C boundary";
        fail(st_status::ST_ERR_PANIC, msg.into())
    }
}

/// The infallible return types: the value, and after a panic the given one (`_free`
/// functions: nothing; counts: 0; static strings: an empty one).
macro_rules! infallible {
    ($($t:ty => $after_panic:expr),*) => {$(
        impl Boundary for $t {
            type Out = $t;
            fn finish(self) -> $t {
                self
            }
            fn after_panic() -> $t {
                $after_panic
            }
        }
    )*};
}
infallible!(() => (), usize => 0, *const std::ffi::c_char => c"".as_ptr());

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
