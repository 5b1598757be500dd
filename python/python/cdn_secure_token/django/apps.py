from django.apps import AppConfig


class SecureTokenConfig(AppConfig):
    """Add ``"cdn_secure_token.django"`` to ``INSTALLED_APPS`` for the ``cdn_secure_token`` template
    library (``{% load cdn_secure_token %}``)."""

    name = "cdn_secure_token.django"
    label = "cdn_secure_token"
    verbose_name = "Secure Token"
