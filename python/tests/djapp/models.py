from __future__ import annotations

import tempfile

from django.core.files.storage import FileSystemStorage
from django.db import models

from cdn_secure_token.django import SecureTokenStorageMixin


class CDNStorage(SecureTokenStorageMixin, FileSystemStorage):
    """A real storage on a temporary directory whose URLs are signed CDN URLs."""


cdn_storage = CDNStorage(location=tempfile.mkdtemp(prefix="cdn-secure-token-cdn-"), base_url="/media/")


class Document(models.Model):
    title = models.CharField(max_length=100)
    file = models.FileField(storage=cdn_storage, upload_to="docs/")

    class Meta:
        app_label = "djapp"
