"""Django helpers for CDN Secure Token links.

Settings (``settings.CDN_SECURE_TOKEN``)::

    CDN_SECURE_TOKEN = {
        "KEY": "...",                          # the CDN resource's Secure Token key (required)
        "TTL": 3600,                           # default lifetime: seconds or a timedelta
        "CDN_HOST": "https://cdn.example.com", # prefixed to relative paths
        "IP_BINDING": False,                   # bind links to request.META["REMOTE_ADDR"]
        "VERIFY_KEYS": [],                     # older keys verification still accepts
        "KIND": "file",                        # default token kind: file, directory, mp4
        "PROTECT": ["/protected/"],            # prefixes SecureTokenMiddleware verifies
    }

Add ``"cdn_secure_token.django"`` to ``INSTALLED_APPS`` for ``{% load cdn_secure_token %}``, and
``"cdn_secure_token.django.SecureTokenMiddleware"`` to ``MIDDLEWARE`` for IP binding in
storages and for the ``PROTECT`` prefixes.
"""

from __future__ import annotations

import functools
import inspect
from contextvars import ContextVar
from datetime import datetime, timedelta
from ipaddress import IPv4Address, IPv6Address
from typing import Any, Callable, Optional, TypeVar, Union, overload

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponse

from .._native import Signer, Verdict
from .._types import SignKind, VerifyKind
from .._web import REFUSALS, WebConfig, build_config, cdn_url, protect_kind, verify_environ

__all__ = [
    "SecureTokenMiddleware",
    "SecureTokenStorageMixin",
    "get_signer",
    "require_secure_token",
    "sign_url",
    "verify_request",
]

_Ip = Union[str, IPv4Address, IPv6Address]
_Time = Union[int, datetime]
_Lifetime = Union[int, timedelta]
_View = TypeVar("_View", bound=Callable[..., Any])

# The client IP of the request being handled, set by SecureTokenMiddleware, so that code
# without the request at hand (a storage's url()) can bind links to it.
_current_ip: ContextVar[Optional[str]] = ContextVar("cdn_secure_token_client_ip", default=None)
_config_cache: Optional[WebConfig] = None


def _config() -> WebConfig:
    global _config_cache
    if _config_cache is None:
        options = getattr(settings, "CDN_SECURE_TOKEN", None)
        if not isinstance(options, dict):
            raise ImproperlyConfigured(
                "settings.CDN_SECURE_TOKEN must be a dict with at least a KEY entry"
            )
        _config_cache = build_config(options, "settings.CDN_SECURE_TOKEN", ImproperlyConfigured)
    return _config_cache


def _reset_config(*, setting: str, **_: Any) -> None:
    global _config_cache
    if setting == "CDN_SECURE_TOKEN":
        _config_cache = None


setting_changed.connect(_reset_config)


def get_signer() -> Signer:
    """The signer configured by ``settings.CDN_SECURE_TOKEN`` (built once, shared by threads)."""
    return _config().signer


def _client_ip(request: Optional[HttpRequest]) -> Optional[str]:
    if request is not None:
        ip = request.META.get("REMOTE_ADDR")
        return str(ip) if ip else None
    return _current_ip.get()


def _unsigned_url(target: Any) -> str:
    if isinstance(target, str):
        return target
    # A FieldFile (or anything with a storage and a name).
    storage = getattr(target, "storage", None)
    name = getattr(target, "name", None)
    if storage is not None and isinstance(name, str):
        if not name:
            raise ValueError("the file field has no file associated with it")
        if isinstance(storage, SecureTokenStorageMixin):
            return storage.unsigned_url(name)
        return str(storage.url(name))
    raise TypeError(f"cannot sign a {type(target).__name__}: pass a path, a URL or a FieldFile")


def sign_url(
    target: Any,
    *,
    request: Optional[HttpRequest] = None,
    ip: Optional[_Ip] = None,
    expires: Optional[_Time] = None,
    ttl: Optional[_Lifetime] = None,
    kind: Optional[SignKind] = None,
    speed: Union[str, int, None] = None,
    buffer: Union[str, int, None] = None,
) -> str:
    """A signed CDN URL for a path, a URL or a ``FieldFile``. Relative paths get ``CDN_HOST``;
    with ``IP_BINDING`` on, the client IP comes from ``request`` (or from the request that
    ``SecureTokenMiddleware`` is handling) unless ``ip`` is given."""
    cfg = _config()
    url = cdn_url(cfg.cdn_host, _unsigned_url(target))
    if ip is None and cfg.ip_binding:
        ip = _client_ip(request)
        if ip is None:
            raise ImproperlyConfigured(
                "CDN_SECURE_TOKEN IP_BINDING is on but no client IP is known here: pass "
                "request=... (in templates the 'request' context processor provides it) "
                "or add cdn_secure_token.django.SecureTokenMiddleware"
            )
    return cfg.signer.sign_url(
        url, expires=expires, ttl=ttl, ip=ip, kind=kind or cfg.kind, speed=speed, buffer=buffer
    )


