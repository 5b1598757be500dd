"""The Python faces under test, served for real: the Flask blueprint on werkzeug's server and
the Django URLconf include on Django's own development server (django.core.servers.basehttp,
what runserver runs). Both trust 127.0.0.1 as a proxy. Prints ok/not ok lines for the
construction checks, then `PORTS <flask> <django>`, and serves until killed."""

import os
import sys
import threading

import cdn_secure_token
from cdn_secure_token.refresh import TokenRefresh

signer = cdn_secure_token.Signer("my-cdn-key")
common = dict(account=12345, cdn_url="https://cdn.example.com", cdn_ip_url="https://cdn-ip.example.com",
              max_lifetime=120, trusted_proxies=["127.0.0.1"])


def authorize(request, ask):
    return ask.video != "denied"


def refuses(make, name):
    try:
        make()
    except Exception as e:  # noqa: BLE001 - the type is what is checked
        print(f"ok - python {name} refuses to start without an authorization hook ({type(e).__name__})")
    else:
        print(f"not ok - python {name} refuses to start without an authorization hook")


refuses(lambda: TokenRefresh(signer, authorize=None, **common), "TokenRefresh")  # type: ignore[arg-type]

from flask import Flask  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from cdn_secure_token.flask_refresh import refresh_blueprint  # noqa: E402

refuses(lambda: refresh_blueprint(signer, authorize=None, **common), "flask refresh_blueprint")  # type: ignore[arg-type]
app = Flask(__name__)
app.register_blueprint(refresh_blueprint(signer, authorize=authorize, **common), url_prefix="/api/token")
flask_server = make_server("127.0.0.1", 0, app, threaded=True)

import django  # noqa: E402
from django.conf import settings  # noqa: E402

os.environ.pop("CDN_SECURE_TOKEN_KEY", None)
settings.configure(
    DEBUG=False, ALLOWED_HOSTS=["127.0.0.1"], ROOT_URLCONF=__name__, SECRET_KEY="test-only",
    MIDDLEWARE=[], INSTALLED_APPS=[], CDN_SECURE_TOKEN_KEY="my-cdn-key",
    CDN_SECURE_TOKEN_REFRESH={**common, "authorize": f"{__name__}.authorize"},
)
django.setup()
sys.modules[__name__].authorize = authorize  # importable by the dotted path
from django.core.exceptions import ImproperlyConfigured  # noqa: E402
from django.urls import include, path  # noqa: E402

from cdn_secure_token.django.refresh import token_refresh_view  # noqa: E402

refuses(lambda: token_refresh_view(signer, authorize=None, **common), "django token_refresh_view")  # type: ignore[arg-type]
saved = settings.CDN_SECURE_TOKEN_REFRESH
settings.CDN_SECURE_TOKEN_REFRESH = dict(common)
try:
    import cdn_secure_token.django.urls  # noqa: F401
    print("not ok - python django URLconf refuses settings without authorize")
except ImproperlyConfigured:
    print("ok - python django URLconf refuses settings without authorize (ImproperlyConfigured)")
sys.modules.pop("cdn_secure_token.django.urls", None)
settings.CDN_SECURE_TOKEN_REFRESH = saved
urlpatterns = [path("api/token", include("cdn_secure_token.django.urls"))]

from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402


class Quiet(WSGIRequestHandler):
    def log_message(self, *args):  # the test prints its own lines
        pass


django_server = ThreadedWSGIServer(("127.0.0.1", 0), Quiet)
django_server.set_app(get_wsgi_application())
for s in (flask_server, django_server):
    threading.Thread(target=s.serve_forever, daemon=True).start()
print(f"PORTS {flask_server.server_port} {django_server.server_port}", flush=True)
threading.Event().wait()
