"""A real Django site guarding the raw-differential fixture tree at "/" with
SecureTokenMiddleware (PROTECT ["/"], file tokens, key conformance-key-1). Run by a real WSGI
server: ``uwsgi --http-socket 127.0.0.1:PORT --module django_site:application`` with
RAWDIFF_ROOT set to the tree."""

from __future__ import annotations

import django
from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpRequest, HttpResponse
from django.urls import re_path

import fixture_files

settings.configure(
    DEBUG=False,
    SECRET_KEY="raw-differential-only",
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=["cdn_secure_token.django.SecureTokenMiddleware"],
    INSTALLED_APPS=["cdn_secure_token.django"],
    CDN_SECURE_TOKEN={"KEY": "conformance-key-1", "PROTECT": ["/"], "KIND": "file"},
)
django.setup()


def files(request: HttpRequest) -> HttpResponse:
    status, body, headers = fixture_files.serve(request.META)
    response = HttpResponse(body, status=status)
    for name, value in headers:
        response[name] = value
    return response


urlpatterns = [re_path(r"", files)]
application = get_wsgi_application()
