"""Shared fixtures. Django is configured here, once, before any test module imports it: the
tests drive a real minimal Django project (tests/djapp) and a real Flask app."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
VECTORS = ROOT / "tests" / "vectors"

DJANGO_KEY = "django-cdn-key-1"

try:
    import django
except ImportError:  # the abi3 check on other interpreters runs the core-only test modules
    django = None

if django is not None:
    from django.conf import settings

    MEDIA_ROOT = tempfile.mkdtemp(prefix="cdn-secure-token-media-")

    settings.configure(
        DEBUG=False,
        SECRET_KEY="tests-only",
        ALLOWED_HOSTS=["testserver"],
        ROOT_URLCONF="djapp.urls",
        USE_TZ=True,
        INSTALLED_APPS=[
            "django.contrib.contenttypes",
            "cdn_secure_token.django",
            "djapp",
        ],
        MIDDLEWARE=["cdn_secure_token.django.SecureTokenMiddleware"],
        TEMPLATES=[
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "APP_DIRS": True,
                "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
            }
        ],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        MEDIA_ROOT=MEDIA_ROOT,
        MEDIA_URL="/media/",
        CDN_SECURE_TOKEN={
            "KEY": DJANGO_KEY,
            "TTL": 3600,
            "CDN_HOST": "https://cdn.example.com",
            "IP_BINDING": False,
            "VERIFY_KEYS": ["django-old-key"],
            "PROTECT": {"/guarded/": "file", "/guarded-dir/": "directory"},
        },
    )
    django.setup()


def load_vectors(name: str) -> list[dict[str, Any]]:
    with open(VECTORS / f"{name}.json", encoding="utf-8") as f:
        cases: list[dict[str, Any]] = json.load(f)["cases"]
    return cases


@pytest.fixture(scope="session", autouse=True)
def django_db() -> None:
    if django is None:
        return
    from django.core.management import call_command

    call_command("migrate", run_syncdb=True, verbosity=0)


def pytest_report_header() -> str:
    import cdn_secure_token

    return f"cdn_secure_token {cdn_secure_token.__version__} from {os.path.dirname(cdn_secure_token.__file__)}"
