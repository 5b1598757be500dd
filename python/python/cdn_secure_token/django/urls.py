"""``path("api/token", include("cdn_secure_token.django.urls"))``: the token-refresh view
configured from the settings ``CDN_SECURE_TOKEN_REFRESH`` (``account``, ``cdn_url``,
``authorize`` as a callable or a dotted path, and optionally ``cdn_ip_url``,
``max_lifetime``, ``default_lifetime``, ``trusted_proxies``) and the key
``CDN_SECURE_TOKEN_KEY`` (setting, else environment variable)."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import path
from django.utils.module_loading import import_string

from .._native import Signer
from .refresh import token_refresh_view


def _view() -> Any:
    conf = dict(getattr(settings, "CDN_SECURE_TOKEN_REFRESH", None) or {})
    key = getattr(settings, "CDN_SECURE_TOKEN_KEY", None) or os.environ.get("CDN_SECURE_TOKEN_KEY")
    if not key:
        raise ImproperlyConfigured("set CDN_SECURE_TOKEN_KEY for the token-refresh view")
    authorize = conf.pop("authorize", None)
    if isinstance(authorize, str):
        authorize = import_string(authorize)
    if authorize is None:
        raise ImproperlyConfigured(
            "CDN_SECURE_TOKEN_REFRESH['authorize'] is required: without an authorization hook "
            "the endpoint would sign for anyone"
        )
    return token_refresh_view(Signer(key), authorize=authorize, **conf)


urlpatterns = [path("", _view(), name="cdn_secure_token_refresh")]
