//! Video Streaming path tokens and links.

use crate::ascii::AsciiWriter;
use crate::codec::{encode_token, token_str};
use crate::error::{Error, Result};
use crate::layout::Layout;
use crate::options::{SignOptions, StreamKind, TokenKind};
use crate::path::{self, PathBytes, PathInput};
use crate::prepared::check_stream_ids;
use crate::signer::{check_request_len, SignedToken, Signer};
use crate::url;

impl Signer {
    /// A Video Streaming path token: `{account}_{id}_{key}_{expires}_{ip}` → token.
    pub fn stream_token(
        &self,
        account: &str,
        id: &str,
        opts: &SignOptions<'_>,
    ) -> Result<SignedToken> {
        check_stream_ids(account, id)?;
        let p = self.resolve_any(&SignOptions {
            kind: TokenKind::File,
            ..*opts
        })?;
        let digest = Layout::Stream {
            account: account.as_bytes(),
            id: id.as_bytes(),
            expires: p.expires_text.as_bytes(),
            ip: p.ip_bytes(),
        }
        .digest(self.signing_key());
        Ok(SignedToken {
            token: token_str(&encode_token(&digest)).to_owned(),
            expires: p.expires,
        })
    }

    /// A Video Streaming link: `{base}/{prefix}/{account}_{id}/{token}/{expires}/{file}`.
    /// `base` is `""` for a path, or `https://host`; `file` defaults to the kind's manifest.
    pub fn stream_url(
        &self,
        base: &str,
        stream: StreamKind,
        account: &str,
        id: &str,
        file: Option<&str>,
        opts: &SignOptions<'_>,
    ) -> Result<String> {
        let base = base.trim_end_matches('/');
        if !base.is_empty() {
            let parts = url::split(base)?;
            if !parts.path.is_empty() || parts.query.is_some() || !parts.fragment.is_empty() {
                return Err(Error::Url {
                    reason: "base must be scheme://host[:port] without a path",
                });
            }
        }
        let file = file.unwrap_or(stream.default_file());
        let mut file_canon = PathBytes::new();
        if file.is_empty() || file.starts_with('/') {
            return Err(Error::Argument {
                name: "file",
                reason: "must be a relative file name such as master.m3u8",
            });
        }
        // Validates the file name as a path (no `..` escaping, no control characters).
        let mut probe = String::with_capacity(file.len() + 1);
        probe.push('/');
        probe.push_str(file);
        path::canonicalize(probe.as_bytes(), PathInput::Decoded, &mut file_canon)?;
        let t = self.stream_token(account, id, opts)?;
        // The whole path, not only the file name, must stay within the limit that `verify`
        // applies to requests, or the link would be refused as a bad request.
        let path_len = 1
            + stream.prefix().len()
            + 1
            + account.len()
            + 1
            + id.len()
            + 1
            + t.token.len()
            + 1
            + itoa::Buffer::new().format(t.expires).len()
            + file_canon.len();
        if path_len > path::MAX_PATH_LEN {
            return Err(Error::PathTooLong {
                len: path_len,
                max: path::MAX_PATH_LEN,
            });
        }
        let mut out = AsciiWriter::with_capacity(base.len() + 64 + id.len() + file.len() * 3);
        out.push_str(base);
        out.push(b'/');
        out.push_str(stream.prefix());
        out.push(b'/');
        out.push_str(account);
        out.push(b'_');
        out.push_str(id);
        out.push(b'/');
        out.push_str(&t.token);
        out.push(b'/');
        out.push_str(itoa::Buffer::new().format(t.expires));
        path::encode_into(&file_canon, &mut out);
        check_request_len(out.len() - base.len(), self.max_request_len)?;
        Ok(out.into_string())
    }
}
