"""Pages the project package serves itself: choosing the date every page is shown as at."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from commissioning.as_at import AsAtError, parse_as_at
from commissioning.permissions import RoleRequiredMixin

SESSION_KEY = "as_at"


def _next_url(request) -> str:
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return "/"
    return target


class AsAtView(RoleRequiredMixin, View):
    """Show every page as at a past day (kept for the session), or go back to today's data."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        if "today" in request.POST:
            request.session.pop(SESSION_KEY, None)
            messages.success(request, "You are looking at today's data.")
            return HttpResponseRedirect(_next_url(request))
        try:
            day = parse_as_at(request.POST.get("as_at"))
        except AsAtError as exc:
            messages.error(request, str(exc))
            return HttpResponseRedirect(_next_url(request))
        if day is None:
            request.session.pop(SESSION_KEY, None)
        else:
            request.session[SESSION_KEY] = day.isoformat()
        return HttpResponseRedirect(_next_url(request))
