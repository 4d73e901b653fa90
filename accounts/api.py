"""API: the token's account and token management."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_base import AccountScopedMixin
from accounts.context import api_account, api_token
from accounts.models import ApiToken
from accounts.permissions import IsAccountAdminToken
from accounts.serializers import AccountSerializer, ApiTokenCreatedSerializer, ApiTokenSerializer
from accounts.services import token_create, token_revoke


class AccountView(APIView):
    """The account the presented token belongs to."""

    @extend_schema(responses=AccountSerializer)
    def get(self, request):
        return Response(AccountSerializer(api_account(request)).data)


class ApiTokenViewSet(
    AccountScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """List, create and revoke the account's API tokens (DELETE revokes; the row stays)."""

    queryset = ApiToken.objects.all()
    serializer_class = ApiTokenSerializer
    permission_classes = [IsAccountAdminToken]
    filterset_fields = ["name"]

    @extend_schema(request=ApiTokenSerializer, responses={201: ApiTokenCreatedSerializer})
    def create(self, request, *args, **kwargs):
        serializer = ApiTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, secret = token_create(
            account=self.account,
            name=serializer.validated_data["name"],
            scopes=serializer.validated_data["scopes"],
            created_by=api_token(request).created_by,
        )
        token.secret = secret
        return Response(ApiTokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        token = self.get_object()
        token_revoke(account=self.account, token_id=token.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
