"""What nginx's `root` does once the token has passed, for the raw-differential apps: the
path as nginx reads it (the helpers' `request_path`) under the fixture tree: a path ending in
'/' is 404 (the harness's nginx location says so), a file is 200 with its bytes, a directory
without the '/' is 301, anything else 404. Test code only: the helpers under test do the guarding."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from cdn_secure_token._web import request_path

ROOT = os.fsencode(os.environ.get("RAWDIFF_ROOT", "/nonexistent")).rstrip(b"/")


def serve(environ: Mapping[str, Any]) -> tuple[int, bytes, list[tuple[str, str]]]:
    uri = request_path(environ)
    full = ROOT + uri
    if not uri.endswith(b"/") and os.path.isfile(full):
        with open(full, "rb") as f:
            return 200, f.read(), [("Content-Type", "application/octet-stream")]
    if not uri.endswith(b"/") and os.path.isdir(full):
        return 301, b"", [("Location", (uri + b"/").decode("latin-1"))]
    return 404, b"404 Not Found\n", [("Content-Type", "text/plain")]
