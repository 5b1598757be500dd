"""Flask extension for CDN Secure Token links.

Configuration (``app.config``): ``CDN_SECURE_TOKEN_KEY`` (required), ``CDN_SECURE_TOKEN_TTL``
(default lifetime, seconds or timedelta), ``CDN_SECURE_TOKEN_CDN_HOST``,
``CDN_SECURE_TOKEN_IP_BINDING`` (bind links to ``request.remote_addr``),
``CDN_SECURE_TOKEN_VERIFY_KEYS``, ``CDN_SECURE_TOKEN_KIND``.

::

    secure = SecureToken(app)             # or SecureToken() + secure.init_app(app)
    {{ "/videos/a.mp4" | secure_url }}    # Jinja filter (also a global function)

    @app.route("/protected/<path:name>")
    @require_secure_token                 # 403 / 410 like the edge
    def protected(name): ...
"""

from __future__ import annotations

import functools
import inspect
from datetime import datetime, timedelta
from ipaddress import IPv4Address, IPv6Address
from typing import Any, Callable, Optional, TypeVar, Union, cast, overload

from flask import Flask, abort, current_app, g, has_request_context, request

from ._native import Signer, Verdict
from ._web import WebConfig, build_config, cdn_url, request_target

__all__ = ["SecureToken", "require_secure_token", "verify_request"]

_Ip = Union[str, IPv4Address, IPv6Address]
_Time = Union[int, datetime]
_Lifetime = Union[int, timedelta]
_View = TypeVar("_View", bound=Callable[..., Any])

_EXTENSION = "cdn_secure_token"
_OPTIONS = ("KEY", "TTL", "CDN_HOST", "IP_BINDING", "VERIFY_KEYS", "KIND")


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
        options = {
            name: app.config[f"CDN_SECURE_TOKEN_{name}"]
            for name in _OPTIONS
            if f"CDN_SECURE_TOKEN_{name}" in app.config
        }
        app.extensions[_EXTENSION] = build_config(options, "app.config", RuntimeError)
        app.add_template_filter(self.sign_url, "secure_url")
        app.add_template_global(self.sign_url, "secure_url")

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
        kind: Optional[str] = None,
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


def verify_request(*, kind: Optional[str] = None, ip_binding: Optional[bool] = None) -> Verdict:
    """Checks the current request's token as the edge would."""
    cfg = _config()
    bound = cfg.ip_binding if ip_binding is None else ip_binding
    target = request_target(request.path, request.query_string.decode("latin-1"))
    return cfg.signer.verify(
        target, ip=request.remote_addr if bound else None, kind=kind or cfg.kind
    )


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
    """View decorator: 403 for a missing or wrong token, 410 for an expired one, as the edge
    answers; the view runs only for a valid token and finds the verdict in
    ``flask.g.cdn_secure_token``."""

    def check() -> None:
        verdict = verify_request(kind=kind, ip_binding=ip_binding)
        if verdict.expired:
            abort(410, description="The link has expired.")
        if not verdict.valid:
            abort(403)
        g.cdn_secure_token = verdict

    def decorate(fn: _View) -> _View:
        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def wrapped_async(*args: Any, **kwargs: Any) -> Any:
                check()
                return await fn(*args, **kwargs)

            return cast(_View, wrapped_async)

        @functools.wraps(fn)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            check()
            return fn(*args, **kwargs)

        return cast(_View, wrapped)

    return decorate(view) if view is not None else decorate
