"""Demo data for `make run`: one account, an operator login and a token.

Later parts of the product add their own demo data through `DEMO_SEEDERS`, each a function
`seed(account, now) -> list[str]` returning lines worth printing.
"""

from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.module_loading import import_string

from accounts.models import Account, ApiToken, Role
from accounts.services import membership_set, operator_user_ensure, token_create

DEMO_SLUG = "demo"
DEMO_USERNAME = "operator"
DEMO_PASSWORD = "sla-demo-password"  # noqa: S105 - a published demo login, local use only
DEMO_TOKEN_NAME = "demo token"  # noqa: S105 - a name, not a secret

# Dotted paths of seeders run in order after the account exists: history first (services,
# events, rollups), then SLAs and SLOs, then the status page (it publishes the services
# created before it), and the daily report last (it needs everything above).
DEMO_SEEDERS: list[str] = [
    "sla.demo_history.seed",
    "sla.demo.seed",
    "sla.demo_slo.seed",
    "statuspage.demo.seed",
    "reporting.demo.seed",
]


@dataclass
class DemoResult:
    account: Account
    token_secret: str
    notes: list[str] = field(default_factory=list)


def demo_account_ensure() -> Account:
    account, _ = Account.objects.get_or_create(
        slug=DEMO_SLUG,
        defaults={"name": "Demo Corp", "timezone": "Europe/Berlin", "feature_sla": True},
    )
    return account


def demo_seed() -> DemoResult:
    account = demo_account_ensure()
    user = operator_user_ensure(
        username=DEMO_USERNAME, password=DEMO_PASSWORD, email="operator@example.com"
    )
    membership_set(account=account, user=user, role=Role.OWNER)
    ApiToken.objects.for_account(account).filter(
        name=DEMO_TOKEN_NAME, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    _, secret = token_create(
        account=account, name=DEMO_TOKEN_NAME, scopes=["ingest", "read", "write"]
    )
    result = DemoResult(account=account, token_secret=secret)
    now = timezone.now()
    for path in DEMO_SEEDERS:
        result.notes.extend(import_string(path)(account, now))
    return result
