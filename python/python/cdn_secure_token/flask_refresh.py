"""The token-refresh endpoint as a Flask blueprint (issue 16).

    app.register_blueprint(
        refresh_blueprint(signer, account=12345, cdn_url="https://cdn.example.com",
                          authorize=lambda request, ask: ask.video in allowed),
        url_prefix="/api/token")
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import Blueprint, Request, Response, request

from ._native import RefreshAsk, Signer
from .refresh import TokenRefresh

__all__ = ["refresh_blueprint"]


def refresh_blueprint(
    signer: Signer,
    *,
    account: str | int,
    cdn_url: str,
    authorize: Callable[[Request, RefreshAsk], bool],
    name: str = "cdn_secure_token_refresh",
    cdn_ip_url: str | None = None,
    max_lifetime: int | None = None,
    default_lifetime: int | None = None,
    trusted_proxies: Iterable[str] | None = None,
) -> Blueprint:
    """A blueprint answering ``GET``/``HEAD /`` (under its ``url_prefix``) with the contract.
    Raises ``TypeError`` without an ``authorize`` callable."""
    endpoint: TokenRefresh[Request] = TokenRefresh(
        signer,
        account=account,
        cdn_url=cdn_url,
        authorize=authorize,
        cdn_ip_url=cdn_ip_url,
        max_lifetime=max_lifetime,
        default_lifetime=default_lifetime,
        trusted_proxies=trusted_proxies,
    )
    bp = Blueprint(name, __name__)

    @bp.route("/", methods=["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"], strict_slashes=False)
    def token() -> Response:
        status, headers, body = endpoint.handle_wsgi(request, request.environ)
        return Response(body, status=status, headers=headers)

    return bp
