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
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, HttpResponseGone

from .._native import Signer, Verdict
from .._web import WebConfig, build_config, cdn_url, request_target

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
    kind: Optional[str] = None,
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

    cdn_secure_token_kind: Optional[str] = None

    def unsigned_url(self, name: str) -> str:
        return str(super().url(name))  # type: ignore[misc]

    def url(self, name: str, *args: Any, **kwargs: Any) -> str:
        return sign_url(self.unsigned_url(name), kind=self.cdn_secure_token_kind)


def verify_request(
    request: HttpRequest, *, kind: Optional[str] = None, ip_binding: Optional[bool] = None
) -> Verdict:
    """Checks the request's token as the edge would (IP from ``REMOTE_ADDR`` when bound)."""
    cfg = _config()
    bound = cfg.ip_binding if ip_binding is None else ip_binding
    target = request_target(request.path, str(request.META.get("QUERY_STRING", "")))
    return cfg.signer.verify(
        target, ip=_client_ip(request) if bound else None, kind=kind or cfg.kind
    )


def _refusal(verdict: Verdict) -> Optional[HttpResponse]:
    if verdict.valid:
        return None
    response: HttpResponse
    if verdict.expired:
        response = HttpResponseGone("410 Gone: the link has expired\n", content_type="text/plain")
    else:
        response = HttpResponseForbidden("403 Forbidden\n", content_type="text/plain")
    setattr(response, "cdn_secure_token_verdict", verdict)  # for logging and tests
    return response


@overload
def require_secure_token(view: _View) -> _View: ...
@overload
def require_secure_token(
    view: None = None, *, kind: Optional[str] = None, ip_binding: Optional[bool] = None
) -> Callable[[_View], _View]: ...
def require_secure_token(
    view: Optional[_View] = None,
    *,
    kind: Optional[str] = None,
    ip_binding: Optional[bool] = None,
) -> Union[_View, Callable[[_View], _View]]:
    """View decorator: answers 403 (missing or wrong token) or 410 (expired) as the edge does;
    the view runs only for a valid token and finds the verdict in ``request.cdn_secure_token``."""

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
    and verifies requests under the ``PROTECT`` prefixes (403 / 410 like the edge)."""

    sync_capable = True
    async_capable = False

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current_ip.set(_client_ip(request))
        try:
            for prefix, kind in _config().protect:
                if request.path.startswith(prefix):
                    verdict = verify_request(request, kind=kind)
                    refused = _refusal(verdict)
                    if refused is not None:
                        return refused
                    request.cdn_secure_token = verdict  # type: ignore[attr-defined]
                    break
            return self.get_response(request)
        finally:
            _current_ip.reset(token)
