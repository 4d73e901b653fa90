"""Status pages under /status/<slug>/ (mounted in slaportal/urls.py)."""

from django.urls import path

from statuspage import views

app_name = "statuspage"

urlpatterns = [
    path("<slug:slug>/", views.document, name="page"),
    path("<slug:slug>/password", views.password, name="password"),
    path("<slug:slug>/<path:subpath>", views.document, name="document"),
]
