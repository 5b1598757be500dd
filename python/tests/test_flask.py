"""A real Flask app: the extension's Jinja filter and global render signed URLs, and
@require_secure_token answers 200 / 403 / 410 as the edge does."""

from __future__ import annotations

import html
import re
import time
from pathlib import Path

import pytest
from flask import Flask, g, render_template

import cdn_secure_token
from cdn_secure_token.flask import SecureToken, require_secure_token

KEY = "flask-cdn-key-1"
CDN = "https://cdn.example.com"


def make_app(**config: object) -> Flask:
    app = Flask(__name__, template_folder=str(Path(__file__).parent / "flask_templates"))
    app.config.update(
        CDN_SECURE_TOKEN_KEY=KEY,
        CDN_SECURE_TOKEN_TTL=3600,
        CDN_SECURE_TOKEN_CDN_HOST=CDN,
        CDN_SECURE_TOKEN_IP_BINDING=False,
        CDN_SECURE_TOKEN_VERIFY_KEYS=["flask-old-key"],
    )
    app.config.update(config)
    ext = SecureToken()
    ext.init_app(app)

    @app.route("/")
    def index() -> str:
        return render_template("index.html", path="/photos/a b.jpg")

    @app.route("/protected/<path:name>")
    @require_secure_token
    def protected(name: str) -> str:
        return f"ok {name} key_index={g.cdn_secure_token.key_index}"

    @app.route("/protected-dir/<path:name>")
    @require_secure_token(kind="directory")
    def protected_dir(name: str) -> str:
        return "ok"

    @app.route("/protected-ip/<path:name>")
    @require_secure_token(ip_binding=True)
    def protected_ip(name: str) -> str:
        return "ok"

    @app.route("/protected-async/<path:name>")
    @require_secure_token
    async def protected_async(name: str) -> str:
        return "ok async"

    @app.route("/sign")
    def sign() -> str:
        return ext.sign_url("/dl/file.zip", ttl=60)

    return app


@pytest.fixture
def edge() -> cdn_secure_token.Signer:
    return cdn_secure_token.Signer(KEY)


def _links(body: str) -> dict[str, str]:
    return {m[0]: html.unescape(m[1]) for m in re.findall(r'id="(\w+)" href="([^"]*)"', body)}


def test_templates_render_signed_urls(edge: cdn_secure_token.Signer) -> None:
    client = make_app().test_client()
    r = client.get("/")
    assert r.status_code == 200
    links = _links(r.get_data(as_text=True))
    assert links["filter"].startswith(f"{CDN}/photos/a%20b.jpg?md5=")
    assert 3500 < int(links["filter"].rsplit("=", 1)[1]) - time.time() <= 3600
    assert links["global"].startswith(f"{CDN}/videos/clip%201.mp4?md5=")
    assert 500 < int(links["global"].rsplit("=", 1)[1]) - time.time() <= 600
    for key in ("filter", "global"):
        assert edge.verify(links[key]).valid
    assert edge.verify(links["dir"], kind="directory").valid


def test_ip_binding_uses_remote_addr(edge: cdn_secure_token.Signer) -> None:
    app = make_app(CDN_SECURE_TOKEN_IP_BINDING=True)
    client = app.test_client()
    r = client.get("/", environ_base={"REMOTE_ADDR": "203.0.113.50"})
    links = _links(r.get_data(as_text=True))
    assert edge.verify(links["filter"], ip="203.0.113.50").valid
    assert not edge.verify(links["filter"], ip="203.0.113.51").valid
    url = client.get("/sign", environ_base={"REMOTE_ADDR": "2001:db8::7"}).get_data(as_text=True)
    assert edge.verify(url, ip="2001:db8::7").valid
    with app.app_context():
        with pytest.raises(RuntimeError, match="IP_BINDING"):
            SecureToken().sign_url("/x")


def test_decorator_answers_like_the_edge(edge: cdn_secure_token.Signer) -> None:
    client = make_app().test_client()
    good = edge.sign_url("/protected/a b/c.txt", ttl=60)
    r = client.get(good)
    assert r.status_code == 200 and r.get_data(as_text=True) == "ok a b/c.txt key_index=0"
    old = cdn_secure_token.Signer("flask-old-key").sign_url("/protected/x", ttl=60)
    assert client.get(old).get_data(as_text=True) == "ok x key_index=1"
    past = cdn_secure_token.Signer(KEY, allow_past_expiry=True).sign_url(
        "/protected/x", expires=int(time.time()) - 10
    )
    assert client.get(past).status_code == 410
    assert client.get("/protected/x").status_code == 403
    assert client.get(good.replace("c.txt", "d.txt")).status_code == 403
    assert client.get(good.replace("md5=", "md5=x")).status_code == 403


def test_decorator_directory_and_ip(edge: cdn_secure_token.Signer) -> None:
    client = make_app().test_client()
    manifest = edge.sign_url("/protected-dir/show/index.m3u8", kind="directory", ttl=60)
    query = manifest.split("?", 1)[1]
    assert client.get(f"/protected-dir/show/seg.ts?{query}").status_code == 200
    assert client.get(f"/protected-dir/other/seg.ts?{query}").status_code == 403
    bound = edge.sign_url("/protected-ip/a", ttl=60, ip="192.0.2.8")
    assert client.get(bound, environ_base={"REMOTE_ADDR": "192.0.2.8"}).status_code == 200
    assert client.get(bound, environ_base={"REMOTE_ADDR": "192.0.2.9"}).status_code == 403


