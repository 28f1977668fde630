from django.conf import settings


def council(request) -> dict:
    return {"council_name": settings.COUNCIL_NAME, "council_area_name": settings.COUNCIL_AREA_NAME}


def as_at(request) -> dict:
    """The day the page shows the data as at (None: today), and the query string that keeps it on links."""
    day = getattr(request, "as_at", None)
    return {"as_at": day, "as_at_query": f"as_at={day.isoformat()}" if day else ""}
