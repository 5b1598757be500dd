"""A real Flask app guarding the raw-differential fixture tree at "/" with the SecureToken
extension (CDN_SECURE_TOKEN_PROTECT ["/"], file tokens, key conformance-key-1). Run by a real
WSGI server: ``uwsgi --http-socket 127.0.0.1:PORT --module flask_site:app`` with
RAWDIFF_ROOT set to the tree."""

from __future__ import annotations

from flask import Flask, Response, request

import fixture_files
from cdn_secure_token.flask import SecureToken

app = Flask(__name__)
app.url_map.merge_slashes = False  # the path is the edge's business, not the router's
app.config.update(CDN_SECURE_TOKEN_KEY="conformance-key-1", CDN_SECURE_TOKEN_PROTECT=["/"])
SecureToken(app)


@app.route("/", defaults={"_p": ""}, strict_slashes=False)
@app.route("/<path:_p>", strict_slashes=False)
def files(_p: str) -> Response:
    status, body, headers = fixture_files.serve(request.environ)
    return Response(body, status=status, headers=headers)
