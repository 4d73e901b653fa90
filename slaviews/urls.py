"""Dashboard URLs of saved SLA views, mounted at /dashboard/sla-views/."""

from django.urls import path

from slaviews import views

app_name = "slaviews"

urlpatterns = [
    path("", views.view_list, name="list"),
    path("<int:view_id>/", views.view_detail, name="detail"),
    path("<int:view_id>/export.csv", views.view_csv, name="csv"),
]
