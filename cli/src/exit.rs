//! The exit statuses, one table for every subcommand (also in `--help` and cli/README.md).

/// Success; `verify`: every target is valid (the edge answers 200).
pub const EXIT_OK: u8 = 0;
/// `verify`: the token is right but the link has expired (410), and no target is invalid.
pub const EXIT_EXPIRED: u8 = 1;
/// An input was refused: `verify`: a target is invalid (403, or 400/414 where nginx answers
/// so); `sign`: at least one URL could not be signed (its output line is empty).
pub const EXIT_INVALID: u8 = 2;
/// Nothing (or not everything) was done: bad usage or option values, no or unusable key,
/// unreadable key file or input, output that cannot be written (a closed pipe excepted).
pub const EXIT_ERROR: u8 = 3;

/// The table as shown at the end of `--help`.
pub const EXIT_TABLE: &str = "\
Exit status:
  0  success; verify: valid (the edge answers 200)
  1  verify: expired (410)
  2  verify: invalid (403, or 400/414 where nginx answers so);
     sign: at least one URL could not be signed (its output line is empty)
  3  usage or configuration error: unknown option, bad option value, no or unusable key,
     unreadable key file or input, output that cannot be written
A reader that closes the pipe early (| head -1) ends the output quietly; the status stays
as above.";

/// An error already worded for the user, with the exit status it ends the program with.
#[derive(Debug)]
pub struct Failure(pub String, pub u8);

impl From<cdn_secure_token::Error> for Failure {
    fn from(e: cdn_secure_token::Error) -> Self {
        Failure(e.to_string(), EXIT_ERROR)
    }
}
