"""The answer to a login from a locked-out user or client (django-axes' lockout callable).

django-axes counts failed logins per username and per client address (settings AXES_*);
once either reaches LOGIN_FAILURE_LIMIT, every login through that door (the right password
included) gets this page until the lock expires (LOGIN_LOCKOUT_MINUTES) or an operator
unlocks it (`python manage.py axes_reset_username NAME` / `axes_reset_ip ADDRESS`, or
deleting the rows under Admin > Axes > Access attempts).
"""

from django.conf import settings
from django.shortcuts import render

TEMPLATE = "registration/locked_out.html"


def lockout_response(request, original_response=None, credentials=None):
    """429 with a page that says what happened, how long it lasts and who can unlock it."""
    cool_off = settings.AXES_COOLOFF_TIME
    minutes = int(cool_off.total_seconds() // 60) if cool_off else None
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "lockout_minutes": minutes}
    response = render(request, TEMPLATE, context, status=429)
    if cool_off:
        response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response
