"""Status pages under /status/<slug>/ (mounted in slaportal/urls.py)."""

from django.urls import path

from statuspage import views
from statuspage.subscriptions import views as subscription_views

app_name = "statuspage"

urlpatterns = [
    path("<slug:slug>/", views.document, name="page"),
    path("<slug:slug>/password", views.password, name="password"),
    path("<slug:slug>/subscribe", subscription_views.subscribe, name="subscribe"),
    path(
        "<slug:slug>/subscription/confirm/<str:token>",
        subscription_views.confirm,
        name="subscription-confirm",
    ),
    path(
        "<slug:slug>/subscription/unsubscribe/<str:token>",
        subscription_views.unsubscribe,
        name="subscription-unsubscribe",
    ),
    path("<slug:slug>/<path:subpath>", views.document, name="document"),
]
