"""API: the account's licence, `GET/PUT /api/v1/account/license`."""

from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_base import AccountScopedMixin
from accounts.permissions import HasAccount, IsAccountAdminToken
from licensing.selectors import account_license_status, license_json
from licensing.serializers import LicenseInputSerializer, LicenseStatusSerializer
from licensing.services import LicenseError, account_license_set


class AccountLicenseView(AccountScopedMixin, APIView):
    """The account's effective licence (its own, else the deployment's) and what it allows;
    PUT sets the account's own licence (a token issued by an owner or admin)."""

    def get_permissions(self):
        admin = self.request.method not in ("GET", "HEAD", "OPTIONS")
        return [IsAccountAdminToken() if admin else HasAccount()]

    @extend_schema(responses=LicenseStatusSerializer)
    def get(self, request):
        return Response(license_json(account_license_status(account=self.account)))

    @extend_schema(request=LicenseInputSerializer, responses=LicenseStatusSerializer)
    def put(self, request):
        serializer = LicenseInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            account_license_set(account=self.account, token=serializer.validated_data["license"])
        except LicenseError as error:
            raise ValidationError({"license": [str(error)]}) from None
        return Response(license_json(account_license_status(account=self.account)))
