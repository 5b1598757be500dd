from django.urls import path

from . import views

urlpatterns = [
    path("page/<int:pk>/", views.page),
    path("protected/<path:name>", views.protected),
    path("protected-dir/<path:name>", views.protected_dir),
    path("protected-ip/<path:name>", views.protected_ip),
    path("guarded/<path:name>", views.plain),
    path("guarded-dir/<path:name>", views.plain),
    path("storage-url/<int:pk>/", views.storage_url),
    path("protected-async/<path:name>", views.protected_async),
    path("<path:name>", views.protected),  # everything else: the decorator decides
]