def test_extension_signer_and_config_errors() -> None:
    app = make_app()
    ext = SecureToken(app)
    with app.app_context():
        assert ext.signer.default_ttl == 3600 and ext.signer.key_count == 2
        assert KEY not in repr(ext.signer) and KEY not in repr(app.extensions["cdn_secure_token"])
    bare = Flask("bare")
    with pytest.raises(RuntimeError, match="KEY"):
        SecureToken(bare)
    with bare.app_context():
        with pytest.raises(RuntimeError, match="init_app"):
            SecureToken().sign_url("/x")
    bad = Flask("bad")
    bad.config["CDN_SECURE_TOKEN_KEY"] = "k3y!z"
    with pytest.raises(cdn_secure_token.InvalidKeyError) as info:
        SecureToken(bad)
    assert "k3y!z" not in str(info.value)


def test_decorated_async_view(edge: cdn_secure_token.Signer) -> None:
    client = make_app().test_client()
    good = edge.sign_url("/protected-async/a.jpg", ttl=60)
    r = client.get(good)
    assert r.status_code == 200 and r.get_data(as_text=True) == "ok async"
    assert client.get("/protected-async/a.jpg").status_code == 403


# --- what a client sends (issue 10): judged as the edge judges the request it received ------


def _guarded_app() -> Flask:
    app = make_app(CDN_SECURE_TOKEN_PROTECT=["/guarded/"])
    app.url_map.merge_slashes = False

    @app.route("/<path:name>")
    @require_secure_token
    def anything(name: str) -> str:
        return f"ok {name}"

    return app


def _decoded(path_info: str, query: str = "") -> dict[str, str]:
    # What a server that passes on only the decoded path gives (Werkzeug's test client also
    # fills REQUEST_URI / RAW_URI from the URL it was given: emptied here).
    return {"PATH_INFO": path_info, "QUERY_STRING": query, "REQUEST_URI": "", "RAW_URI": ""}


def test_double_slash_path_is_not_fooled(edge: cdn_secure_token.Signer) -> None:
    client = _guarded_app().test_client()
    q = edge.sign_url("/x.jpg", expires=2147483647).split("?", 1)[1]
    # '//evil/x.jpg' is the path /evil/x.jpg to nginx: the token for /x.jpg opened it.
    r = client.get("/", environ_overrides=_decoded("//evil/x.jpg", q))
    assert r.status_code == 403
    r = client.get("/", environ_overrides=_decoded("//guarded/x.jpg", q))
    assert r.status_code == 403
    r = client.get("/", environ_overrides=_decoded("/x.jpg", q))
    assert r.status_code == 200


def test_protect_prefixes_are_checked_before_routing(edge: cdn_secure_token.Signer) -> None:
    client = _guarded_app().test_client()
    # No route, a redirecting route or a 405: the guard answers first, as the edge does.
    for path in ("/guarded/nothing-here", "//guarded/a.jpg", "/x/../guarded/a.jpg"):
        r = client.get("/", environ_overrides=_decoded(path))
        assert r.status_code == 403, path
    good = edge.sign_url("/guarded/a.jpg", expires=2147483647)
    assert client.get(good).status_code == 200
    past = cdn_secure_token.Signer(KEY, allow_past_expiry=True).sign_url("/guarded/a.jpg", expires=1000000000)
    assert client.get(past).status_code == 410
    # The raw target, when the server passes it on, is what is judged.
    q = good.split("?", 1)[1]
    r = client.get("/guarded/a.jpg", query_string=q, environ_overrides={"REQUEST_URI": f"//guarded/b.jpg?{q}"})
    assert r.status_code == 403
    r = client.get("/", environ_overrides={"RAW_URI": f"//guarded/a.jpg?{q}", "PATH_INFO": "/x"})
    assert r.status_code == 200  # judged on the raw target, which the token is for


@pytest.mark.parametrize(
    ("path_info", "query", "status"),
    [
        ("/guarded/\xff\xfe.jpg", "md5=AAAAAAAAAAAAAAAAAAAAAA&expires=2147483647", 403),
        ("/guarded/a.jpg", "md5=\xff&expires=\xff", 403),
        ("/guarded/a\x00.jpg", "", 400),
        ("/guarded/../../a.jpg", "", 400),
        ("/guarded/" + "a" * 9000, "md5=AAAAAAAAAAAAAAAAAAAAAA&expires=2147483647", 414),
    ],
)
def test_client_input_gets_a_verdict_never_an_exception(path_info: str, query: str, status: int) -> None:
    app = _guarded_app()
    app.config["PROPAGATE_EXCEPTIONS"] = True
    r = app.test_client().get("/", environ_overrides=_decoded(path_info, query))
    assert r.status_code == status


def test_every_public_helper_has_a_docstring() -> None:
    import cdn_secure_token.flask as fl

    missing = [name for name in fl.__all__ if not (getattr(fl, name).__doc__ or "").strip()]
    missing += [f"SecureToken.{n}" for n in ("init_app", "sign_url", "signer") if not (getattr(SecureToken, n).__doc__ or "").strip()]
    assert not missing, missing
