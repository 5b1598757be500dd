"""Sign and verify CDN Secure Token links (Gcore CDN, nginx ``secure_link``) exactly as the
edge does: the path is hashed as nginx's ``$uri`` and the client IP as ``$remote_addr``.

>>> from datetime import datetime, timezone
>>> signer = Signer("secret-key")
>>> signer.sign_url("https://cdn.example.com/photo.jpeg", expires=2147483647)
'https://cdn.example.com/photo.jpeg?md5=9lK0ULs_VuB9Wbe3KxyLoQ&expires=2147483647'

The framework helpers are optional imports: ``cdn_secure_token.django`` and ``cdn_secure_token.flask``.
"""

from ._native import (
    MAX_EXPIRES,
    MAX_KEY_LEN,
    MAX_KEYS,
    MIN_KEY_LEN,
    TOKEN_LEN,
    Explanation,
    InvalidArgumentError,
    InvalidExpiryError,
    InvalidIpError,
    InvalidKeyError,
    InvalidPathError,
    InvalidUrlError,
    SecureTokenError,
    SignedToken,
    Signer,
    Verdict,
    __version__,
)
from ._types import (
    ErrorCode,
    HttpStatus,
    ReasonCode,
    SignKind,
    StreamKind,
    VerdictStatus,
    VerifyKind,
)

__all__ = [
    "MAX_EXPIRES",
    "MAX_KEY_LEN",
    "MAX_KEYS",
    "MIN_KEY_LEN",
    "TOKEN_LEN",
    "ErrorCode",
    "Explanation",
    "HttpStatus",
    "InvalidArgumentError",
    "InvalidExpiryError",
    "InvalidIpError",
    "InvalidKeyError",
    "InvalidPathError",
    "InvalidUrlError",
    "ReasonCode",
    "SecureTokenError",
    "SignKind",
    "SignedToken",
    "Signer",
    "StreamKind",
    "Verdict",
    "VerdictStatus",
    "VerifyKind",
    "__version__",
]
