"""The project's URLs plus one view that fails, for the 500 page's policy."""

from django.urls import path

from slaportal.urls import handler404, handler500, urlpatterns  # noqa: F401 - re-exported


def _boom(request):
    raise RuntimeError("server error page test")


urlpatterns = [path("boom/", _boom), *urlpatterns]
