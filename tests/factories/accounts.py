import factory
from django.contrib.auth import get_user_model

from accounts.models import Account, ApiToken, Membership
from accounts.tokens import generate_secret
from tests.factories.registry import register


@register
class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"Account {n}")
    slug = factory.Sequence(lambda n: f"account-{n}")
    timezone = "UTC"
    feature_sla = True


@register
class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-1")

    @factory.post_generation
    def _save(user, create, extracted, **kwargs):
        if create:
            user.save()


@register
class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    account = factory.SubFactory(AccountFactory)
    user = factory.SubFactory(UserFactory)
    role = "viewer"


@register
class ApiTokenFactory(factory.django.DjangoModelFactory):
    """A token; its usable secret is left on the instance as `.secret`."""

    class Meta:
        model = ApiToken

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"token {n}")
    scopes = factory.LazyFunction(lambda: ["ingest", "read", "write"])

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        new_secret = generate_secret()
        token = model_class(
            *args, prefix=new_secret.prefix, hashed_secret=new_secret.hashed, **kwargs
        )
        token.save()
        token.secret = new_secret.secret
        return token
