"""URLconf used for requests on a page's custom domain (set by StatusPageHostMiddleware).

Only the status page is reachable there: no admin, API or login on a customer's domain.
Static files are served before this by WhiteNoise; /health answers for load balancers.
"""

from django.urls import path

from slaportal import health
from statuspage import views
from statuspage.subscriptions import views as subscription_views

urlpatterns = [
    path("health", health.health),
    path("", views.document, name="domain-page"),
    path("password", views.password, name="domain-password"),
    path("subscribe", subscription_views.subscribe, name="domain-subscribe"),
    path(
        "subscription/confirm/<str:token>",
        subscription_views.confirm,
        name="domain-subscription-confirm",
    ),
    path(
        "subscription/unsubscribe/<str:token>",
        subscription_views.unsubscribe,
        name="domain-subscription-unsubscribe",
    ),
    path("<path:subpath>", views.document, name="domain-document"),
]
