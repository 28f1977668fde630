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


# The UK's postcode areas: a pattern that looks like a postcode with any other letters in front
# ("K2K 2MB" in a Canadian address) is not one.
UK_POSTCODE_AREAS = frozenset(
    """AB AL B BA BB BD BH BL BN BR BS BT CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT DY E EC EH EN EX
    FK FY G GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT KW KY L LA LD LE LL LN LS LU M ME MK ML N NE NG
    NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM S SA SE SG SK SL SM SN SO SP SR SS ST SW SY TA TD TF TN TQ TR TS
    TW UB W WA WC WD WF WN WR WS WV YO ZE""".split()
)
# Upper case only, and not inside a longer run of letters or digits; a letter just before is allowed
# only when it is lower case, as in Contracts Finder's "LONDONnSW15 6ARnGB", where a line break was
# published as a literal "n".
_IN_TEXT_RE = re.compile(r"(?<![A-Z0-9])([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})(?![A-Z0-9])")


_DISTRICT_AT_END_RE = re.compile(
    r"(?<![A-Z0-9])([A-Z]{1,2}[0-9][A-Z0-9]?)[\s,.]*(?:UK|GB|United Kingdom|England)?[\s,.]*$"
)


def postcode_in_text(text: str | None) -> str:
    """The last UK postcode written inside an address ("Civic Centre, London Rd, Morden SM4 5DX" ->
    "SM4 5DX"); failing that, a postcode district that ends it ("Sidcup, Kent, DA14" -> "DA14", which
    is enough to place most addresses); "" when there is neither. The last, because an address ends
    with its postcode and a building's name may look like one."""
    found = ""
    for match in _IN_TEXT_RE.finditer(text or ""):
        if postcode_area(match[1]) in UK_POSTCODE_AREAS:
            found = f"{match[1]} {match[2]}"
    if not found and (match := _DISTRICT_AT_END_RE.search(text or "")):
        if postcode_area(match[1]) in UK_POSTCODE_AREAS:
            found = match[1]
    return found
