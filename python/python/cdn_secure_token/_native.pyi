"""Type stubs for the Rust extension module (re-exported by ``cdn_secure_token``)."""

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from ipaddress import IPv4Address, IPv6Address
from typing import ClassVar, Final, Literal, NoReturn, TypeAlias, final

from ._types import ErrorCode, HttpStatus, ReasonCode, SignKind, StreamKind, VerdictStatus, VerifyKind


__all__ = [
    "Explanation",
    "RefreshAsk",
    "RefreshEndpoint",
    "InvalidArgumentError",
    "InvalidExpiryError",
    "InvalidIpError",
    "InvalidKeyError",
    "InvalidPathError",
    "InvalidUrlError",
    "MAX_EXPIRES",
    "MAX_KEYS",
    "MAX_KEY_LEN",
    "MIN_KEY_LEN",
    "SIGN_OPTIONS",
    "SecureTokenError",
    "SignedToken",
    "Signer",
    "TOKEN_LEN",
    "VERIFY_OPTIONS",
    "Verdict",
    "__version__",
]

__version__: Final[str]
TOKEN_LEN: Final[int]
MAX_EXPIRES: Final[int]
MIN_KEY_LEN: Final[int]
MAX_KEY_LEN: Final[int]
MAX_KEYS: Final[int]
#: The option names of core's schema: the keyword arguments of the signing calls
#: (``sign_url``, ``sign_many``, ``token``, ...) and of the verifying calls.
SIGN_OPTIONS: Final[tuple[str, ...]]
VERIFY_OPTIONS: Final[tuple[str, ...]]

_Key: TypeAlias = str | bytes
_Time: TypeAlias = int | datetime
_Lifetime: TypeAlias = int | timedelta
_Ip: TypeAlias = str | IPv4Address | IPv6Address

class SecureTokenError(ValueError):
    """Base class of every cdn_secure_token error. Messages never contain the key."""

    code: ClassVar[ErrorCode | None]
    index: int | None
    line: int | None

class InvalidKeyError(SecureTokenError):
    """The signing or a verification key is unusable."""

class InvalidPathError(SecureTokenError):
    """The URL path cannot be hashed the way the edge would."""

class InvalidIpError(SecureTokenError):
    """The client IP is not a valid address."""

class InvalidExpiryError(SecureTokenError):
    """The expiry time or lifetime is unusable."""

class InvalidUrlError(SecureTokenError):
    """The URL as a whole is malformed, or too long for the edge's request line."""

class InvalidArgumentError(SecureTokenError):
    """Another argument (token kind, stream ids, speed, buffer, ...) is unusable."""

@final
class SignedToken:
    """A token with the expiry (Unix seconds) it was made for."""

    @property
    def token(self) -> str: ...
    @property
    def expires(self) -> int: ...

@final
class Verdict:
    """The edge's answer to a request."""

    @property
    def valid(self) -> bool: ...
    @property
    def expired(self) -> bool: ...
    @property
    def status(self) -> VerdictStatus: ...
    @property
    def http_status(self) -> HttpStatus: ...
    @property
    def reason(self) -> ReasonCode | None: ...
    @property
    def message(self) -> str | None: ...
    @property
    def expires(self) -> int | None: ...
    @property
    def key_index(self) -> int | None: ...
    def __bool__(self) -> bool: ...

@final
class Explanation:
    """What the edge hashes for a link, to debug a 403. The key is shown as ``***``."""

    @property
    def kind(self) -> VerifyKind: ...
    @property
    def hashed_path(self) -> str: ...
    @property
    def expires(self) -> str: ...
    @property
    def ip(self) -> str | None: ...
    @property
    def string_to_sign(self) -> str: ...
    @property
    def expected_token(self) -> str: ...
    @property
    def found_token(self) -> str | None: ...
    @property
    def matches(self) -> bool | None: ...

