from django.contrib import messages
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.http import HttpResponseRedirect, JsonResponse
from django.utils import timezone


class PagesLoginRequiredMiddleware(LoginRequiredMiddleware):
    """Every page needs a signed-in user; the API answers 401/403 itself.

    The API also accepts token authentication, which only DRF understands, so it is left to
    DRF's RolePermission rather than redirected to the sign-in page.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class AsAtMiddleware:
    """Show a GET request's page, API answer or download as the data stood at the end of a past day.

    The day comes from `?as_at=YYYY-MM-DD` (a link anyone can share, as reports print) or else
    from the session (AsAtView). The response is rendered inside commissioning.as_at.as_at, so
    lazy querysets in templates read the same shadow tables. While a session is set to a past
    day (from either), changes are refused: a form shown as at then must not overwrite today's data.
    """

    ALWAYS_ALLOWED = ("/accounts/", "/as-at/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from commissioning.as_at import AsAtError, as_at, parse_as_at
        from commissioning.views import SESSION_KEY

        from_query = request.GET.get("as_at")
        raw = from_query if from_query is not None else getattr(request, "session", {}).get(SESSION_KEY)
        request.as_at = None
        try:
            day = parse_as_at(raw)
        except AsAtError as exc:
            if request.path_info.startswith("/api/"):
                return JsonResponse({"as_at": [str(exc)]}, status=400)
            messages.error(request, f"{exc} Showing today's data.")
            day = None
        if day is not None and day >= timezone.localdate():
            day = None
        if day is None:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            # Whether the day came from the session or the address: a form shown as at then must
            # not overwrite today's data (a form without an action posts back to ?as_at=...).
            if not request.path_info.startswith(self.ALWAYS_ALLOWED):
                refusal = f"You are looking at the data as at {day:%-d %B %Y}. Return to today's data to make changes."
                if request.path_info.startswith("/api/"):
                    return JsonResponse({"as_at": [refusal]}, status=400)
                messages.error(request, refusal)
                return HttpResponseRedirect(request.get_full_path())
            return self.get_response(request)
        request.as_at = day
        with as_at(day):
            response = self.get_response(request)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
            if response.streaming:
                response.streaming_content = list(response.streaming_content)
        return response
