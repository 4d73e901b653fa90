"""URLconf used for requests on a page's custom domain (set by StatusPageHostMiddleware).

Only the status page is reachable there: no admin, API or login on a customer's domain.
Static files are served before this by WhiteNoise; /health answers for load balancers.
"""

from django.urls import path

from slaportal import health
from statuspage import views

urlpatterns = [
    path("health", health.health),
    path("", views.document, name="domain-page"),
    path("password", views.password, name="domain-password"),
    path("<path:subpath>", views.document, name="domain-document"),
]
