"""``{% load cdn_secure_token %}``: ``{% secure_url target [ttl=..] [kind=..] ... %}`` and the
filter ``{{ target|secure_url }}`` / ``{{ target|secure_url:request }}``."""

from __future__ import annotations

from typing import Any, Optional

from django import template
from django.http import HttpRequest

from cdn_secure_token.django import sign_url

register = template.Library()


@register.simple_tag(takes_context=True, name="secure_url")
def secure_url_tag(context: Any, target: Any, **options: Any) -> str:
    """A signed CDN URL for a path, URL or FieldFile; the client IP (when IP binding is on)
    comes from the template's ``request``."""
    return sign_url(target, request=context.get("request"), **options)


@register.filter(name="secure_url")
def secure_url_filter(target: Any, request: Optional[HttpRequest] = None) -> str:
    """``{{ target|secure_url }}`` / ``{{ target|secure_url:request }}``: a signed CDN URL."""
    return sign_url(target, request=request)