@final
class Signer:
    """Signs and verifies CDN Secure Token links (Gcore CDN, nginx ``secure_link``)."""

    def __new__(
        cls,
        key: _Key,
        *,
        verify_keys: Iterable[_Key] | None = None,
        default_ttl: _Lifetime | None = None,
        allow_past_expiry: bool = False,
        clock: Callable[[], int | float | datetime] | None = None,
    ) -> Signer: ...
    def __copy__(self) -> Signer: ...
    def __deepcopy__(self, memo: object, /) -> Signer: ...
    def __reduce__(self) -> NoReturn: ...
    @property
    def key_count(self) -> int: ...
    @property
    def default_ttl(self) -> int | None: ...
    def now(self) -> int: ...
    def resolve_expires(
        self,
        *,
        expires: _Time | None = None,
        ttl: _Lifetime | None = None,
        now: _Time | None = None,
    ) -> int: ...
    def sign_url(
        self,
        url: str,
        *,
        expires: _Time | None = None,
        ttl: _Lifetime | None = None,
        ip: _Ip | None = None,
        kind: SignKind | None = None,
        speed: str | int | None = None,
        buffer: str | int | None = None,
        now: _Time | None = None,
    ) -> str: ...
    def sign_many(
        self,
        urls: Iterable[str],
        *,
        expires: _Time | None = None,
        ttl: _Lifetime | None = None,
        ip: _Ip | None = None,
        kind: SignKind | None = None,
        speed: str | int | None = None,
        buffer: str | int | None = None,
        now: _Time | None = None,
    ) -> list[str]: ...
    def sign_manifest(
        self,
        text: str,
        url: str,
        *,
        expires: _Time | None = None,
        ttl: _Lifetime | None = None,
        ip: _Ip | None = None,
        kind: SignKind | None = None,
        speed: str | int | None = None,
        buffer: str | int | None = None,
        now: _Time | None = None,
        outside: Literal["error", "keep"] | None = None,
        other_hosts: bool = False,
    ) -> str: ...
    def token(
        self,
        path: str,
        *,
        expires: _Time | None = None,
        ttl: _Lifetime | None = None,
        ip: _Ip | None = None,
        kind: SignKind | None = None,
        speed: str | int | None = None,
        buffer: str | int | None = None,
        now: _Time | None = None,
    ) -> str: ...
    def signed_token(
        self,
        path: str,
        *,
        expires: _Time | None = None,
        ttl: _Lifetime | None = None,
        ip: _Ip | None = None,
        kind: SignKind | None = None,
        speed: str | int | None = None,
        buffer: str | int | None = None,
        now: _Time | None = None,
    ) -> SignedToken: ...
    def stream_url(
        self,
        account: str | int,
        id: str,
        *,
        stream: StreamKind | None = None,
        base: str | None = None,
        file: str | None = None,
        expires: _Time | None = None,
        ttl: _Lifetime | None = None,
        ip: _Ip | None = None,
        now: _Time | None = None,
    ) -> str: ...
    def stream_token(
        self,
        account: str | int,
        id: str,
        *,
        expires: _Time | None = None,
        ttl: _Lifetime | None = None,
        ip: _Ip | None = None,
        now: _Time | None = None,
    ) -> SignedToken: ...
    def verify(
        self,
        url: str,
        *,
        ip: _Ip | None = None,
        now: _Time | None = None,
        kind: VerifyKind | None = None,
    ) -> Verdict: ...
    def verify_request(
        self,
        target: bytes,
        *,
        ip: _Ip | None = None,
        now: _Time | None = None,
        kind: VerifyKind | None = None,
    ) -> Verdict: ...
    def verify_decoded(
        self,
        path: bytes,
        query: bytes,
        *,
        ip: _Ip | None = None,
        now: _Time | None = None,
        kind: VerifyKind | None = None,
    ) -> Verdict: ...
    def explain(
        self,
        url: str,
        *,
        ip: _Ip | None = None,
        kind: VerifyKind | None = None,
        expires: _Time | None = None,
    ) -> Explanation: ...

# ---- Player token refresh (issue 16) ----

_RefreshAnswer = tuple[int, list[tuple[str, str]], str]

@final
class RefreshAsk:
    @property
    def video(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def expires(self) -> int: ...
    @property
    def client_ip(self) -> str: ...
    def respond(self, allowed: bool) -> _RefreshAnswer: ...

@final
class RefreshEndpoint:
    def __new__(
        cls,
        signer: Signer,
        account: str,
        cdn_url: str,
        *,
        cdn_ip_url: str | None = None,
        max_lifetime: int | None = None,
        default_lifetime: int | None = None,
        trusted_proxies: list[str] | None = None,
    ) -> RefreshEndpoint: ...
    def prepare(
        self,
        method: str,
        query: bytes,
        peer: str,
        forwarded_for: str | None = None,
        real_ip: str | None = None,
        now: int | None = None,
    ) -> RefreshAsk | _RefreshAnswer: ...
