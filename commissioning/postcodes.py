"""UK postcode parsing. Pure functions, no database."""

import re

# The official pattern, relaxed for spacing and case; GIR 0AA is the one odd one out.
_POSTCODE_RE = re.compile(r"^(?P<outward>[A-Z]{1,2}[0-9][A-Z0-9]?) ?(?P<inward>[0-9][A-Z]{2})$")
_OUTWARD_RE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")


def normalise_postcode(raw: str | None) -> str:
    """Upper-case with one space before the inward code ("tn161aa" -> "TN16 1AA").

    Returns the cleaned text unchanged in shape when it is not a full postcode, so a
    district on its own ("TN16") or something invalid is still shown as entered.
    """
    if not raw:
        return ""
    text = re.sub(r"\s+", "", raw.upper())
    match = _POSTCODE_RE.match(text)
    if match:
        return f"{match['outward']} {match['inward']}"
    return " ".join(raw.upper().split())


def split_postcode(postcode: str) -> tuple[str, str] | None:
    """(district, full postcode or "") for a full postcode or a bare district; None when invalid."""
    text = re.sub(r"\s+", "", (postcode or "").upper())
    match = _POSTCODE_RE.match(text)
    if match:
        return match["outward"], f"{match['outward']} {match['inward']}"
    if _OUTWARD_RE.match(text):
        return text, ""
    return None


def postcode_area(district: str) -> str:
    """The letters at the start of a district ("TN16" -> "TN")."""
    return re.match(r"^[A-Z]+", district).group(0)
