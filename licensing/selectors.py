"""Which licence applies to an account and what it allows at an instant.

The effective licence is the account's own (AccountLicense) if it has one, else the
deployment's SLA_LICENSE. With SLA_LICENSE_REQUIRED the SLA feature gate
(accounts.features.sla_enabled) asks `license_allows_sla`: a licence whose signature
verifies, that lists "sla" and is unexpired, or expired less than SLA_LICENSE_GRACE_DAYS
ago (then with a warning). Nothing here raises on a bad licence or key: the status says why.
"""

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from licensing.models import AccountLicense
from licensing.tokens import LicenseClaims, LicenseError, verify_license_token

SLA_PLUGIN = "sla"
_CACHE_ATTR = "_license_status_cache"


@dataclass(frozen=True)
class LicenseStatus:
    """An account's effective licence judged at one instant.

    `state`: "valid", "grace" (expired, within the grace period), "expired", "invalid"
    (bad token or key: `reason`) or "missing". `allows_sla`: the licence part of the gate.
    """

    source: str | None  # "account", "deployment" or None
    state: str
    reason: str = ""
    claims: LicenseClaims | None = None
    grace_ends_at: dt.datetime | None = None

    @property
    def allows_sla(self) -> bool:
        return self.state in ("valid", "grace") and SLA_PLUGIN in self.claims.plugins

    @property
    def refusal(self) -> str:
        """Why the licence does not switch SLA features on ("" when it does)."""
        if self.allows_sla:
            return ""
        if self.state in ("valid", "grace"):
            return "the licence does not list the 'sla' plugin"
        return self.reason

    @property
    def warning(self) -> str:
        """Shown on the dashboard and in /api/v1/account while the grace period runs."""
        if self.state != "grace" or not settings.SLA_LICENSE_REQUIRED:
            return ""
        expired = self.claims.expires_at.date().isoformat()
        ends = self.grace_ends_at.date().isoformat()
        return (
            f"The SLA licence expired on {expired}; SLA features stop after {ends} "
            f"(grace period of {settings.SLA_LICENSE_GRACE_DAYS} days). Renew the licence."
        )


JWT_SHAPE = re.compile(r"[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*")


def file_or_text(value: str) -> str:
    """A setting that holds either the text itself (a PEM key, a JWT; "\\n" in a one-line
    PEM is a line break) or the path of a file holding it."""
    value = value.strip()
    if not value or value.startswith("-----BEGIN") or JWT_SHAPE.fullmatch(value):
        return value.replace("\\n", "\n")
    try:
        return Path(value).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeError) as error:
        raise LicenseError(f"cannot read {value!r}: {error.__class__.__name__}") from None


def public_key_pem() -> str:
    try:
        pem = file_or_text(settings.SLA_LICENSE_PUBLIC_KEY)
    except LicenseError as error:
        raise LicenseError(f"SLA_LICENSE_PUBLIC_KEY: {error}") from None
    if not pem:
        raise LicenseError("SLA_LICENSE_PUBLIC_KEY is not set: licences cannot be verified")
    return pem


def deployment_license_token() -> str:
    try:
        return file_or_text(settings.SLA_LICENSE)
    except LicenseError as error:
        raise LicenseError(f"SLA_LICENSE: {error}") from None


def judge_license(token: str, *, source: str, now: dt.datetime) -> LicenseStatus:
    """The status of one licence token at `now` (never raises)."""
    try:
        claims = verify_license_token(token, public_key_pem())
    except LicenseError as error:
        return LicenseStatus(source=source, state="invalid", reason=str(error))
    grace_ends = claims.expires_at + dt.timedelta(days=settings.SLA_LICENSE_GRACE_DAYS)
    if now < claims.expires_at:
        state, reason = "valid", ""
    elif now < grace_ends:
        state, reason = "grace", "expired (grace period)"
    else:
        expired = claims.expires_at.date().isoformat()
        state, reason = "expired", f"the licence expired on {expired} (grace period over)"
    return LicenseStatus(
        source=source, state=state, reason=reason, claims=claims, grace_ends_at=grace_ends
    )


def account_license_status(*, account, now: dt.datetime | None = None) -> LicenseStatus:
    """The account's effective licence (its own, else the deployment's) judged at `now`."""
    now = now or timezone.now()
    own = AccountLicense.objects.for_account(account).values_list("token", flat=True).first()
    if own:
        return judge_license(own, source="account", now=now)
    try:
        token = deployment_license_token()
    except LicenseError as error:
        return LicenseStatus(source="deployment", state="invalid", reason=str(error))
    if not token:
        return LicenseStatus(
            source=None,
            state="missing",
            reason="no licence (neither the account's nor SLA_LICENSE)",
        )
    return judge_license(token, source="deployment", now=now)


def license_allows_sla(account) -> bool:
    """The licence part of the SLA gate (asked only with SLA_LICENSE_REQUIRED); judged once
    per account object and minute, so a request or task asks the database once."""
    now = timezone.now()
    cached = getattr(account, _CACHE_ATTR, None)
    if cached is not None and abs((now - cached[0]).total_seconds()) < 60:
        return cached[1].allows_sla
    status = account_license_status(account=account, now=now)
    setattr(account, _CACHE_ATTR, (now, status))
    return status.allows_sla


def forget_license_status(account) -> None:
    """After the account's licence changed: the next gate question judges it again."""
    if hasattr(account, _CACHE_ATTR):
        delattr(account, _CACHE_ATTR)


def license_notice(*, account, now: dt.datetime) -> str:
    """The dashboard's licence line (with SLA_LICENSE_REQUIRED): the grace-period warning,
    or why the licence keeps the SLA features off; "" when there is nothing to say."""
    if not settings.SLA_LICENSE_REQUIRED:
        return ""
    status = account_license_status(account=account, now=now)
    if status.warning:
        return status.warning
    if status.refusal:
        return f"SLA features are off: {status.refusal}."
    return ""


def license_json(status: LicenseStatus) -> dict:
    """The licence part of /api/v1/account and of PUT /api/v1/account/license."""
    claims = status.claims
    return {
        "required": settings.SLA_LICENSE_REQUIRED,
        "source": status.source,
        "state": status.state,
        "sla": status.allows_sla,
        "reason": status.refusal,
        "warning": status.warning,
        "licensee": claims.sub if claims else None,
        "plugins": list(claims.plugins) if claims else [],
        "issued_at": claims.issued_at if claims else None,
        "expires_at": claims.expires_at if claims else None,
        "grace_ends_at": status.grace_ends_at,
        "max_services": claims.max_services if claims else None,
    }
