"""The precise types of the package's string arguments and verdict fields, usable at run time
(``typing.get_args(cdn_secure_token.ReasonCode)``) and by type checkers."""

from __future__ import annotations

from typing import Literal, TypeAlias

#: Token kinds a link can be signed with (``sign_url``, ``sign_many``, ``token``, ...).
SignKind: TypeAlias = Literal["file", "directory", "mp4"]
#: Token kinds a request can be checked against: the signing kinds, and Video Streaming
#: path tokens (``"stream"``, made by ``stream_url`` / ``stream_token``).
VerifyKind: TypeAlias = Literal["file", "directory", "mp4", "stream"]
#: Video Streaming layouts: ``/videos/``, ``/cmaf/``, ``/mpegts/``, ``/streams/``.
StreamKind: TypeAlias = Literal["vod", "cmaf", "mpegts", "streams"]
#: ``Verdict.status``.
VerdictStatus: TypeAlias = Literal["valid", "expired", "invalid"]
#: ``Verdict.http_status``: what the edge answers.
HttpStatus: TypeAlias = Literal[200, 400, 403, 410, 414]
#: ``Verdict.reason``: the stable code of why a request is refused (``None`` when valid).
ReasonCode: TypeAlias = Literal[
    "expired",
    "missing_token",
    "malformed_token",
    "missing_expires",
    "malformed_expires",
    "bad_request",
    "uri_too_long",
    "bad_client_ip",
    "not_a_stream_path",
    "mismatch",
]
#: ``SecureTokenError.code`` of each subclass.
ErrorCode: TypeAlias = Literal[
    "INVALID_KEY", "INVALID_PATH", "INVALID_IP", "INVALID_EXPIRY", "INVALID_URL", "INVALID_ARGUMENT"
]