class SecureTokenStorageMixin:
    """Put before a storage class so that ``url()`` (and so ``FileField.url``) returns signed
    CDN URLs: ``class CDNStorage(SecureTokenStorageMixin, FileSystemStorage): ...``."""

    cdn_secure_token_kind: Optional[SignKind] = None

    def unsigned_url(self, name: str) -> str:
        """The storage's own (unsigned) URL for ``name``."""
        return str(super().url(name))  # type: ignore[misc]

    def url(self, name: str, *args: Any, **kwargs: Any) -> str:
        """The signed CDN URL for ``name`` (the client IP from the current request when
        ``IP_BINDING`` is on)."""
        return sign_url(self.unsigned_url(name), kind=self.cdn_secure_token_kind)


def verify_request(
    request: HttpRequest, *, kind: Optional[VerifyKind] = None, ip_binding: Optional[bool] = None
) -> Verdict:
    """The verdict for the request this server received, read exactly as the edge reads it
    (IP from ``REMOTE_ADDR`` when bound). Never raises for anything a client sends: a
    request nginx would answer 400 or 414 to gets that ``http_status``."""
    cfg = _config()
    bound = cfg.ip_binding if ip_binding is None else ip_binding
    ip = _client_ip(request) if bound else None
    scope = getattr(request, "scope", None)  # ASGI: the raw path is in the scope
    if isinstance(scope, dict) and isinstance(scope.get("raw_path"), bytes):
        query = scope.get("query_string") or b""
        target = scope["raw_path"] + (b"?" + query if query else b"")
        return cfg.signer.verify_request(target, ip=ip, kind=kind or cfg.kind)
    return verify_environ(cfg.signer, request.META, ip=ip, kind=kind or cfg.kind)


def _refusal(verdict: Verdict) -> Optional[HttpResponse]:
    if verdict.valid:
        return None
    status = verdict.http_status
    response = HttpResponse(REFUSALS.get(status, f"{status}\n"), status=status, content_type="text/plain")
    setattr(response, "cdn_secure_token_verdict", verdict)  # for logging and tests
    return response


@overload
def require_secure_token(view: _View) -> _View: ...
@overload
def require_secure_token(
    view: None = None, *, kind: Optional[VerifyKind] = None, ip_binding: Optional[bool] = None
) -> Callable[[_View], _View]: ...
def require_secure_token(
    view: Optional[_View] = None,
    *,
    kind: Optional[VerifyKind] = None,
    ip_binding: Optional[bool] = None,
) -> Union[_View, Callable[[_View], _View]]:
    """View decorator: answers as the edge does (403 for a missing or wrong token, 410 for an
    expired one, 400 / 414 for a request nginx refuses); the view runs only for a valid token
    and finds the verdict in ``request.cdn_secure_token``."""

    def decorate(fn: _View) -> _View:
        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def wrapped_async(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
                verdict = verify_request(request, kind=kind, ip_binding=ip_binding)
                refused = _refusal(verdict)
                if refused is not None:
                    return refused
                request.cdn_secure_token = verdict  # type: ignore[attr-defined]
                return await fn(request, *args, **kwargs)

            return wrapped_async  # type: ignore[return-value]

        @functools.wraps(fn)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            verdict = verify_request(request, kind=kind, ip_binding=ip_binding)
            refused = _refusal(verdict)
            if refused is not None:
                return refused
            request.cdn_secure_token = verdict  # type: ignore[attr-defined]
            return fn(request, *args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate(view) if view is not None else decorate


class SecureTokenMiddleware:
    """Makes the client IP known to ``sign_url`` / storages during a request (IP binding),
    and verifies requests under the ``PROTECT`` prefixes (matched on the path as nginx
    normalizes it, so ``//private/x`` is under ``/private/``), answering as the edge does."""

    sync_capable = True
    async_capable = False

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current_ip.set(_client_ip(request))
        try:
            kind = protect_kind(_config().protect, request.META, request.path)
            if kind is not None:
                verdict = verify_request(request, kind=kind)
                refused = _refusal(verdict)
                if refused is not None:
                    return refused
                request.cdn_secure_token = verdict  # type: ignore[attr-defined]
            return self.get_response(request)
        finally:
            _current_ip.reset(token)
