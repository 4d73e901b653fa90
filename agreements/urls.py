"""Dashboard pages of agreements, mounted at /dashboard/agreements/."""

from django.urls import path

from agreements import views

app_name = "agreements"

urlpatterns = [
    path("<int:agreement_pk>/", views.agreement_detail, name="detail"),
]
