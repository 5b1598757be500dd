from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from cdn_secure_token.django import require_secure_token

from .models import Document


def page(request: HttpRequest, pk: int) -> HttpResponse:
    doc = get_object_or_404(Document, pk=pk)
    return render(request, "djapp/page.html", {"doc": doc, "video": "/videos/clip 1.mp4"})


@require_secure_token
def protected(request: HttpRequest, name: str) -> HttpResponse:
    verdict = request.cdn_secure_token  # type: ignore[attr-defined]
    return HttpResponse(f"ok key_index={verdict.key_index}", content_type="text/plain")


@require_secure_token(kind="directory")
def protected_dir(request: HttpRequest, name: str) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@require_secure_token(ip_binding=True)
def protected_ip(request: HttpRequest, name: str) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


def plain(request: HttpRequest, name: str) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


def storage_url(request: HttpRequest, pk: int) -> HttpResponse:
    doc = get_object_or_404(Document, pk=pk)
    return HttpResponse(doc.file.url, content_type="text/plain")


@require_secure_token
async def protected_async(request: HttpRequest, name: str) -> HttpResponse:
    return HttpResponse("ok async", content_type="text/plain")
