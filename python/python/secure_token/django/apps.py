from django.apps import AppConfig


class SecureTokenConfig(AppConfig):
    """Add ``"secure_token.django"`` to ``INSTALLED_APPS`` for the ``secure_token`` template
    library (``{% load secure_token %}``)."""

    name = "secure_token.django"
    label = "secure_token"
    verbose_name = "Secure Token"
