"""The token-refresh endpoint as a Django view (issue 16).

    # urls.py
    path("api/token", token_refresh_view(signer, account=12345,
         cdn_url="https://cdn.example.com", authorize=can_watch))

or ``path("api/token", include("cdn_secure_token.django.urls"))`` with the settings
``CDN_SECURE_TOKEN_REFRESH = {"account": ..., "cdn_url": ..., "authorize": "dotted.path"}``
(and ``CDN_SECURE_TOKEN_KEY``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from .._native import RefreshAsk, Signer
from ..refresh import TokenRefresh

__all__ = ["token_refresh_view"]


def token_refresh_view(
    signer: Signer,
    *,
    account: str | int,
    cdn_url: str,
    authorize: Callable[[HttpRequest, RefreshAsk], bool],
    cdn_ip_url: str | None = None,
    max_lifetime: int | None = None,
    default_lifetime: int | None = None,
    trusted_proxies: Iterable[str] | None = None,
) -> Callable[[HttpRequest], HttpResponse]:
    """A view answering with the contract. Raises ``TypeError`` without ``authorize``."""
    endpoint: TokenRefresh[HttpRequest] = TokenRefresh(
        signer,
        account=account,
        cdn_url=cdn_url,
        authorize=authorize,
        cdn_ip_url=cdn_ip_url,
        max_lifetime=max_lifetime,
        default_lifetime=default_lifetime,
        trusted_proxies=trusted_proxies,
    )

    @csrf_exempt
    def view(request: HttpRequest) -> HttpResponse:
        status, headers, body = endpoint.handle_wsgi(request, dict(request.META))
        response = HttpResponse(body, status=status)
        for name, value in headers:
            response[name] = value
        return response

    return view
