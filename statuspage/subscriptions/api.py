"""API of status page subscribers:

/api/v1/status-page-subscribers[/<pk>]           list (?status_page=, ?kind=, ?confirmed=),
                                                 add, change components, remove
/api/v1/status-page-subscribers/<pk>/test        POST: a test message now
/api/v1/status-page-subscribers/counts?status_page=ID
/api/v1/status-page-subscribers/export[?status_page=ID]   CSV
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import APIView

from accounts.api_base import AccountScopedMixin, AccountScopedViewSet
from slaportal.api.params import id_param
from statuspage.models import StatusPage
from statuspage.subscriptions import services
from statuspage.subscriptions.export import subscribers_csv
from statuspage.subscriptions.models import Subscriber
from statuspage.subscriptions.selectors import subscriber_counts, subscribers_for_export
from statuspage.subscriptions.serializers import (
    SubscriberCountsSerializer,
    SubscriberSerializer,
    SubscriberTestSerializer,
)

PAGE_PARAM = OpenApiParameter("status_page", int, description="a status page id")
EXPORT_COLUMNS = [
    "page",
    "kind",
    "address",
    "confirmed",
    "confirmed_at",
    "created_at",
    "components",
]


def _drf_error(error: DjangoValidationError) -> ValidationError:
    return ValidationError(as_serializer_error(error))


class SubscriberViewSet(AccountScopedViewSet):
    """Subscribers of the account's status pages (email: double opt-in; webhooks)."""

    queryset = Subscriber.objects.all()
    serializer_class = SubscriberSerializer

    def optimize_queryset(self, queryset):
        queryset = queryset.prefetch_related("component_links")
        page_id = id_param(self.request, "status_page")
        if page_id is not None:
            queryset = queryset.filter(page_id=page_id)
        kind = self.request.query_params.get("kind")
        if kind:
            queryset = queryset.filter(kind=kind)
        confirmed = self.request.query_params.get("confirmed")
        if confirmed in ("true", "false"):
            queryset = queryset.filter(confirmed_at__isnull=confirmed == "false")
        return queryset

    @extend_schema(
        parameters=[
            PAGE_PARAM,
            OpenApiParameter("kind", str, enum=["email", "webhook"]),
            OpenApiParameter("confirmed", bool),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def perform_create(self, serializer):
        data = serializer.validated_data
        components = serializer.component_objects(data["page"], data.get("components"))
        try:
            serializer.instance = services.subscriber_create(
                account=self.account,
                page=data["page"],
                kind=data["kind"],
                email=data.get("email", ""),
                url=data.get("url", ""),
                components=components,
            )
        except DjangoValidationError as error:
            raise _drf_error(error) from None

    def perform_update(self, serializer):
        subscriber = serializer.instance
        if "components" in serializer.validated_data:
            ids = serializer.validated_data["components"]
            components = serializer.component_objects(subscriber.page, ids)
            try:
                services.subscriber_set_components(
                    account=self.account, subscriber=subscriber, components=components
                )
            except DjangoValidationError as error:
                raise _drf_error(error) from None
        serializer.instance = self.get_queryset().get(pk=subscriber.pk)

    def perform_destroy(self, instance):
        services.subscriber_remove(account=self.account, subscriber=instance)

    @extend_schema(request=None, responses={200: SubscriberTestSerializer})
    @action(
        detail=True,
        methods=["post"],
        url_path="test",
        url_name="test",
        serializer_class=SubscriberTestSerializer,
    )
    def send_test(self, request, pk=None):
        """Send a test message to this confirmed subscriber now (not retried)."""
        subscriber = self.get_object()
        self.get_serializer(data=request.data).is_valid(raise_exception=True)
        try:
            delivery = services.subscriber_send_test(account=self.account, subscriber=subscriber)
        except DjangoValidationError as error:
            raise _drf_error(error) from None
        return Response(
            {
                "delivered": delivery.status == "delivered",
                "status_code": delivery.last_status_code,
                "error": delivery.last_error,
                "event_id": str(delivery.message.event_id),
            }
        )


class _PageSubscribersView(AccountScopedMixin, APIView):
    tenant_model = StatusPage
    queryset = StatusPage.objects.all()

    def _page(self, pk) -> StatusPage:
        return get_object_or_404(StatusPage.objects.for_account(self.account), pk=pk)


class SubscriberCountsView(_PageSubscribersView):
    """How many subscribers a page has: confirmed, pending, by kind, per chosen component."""

    @extend_schema(responses={200: SubscriberCountsSerializer})
    def get(self, request, pk):
        return Response(subscriber_counts(account=self.account, page=self._page(pk)))


class SubscriberExportView(_PageSubscribersView):
    """The page's subscribers as CSV, one row each (address, kind, confirmed, components)."""

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request, pk):
        page = self._page(pk)
        body = subscribers_csv(subscribers_for_export(account=self.account, page=page))
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="subscribers-{page.slug}.csv"'
        return response
