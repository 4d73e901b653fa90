"""System checks: a licence set-up that cannot work is reported at start-up (a warning,
never an error: a bad licence must not keep the service from starting)."""

from django.conf import settings
from django.core.checks import Warning as CheckWarning
from django.core.checks import register

from licensing.selectors import deployment_license_token, judge_license, public_key_pem
from licensing.tokens import LicenseError, load_public_key


@register()
def license_settings_check(app_configs=None, **kwargs):
    if not (settings.SLA_LICENSE_REQUIRED or settings.SLA_LICENSE):
        return []
    problems = []
    try:
        load_public_key(public_key_pem())
    except LicenseError as error:
        problems.append(str(error))
    else:
        try:
            token = deployment_license_token()
        except LicenseError as error:
            token, problems = "", [*problems, str(error)]
        if token:
            from django.utils import timezone

            status = judge_license(token, source="deployment", now=timezone.now())
            if status.refusal:
                problems.append(f"SLA_LICENSE: {status.refusal}")
    hint = "SLA features stay off for accounts without a valid licence of their own."
    return [
        CheckWarning(
            problem, hint=hint if settings.SLA_LICENSE_REQUIRED else None, id="licensing.W001"
        )
        for problem in problems
    ]
