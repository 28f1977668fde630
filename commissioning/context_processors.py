from django.conf import settings


def council(request) -> dict:
    return {"council_name": settings.COUNCIL_NAME, "council_area_name": settings.COUNCIL_AREA_NAME}
