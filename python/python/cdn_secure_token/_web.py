"""What the Django and Flask helpers share: reading their settings into a signer, and turning a
framework's request into what the edge sees. No token logic lives here: that is the core's."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Callable, Union
import re
from urllib.parse import quote

from ._native import Signer

_Ttl = Union[int, timedelta, None]

# Characters left as they are when a decoded request path is written back as a request target
# (RFC 3986 pchar minus '%', which must be escaped since the path is already decoded).
_PATH_SAFE = "/!$&'()*+,;=:@~"
_ABSOLUTE = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*:)?//")


@dataclass(frozen=True)
class WebConfig:
    """Settings of one site. Holds the signer, never the key itself."""

    signer: Signer
    cdn_host: str
    ip_binding: bool
    kind: str
    protect: tuple[tuple[str, str], ...]


def build_config(
    options: Mapping[str, Any], where: str, error: Callable[[str], Exception]
) -> WebConfig:
    """Builds the signer from ``KEY``, ``TTL``, ``VERIFY_KEYS``; ``where`` names the setting
    in error messages. Key problems are reported by the core (without the key)."""
    key = options.get("KEY")
    if not key:
        raise error(f"{where}: KEY is not set (the CDN resource's Secure Token key)")
    ttl: _Ttl = options.get("TTL")
    verify_keys = list(options.get("VERIFY_KEYS") or ())
    kind = str(options.get("KIND") or "file")
    protect_opt = options.get("PROTECT") or ()
    if isinstance(protect_opt, str):
        raise error(f"{where}: PROTECT must be a list of path prefixes or a dict prefix -> kind")
    if isinstance(protect_opt, Mapping):
        protect = tuple((str(p), str(k)) for p, k in protect_opt.items())
    else:
        protect = tuple((str(p), kind) for p in protect_opt)
    signer = Signer(key, verify_keys=verify_keys, default_ttl=ttl)
    return WebConfig(
        signer=signer,
        cdn_host=str(options.get("CDN_HOST") or "").rstrip("/"),
        ip_binding=bool(options.get("IP_BINDING", False)),
        kind=kind,
        protect=protect,
    )


def cdn_url(cdn_host: str, url: str) -> str:
    """``url`` on the CDN host: absolute and scheme-relative URLs are kept as they are."""
    if not cdn_host or _ABSOLUTE.match(url):
        return url
    return cdn_host + (url if url.startswith("/") else "/" + url)


def request_target(decoded_path: str, query: str) -> str:
    """The request line target for a framework's decoded path and raw query string, which the
    core decodes back exactly as the edge would."""
    target = quote(decoded_path, safe=_PATH_SAFE)
    return f"{target}?{query}" if query else target
