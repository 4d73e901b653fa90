"""POST /api/v1/requests: request counts per service and time bucket (scope `ingest`)."""

from drf_spectacular.utils import extend_schema
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_base import AccountScopedMixin
from sla.services.request_counts import MAX_ITEMS, request_counts_ingest
from slaportal.api.errors import error_body
from slaportal.api.examples import REQUESTS_EXAMPLE


class RequestCountsView(AccountScopedMixin, APIView):
    """Accepts one item, a list, or {"items": [...]}; each item
    {"service", "start", "end", "good" | "bad", "total", "latency"?}. Valid items are stored
    (a bucket sent again replaces the stored one); invalid ones come back with index and
    field. `latency`: {"le_ms": {"100": 900, "300": 980}} (good requests at or under each
    threshold, thresholds from the fixed histogram bounds) and/or {"histogram": [55 counts]}
    (README "Latency SLIs")."""

    required_scopes = {"POST": "ingest"}
    http_method_names = ["post", "options"]
    # Items are checked one by one (count_item_parse): text that cannot be stored rejects
    # its item only, not the batch as the API's default parser would.
    parser_classes = [JSONParser]

    @extend_schema(request=dict, responses=dict, examples=[REQUESTS_EXAMPLE])
    def post(self, request):
        data = request.data
        if isinstance(data, dict) and "items" in data:
            data = data["items"]
        items = data if isinstance(data, list) else [data]
        if not items:
            return Response(error_body("validation_error", "Send at least one item."), status=400)
        if len(items) > MAX_ITEMS:
            message = f"At most {MAX_ITEMS} items per request."
            return Response(error_body("validation_error", message), status=400)
        result = request_counts_ingest(account=self.account, items=items)
        if result.errors and not (result.created or result.updated):
            fields = {
                f"items[{error['index']}].{error['field']}".rstrip("."): [error["message"]]
                for error in result.errors
            }
            first = result.errors[0]
            message = f"items[{first['index']}].{first['field']}: {first['message']}"
            return Response(error_body("validation_error", message, fields), status=400)
        return Response(
            {
                "accepted": result.created + result.updated,
                "created": result.created,
                "replaced": result.updated,
                "services_created": result.services_created,
                "rejected": result.errors,
            }
        )
