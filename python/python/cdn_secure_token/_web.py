"""What the Django and Flask helpers share: reading their settings into a signer, and turning a
framework's request into what the edge sees. No token logic lives here: that is the core's."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Callable, Optional, Union, cast
import re
from urllib.parse import unquote_to_bytes

from ._native import Signer, Verdict
from ._types import SignKind, VerifyKind

_Ttl = Union[int, timedelta, None]

_ABSOLUTE = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*:)?//")
_ABSOLUTE_BYTES = re.compile(rb"^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*/?")


@dataclass(frozen=True)
class WebConfig:
    """Settings of one site. Holds the signer, never the key itself."""

    signer: Signer
    cdn_host: str
    ip_binding: bool
    kind: SignKind
    protect: tuple[tuple[str, VerifyKind], ...]


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
    # Checked by the core on first use (a bad kind is an InvalidArgumentError naming it).
    kind = cast(SignKind, str(options.get("KIND") or "file"))
    protect_opt = options.get("PROTECT") or ()
    if isinstance(protect_opt, str):
        raise error(f"{where}: PROTECT must be a list of path prefixes or a dict prefix -> kind")
    if isinstance(protect_opt, Mapping):
        protect = tuple((str(p), cast(VerifyKind, str(k))) for p, k in protect_opt.items())
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


def _wsgi_bytes(text: str) -> bytes:
    # PEP 3333: environ strings carry the bytes received, one char per byte (latin-1). A
    # server that breaks that rule still gets a verdict, never an exception: UTF-8 then.
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


def _raw_target(environ: Mapping[str, Any]) -> Optional[bytes]:
    """The request target as received, when the server passes it on: gunicorn's ``RAW_URI``,
    uWSGI's and waitress's ``REQUEST_URI`` (a client cannot set these: its headers arrive as
    ``HTTP_*``)."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if not isinstance(raw, str) or not raw:
        return None
    target = _wsgi_bytes(raw)
    # Behind nginx (the stock uwsgi_params: REQUEST_URI = $request_uri, PATH_INFO =
    # $document_uri, DOCUMENT_ROOT), an absolute-form target without a path ("http://host?q")
    # arrives as "?q", nginx having read the path as "/". (A client's own "GET ?q", which
    # nginx answers 400, never comes from nginx; uWSGI facing clients sets no DOCUMENT_ROOT.)
    if target[:1] == b"?" and environ.get("PATH_INFO") == "/" and "DOCUMENT_ROOT" in environ:
        target = b"/" + target
    # uWSGI reads "GET /a b HTTP/1.1" as target "/a" and protocol "b HTTP/1.1", where nginx
    # answers 400: the rest of the target goes back in, so that the core sees the raw space.
    protocol = str(environ.get("SERVER_PROTOCOL") or "")
    if " " in protocol:
        target += b" " + _wsgi_bytes(protocol.rsplit(" ", 1)[0])
    return target


def verify_environ(
    signer: Signer, environ: Mapping[str, Any], *, ip: Optional[str], kind: VerifyKind
) -> Verdict:
    """The verdict for a WSGI request, read exactly as the edge reads it: the raw request
    target when the server passes it on, else the decoded ``SCRIPT_NAME`` + ``PATH_INFO``
    and the raw ``QUERY_STRING``. Never raises for anything a client sends."""
    target = _raw_target(environ)
    if target is not None:
        return signer.verify_request(target, ip=ip, kind=kind)
    path = str(environ.get("SCRIPT_NAME") or "") + str(environ.get("PATH_INFO") or "")
    query = str(environ.get("QUERY_STRING") or "")
    return signer.verify_decoded(_wsgi_bytes(path), _wsgi_bytes(query), ip=ip, kind=kind)


def request_path(environ: Mapping[str, Any]) -> bytes:
    """The decoded path as nginx matches locations (``$uri``): from the raw target when the
    server passes it on (its host dropped for an absolute-form target), else ``SCRIPT_NAME`` +
    ``PATH_INFO``; runs of '/' merged, '.' and '..' resolved. Decides only which ``PROTECT``
    prefix applies (``//private/x`` is under ``/private/``); tokens are judged by the core."""
    target = _raw_target(environ)
    if target is not None:
        target = _ABSOLUTE_BYTES.sub(b"/", target, count=1)
        decoded = unquote_to_bytes(re.split(rb"[?#]", target, maxsplit=1)[0])
    else:
        path = str(environ.get("SCRIPT_NAME") or "") + str(environ.get("PATH_INFO") or "")
        decoded = _wsgi_bytes(path)
    out: list[bytes] = []
    for seg in decoded.split(b"/"):
        if seg == b"..":
            if out:
                out.pop()
        elif seg and seg != b".":
            out.append(seg)
    tail = b"/" if decoded.endswith((b"/", b"/.", b"/..")) and out else b""
    return b"/" + b"/".join(out) + tail


def protect_kind(
    protect: tuple[tuple[str, VerifyKind], ...], environ: Mapping[str, Any], routed: str
) -> Optional[VerifyKind]:
    """The token kind of the first ``PROTECT`` prefix the request falls under, if any: under
    it by the path as nginx reads it, or by ``routed``, the path the framework routes on
    (``/guarded/../x`` is not under ``/guarded/`` for nginx, but a router sends it there)."""
    paths = (request_path(environ), routed.encode("utf-8", "surrogatepass"))
    for prefix, kind in protect:
        p = prefix.encode("utf-8")
        if any(path.startswith(p) or path + b"/" == p for path in paths):
            return kind
    return None


REFUSALS = {
    400: "400 Bad Request\n",
    403: "403 Forbidden\n",
    410: "410 Gone: the link has expired\n",
    414: "414 Request-URI Too Large\n",
}
