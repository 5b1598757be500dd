"""Flask extension for CDN Secure Token links.

Configuration (``app.config``): ``CDN_SECURE_TOKEN_KEY`` (required), ``CDN_SECURE_TOKEN_TTL``
(default lifetime, seconds or timedelta), ``CDN_SECURE_TOKEN_CDN_HOST``,
``CDN_SECURE_TOKEN_IP_BINDING`` (bind links to ``request.remote_addr``),
``CDN_SECURE_TOKEN_VERIFY_KEYS``, ``CDN_SECURE_TOKEN_KIND``, ``CDN_SECURE_TOKEN_PROTECT`` (path
prefixes, or a dict prefix -> kind, that every request under them must carry a valid token for:
checked before routing, like the edge's location).

::

    secure = SecureToken(app)             # or SecureToken() + secure.init_app(app)
    {{ "/videos/a.mp4" | secure_url }}    # Jinja filter (also a global function)

    @app.route("/protected/<path:name>")
    @require_secure_token                 # 403 / 410 (400 / 414) like the edge
    def protected(name): ...
"""

from __future__ import annotations

import functools
import inspect
from datetime import datetime, timedelta
from ipaddress import IPv4Address, IPv6Address
from typing import Any, Callable, Optional, TypeVar, Union, cast, overload

from flask import Flask, Response, current_app, g, has_request_context, request

from ._native import Signer, Verdict
from ._types import SignKind, VerifyKind
from ._web import REFUSALS, WebConfig, build_config, cdn_url, protect_kind, verify_environ

__all__ = ["SecureToken", "require_secure_token", "verify_request"]

_Ip = Union[str, IPv4Address, IPv6Address]
_Time = Union[int, datetime]
_Lifetime = Union[int, timedelta]
_View = TypeVar("_View", bound=Callable[..., Any])

_EXTENSION = "cdn_secure_token"
_OPTIONS = ("KEY", "TTL", "CDN_HOST", "IP_BINDING", "VERIFY_KEYS", "KIND", "PROTECT")


def _config(app: Optional[Flask] = None) -> WebConfig:
    app = app or current_app
    try:
        return cast(WebConfig, app.extensions[_EXTENSION])
    except KeyError:
        raise RuntimeError(
            "cdn_secure_token.flask.SecureToken is not set up on this app: call init_app(app)"
        ) from None


class SecureToken:
    """The extension. One instance may serve several apps (``init_app`` each)."""

    def __init__(self, app: Optional[Flask] = None) -> None:
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Reads ``CDN_SECURE_TOKEN_*`` from ``app.config``, builds the signer, registers the
        ``secure_url`` template filter and global, and guards the ``PROTECT`` prefixes."""
        options = {
            name: app.config[f"CDN_SECURE_TOKEN_{name}"]
            for name in _OPTIONS
            if f"CDN_SECURE_TOKEN_{name}" in app.config
        }
        app.extensions[_EXTENSION] = build_config(options, "app.config", RuntimeError)
        app.add_template_filter(self.sign_url, "secure_url")
        app.add_template_global(self.sign_url, "secure_url")
        app.before_request(_guard_protected)

    @property
    def signer(self) -> Signer:
        """The current app's signer."""
        return _config().signer

    def sign_url(
        self,
        target: str,
        *,
        ip: Optional[_Ip] = None,
        expires: Optional[_Time] = None,
        ttl: Optional[_Lifetime] = None,
        kind: Optional[SignKind] = None,
        speed: Union[str, int, None] = None,
        buffer: Union[str, int, None] = None,
    ) -> str:
        """A signed CDN URL for a path or URL; relative paths get ``CDN_SECURE_TOKEN_CDN_HOST``.
        With IP binding on, the client IP is ``request.remote_addr`` unless ``ip`` is given."""
        cfg = _config()
        if ip is None and cfg.ip_binding:
            if not has_request_context() or not request.remote_addr:
                raise RuntimeError(
                    "CDN_SECURE_TOKEN_IP_BINDING is on but there is no request to take the "
                    "client IP from: pass ip=..."
                )
            ip = request.remote_addr
        return cfg.signer.sign_url(
            cdn_url(cfg.cdn_host, target),
            expires=expires,
            ttl=ttl,
            ip=ip,
            kind=kind or cfg.kind,
            speed=speed,
            buffer=buffer,
        )


def verify_request(*, kind: Optional[VerifyKind] = None, ip_binding: Optional[bool] = None) -> Verdict:
    """The verdict for the current request, read exactly as the edge reads it (the client IP
    is ``request.remote_addr`` when bound). Never raises for anything a client sends: a request
    nginx would answer 400 or 414 to gets that ``http_status``."""
    cfg = _config()
    bound = cfg.ip_binding if ip_binding is None else ip_binding
    ip = request.remote_addr if bound else None
    return verify_environ(cfg.signer, request.environ, ip=ip, kind=kind or cfg.kind)


def _refusal(verdict: Verdict) -> Optional[Response]:
    if verdict.valid:
        g.cdn_secure_token = verdict
        return None
    status = verdict.http_status
    response = Response(REFUSALS.get(status, f"{status}\n"), status=status, mimetype="text/plain")
    response.cdn_secure_token_verdict = verdict  # type: ignore[attr-defined]
    return response


def _guard_protected() -> Optional[Response]:
    kind = protect_kind(_config().protect, request.environ, request.path)
    return None if kind is None else _refusal(verify_request(kind=kind))


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
    and finds the verdict in ``flask.g.cdn_secure_token``."""

    def check() -> Optional[Response]:
        return _refusal(verify_request(kind=kind, ip_binding=ip_binding))

    def decorate(fn: _View) -> _View:
        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def wrapped_async(*args: Any, **kwargs: Any) -> Any:
                refused = check()
                return refused if refused is not None else await fn(*args, **kwargs)

            return cast(_View, wrapped_async)

        @functools.wraps(fn)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            refused = check()
            return refused if refused is not None else fn(*args, **kwargs)

        return cast(_View, wrapped)

    return decorate(view) if view is not None else decorate
