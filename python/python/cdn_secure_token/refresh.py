"""The player token-refresh endpoint (issue 16), framework-neutral.

``TokenRefresh(signer, account=..., cdn_url=..., authorize=...)`` answers
``GET ?video=ID&type=vod|live&expire=N`` with the contract
``{"token", "token_ip", "client_ip", "expires", "url", "url_ip"}``. Everything about the query,
the lifetime bounds, the client-IP rule and the JSON is decided by the core; this module only
asks the authorization hook in between. The Flask blueprint
(``cdn_secure_token.flask_refresh``) and the Django view (``cdn_secure_token.django.refresh``)
call ``TokenRefresh.handle``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

from ._native import RefreshAsk, RefreshEndpoint, Signer

__all__ = ["RefreshAsk", "TokenRefresh", "Answer"]

R = TypeVar("R")

#: ``(status, [(header, value), ...], json_body)``
Answer = tuple[int, list[tuple[str, str]], str]


class TokenRefresh(Generic[R]):
    """The endpoint. ``authorize(request, ask) -> bool`` is required: ``ask`` has ``video``,
    ``type`` (``"vod"`` / ``"live"``), ``expires`` and ``client_ip``; only ``True`` signs."""

    def __init__(
        self,
        signer: Signer,
        *,
        account: str | int,
        cdn_url: str,
        authorize: Callable[[R, RefreshAsk], bool],
        cdn_ip_url: str | None = None,
        max_lifetime: int | None = None,
        default_lifetime: int | None = None,
        trusted_proxies: Iterable[str] | None = None,
    ) -> None:
        if not callable(authorize):
            raise TypeError(
                "authorize must be a callable (request, ask) -> bool; without an authorization "
                "hook the endpoint would sign for anyone"
            )
        if not isinstance(signer, Signer):
            raise TypeError("signer must be a cdn_secure_token.Signer")
        self._authorize = authorize
        self._endpoint = RefreshEndpoint(
            signer,
            str(account),
            cdn_url,
            cdn_ip_url=cdn_ip_url,
            max_lifetime=max_lifetime,
            default_lifetime=default_lifetime,
            trusted_proxies=list(trusted_proxies) if trusted_proxies is not None else None,
        )

    def handle(
        self,
        request: R,
        *,
        method: str,
        query: bytes,
        peer: str,
        forwarded_for: str | None = None,
        real_ip: str | None = None,
    ) -> Answer:
        """The answer for one request: ``query`` is the raw query string (WSGI
        ``QUERY_STRING`` encoded as latin-1), ``peer`` the connection's address
        (``REMOTE_ADDR``)."""
        got = self._endpoint.prepare(method, query, peer, forwarded_for, real_ip)
        if not isinstance(got, RefreshAsk):
            return got
        return got.respond(self._authorize(request, got) is True)

    def handle_wsgi(self, request: R, environ: dict[str, object]) -> Answer:
        """``handle`` with the values read from a WSGI environ."""

        def text(name: str) -> str | None:
            v = environ.get(name)
            return v if isinstance(v, str) else None

        return self.handle(
            request,
            method=text("REQUEST_METHOD") or "GET",
            query=(text("QUERY_STRING") or "").encode("latin-1"),
            peer=text("REMOTE_ADDR") or "",
            forwarded_for=text("HTTP_X_FORWARDED_FOR"),
            real_ip=text("HTTP_X_REAL_IP"),
        )
