"""Writes to the commissioning framework and reference data. Every loader is idempotent:
loading the same file twice changes nothing and writes no history."""

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, ProtectedError

from commissioning.audit import attribute, set_fields
from commissioning.choices import AreaStatus, Role
from commissioning.models import (
    Directorate,
    Framework,
    Postcode,
    PostcodeDistrict,
    StrategicOutcome,
    SuggestedMeasure,
    SupportingOutcome,
    User,
)
from commissioning.postcodes import normalise_postcode, split_postcode

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_FRAMEWORK_FILE = DATA_DIR / "kcc_framework_2015_2020.json"
DEFAULT_DIRECTORATES_FILE = DATA_DIR / "kcc_directorates.json"
DEFAULT_POSTCODE_DISTRICTS_FILE = DATA_DIR / "kcc_postcode_districts.csv"


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    messages: list[str] = field(default_factory=list)

    def count(self, created: bool, changed: bool) -> None:
        if created:
            self.created += 1
        elif changed:
            self.updated += 1
        else:
            self.unchanged += 1


def _upsert(model, lookup: dict, values: dict, result: LoadResult, actor=None, reason: str = ""):
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        obj.full_clean()
        attribute(obj, actor=actor, reason=reason)
        obj.save()
        result.count(created=True, changed=True)
        return obj
    changed = set_fields(obj, values)
    if changed:
        obj.full_clean()
        attribute(obj, actor=actor, reason=reason)
        obj.save()
    result.count(created=False, changed=bool(changed))
    return obj


def _require(data: dict, key: str, where: str):
    if key not in data or data[key] in (None, ""):
        raise ValidationError(f"{where}: '{key}' is missing.")
    return data[key]


def _year(data: dict, key: str, where: str) -> int:
    value = _require(data, key, where)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{where}: '{key}' must be a year, e.g. 2020 (found '{value}').") from None


@transaction.atomic
def framework_load(*, data: dict, make_default: bool = True, actor=None) -> tuple[Framework, LoadResult]:
    """Load an outcomes framework from its JSON shape (see commissioning/data/kcc_framework_2015_2020.json).

    Matches on the framework's slug and each outcome's code, so a second load updates
    wording in place and otherwise changes nothing. Outcomes and measures missing from the
    file are left alone rather than deleted: contracts may be linked to them.
    """
    result = LoadResult()
    reason = "Loaded outcomes framework"
    slug = _require(data, "slug", "Framework")
    values = {
        "council": _require(data, "council", "Framework"),
        "name": _require(data, "name", "Framework"),
        "title": data.get("title") or data["name"],
        "period_start": _year(data, "period_start", "Framework"),
        "period_end": _year(data, "period_end", "Framework"),
        "vision": _require(data, "vision", "Framework"),
    }
    if make_default:
        for other in Framework.objects.filter(is_default=True).exclude(slug=slug):
            other.is_default = False
            attribute(other, actor=actor, reason=reason)
            other.save()
        values["is_default"] = True
    framework = _upsert(Framework, {"slug": slug}, values, result, actor, reason)

    strategic = data.get("strategic_outcomes") or []
    if not strategic:
        raise ValidationError("Framework: it has no strategic_outcomes.")
    order = 0
    for s_index, s in enumerate(strategic, start=1):
        where = f"Strategic outcome {s_index}"
        so = _upsert(
            StrategicOutcome,
            {"framework": framework, "code": str(_require(s, "code", where))},
            {"title": _require(s, "title", where), "short_title": s.get("short_title", ""), "order": s_index},
            result,
            actor,
            reason,
        )
        for sup in s.get("supporting_outcomes") or []:
            order += 1
            code = str(_require(sup, "code", f"{where}, supporting outcome"))
            sub = _upsert(
                SupportingOutcome,
                {"framework": framework, "code": code},
                {
                    "strategic_outcome": so,
                    "title": _require(sup, "title", f"Supporting outcome {code}"),
                    "short_title": sup.get("short_title", ""),
                    "order": order,
                },
                result,
                actor,
                reason,
            )
            for m_index, text in enumerate(sup.get("suggested_measures") or [], start=1):
                _upsert(
                    SuggestedMeasure,
                    {"supporting_outcome": sub, "text": text},
                    {"order": m_index, "source": data.get("measures_source", "")},
                    result,
                    actor,
                    reason,
                )
    return framework, result


def framework_load_file(*, path: Path | str = DEFAULT_FRAMEWORK_FILE, make_default: bool = True, actor=None):
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValidationError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}).") from exc
    return framework_load(data=data, make_default=make_default, actor=actor)


@transaction.atomic
def directorates_load(*, path: Path | str = DEFAULT_DIRECTORATES_FILE, actor=None) -> LoadResult:
    result = LoadResult()
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    for index, d in enumerate(data["directorates"], start=1):
        _upsert(
            Directorate,
            {"code": _require(d, "code", f"Directorate {index}")},
            {
                "name": _require(d, "name", f"Directorate {index}"),
                "description": d.get("description", ""),
                "order": index,
            },
            result,
            actor,
            "Loaded directorates",
        )
    return result


@transaction.atomic
def postcode_districts_load(*, path: Path | str = DEFAULT_POSTCODE_DISTRICTS_FILE) -> LoadResult:
    """Load the council's postcode districts (district, status inside/outside/split, authorities, note)."""
    result = LoadResult()
    with open(path, newline="", encoding="utf-8-sig") as f:
        for line, row in enumerate(csv.DictReader(f), start=2):
            district = (row.get("district") or "").strip().upper()
            status = (row.get("status") or "").strip().lower()
            if not district or status not in AreaStatus.values:
                raise ValidationError(
                    f"Row {line}: district must be given and status one of {', '.join(AreaStatus.values)} "
                    f"(found '{row.get('status', '')}')."
                )
            _upsert(
                PostcodeDistrict,
                {"district": district},
                {"status": status, "local_authorities": row.get("local_authorities", ""), "note": row.get("note", "")},
                result,
            )
    return result


@transaction.atomic
def postcodes_load(*, path: Path | str, area_codes: set[str]) -> LoadResult:
    """Load full postcodes from an ONS Postcode Directory extract (columns pcds and oslaua).

    `area_codes` are the GSS codes of the local authorities inside the council's area.
    """
    result = LoadResult()
    with open(path, newline="", encoding="utf-8-sig") as f:
        for line, row in enumerate(csv.DictReader(f), start=2):
            raw = row.get("pcds") or row.get("postcode") or ""
            if split_postcode(raw) is None or not split_postcode(raw)[1]:
                raise ValidationError(f"Row {line}, pcds: '{raw}' is not a full UK postcode.")
            authority = (row.get("oslaua") or row.get("local_authority") or "").strip()
            _upsert(
                Postcode,
                {"postcode": normalise_postcode(raw)},
                {"local_authority": authority, "inside_area": authority in area_codes},
                result,
            )
    return result


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    role: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    directorate: Directorate | None = None,
    job_title: str = "",
) -> User:
    """Create a person in one role. A commissioner must belong to a directorate."""
    if role not in Role.values:
        raise ValidationError({"role": f"Role must be one of {', '.join(Role.values)}."})
    if role == Role.COMMISSIONER and directorate is None:
        raise ValidationError({"directorate": "A commissioner must belong to a directorate."})
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        directorate=directorate,
        job_title=job_title,
        is_staff=role == Role.ADMIN,
        is_superuser=role == Role.ADMIN,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    user.groups.add(Group.objects.get(name=role))
    return user


# --- Reference data and people, written through the API (admin only, by the role permissions) ---


def _protected_message(instance: Model, exc: ProtectedError) -> str:
    counts: dict[tuple[str, str], int] = {}
    for obj in exc.protected_objects:
        key = (str(obj._meta.verbose_name), str(obj._meta.verbose_name_plural))
        counts[key] = counts.get(key, 0) + 1
    held = " and ".join(f"{n} {one if n == 1 else many}" for (one, many), n in sorted(counts.items()))
    return f"{instance} cannot be deleted: {held} still refer to it."


def _reference_record_prepare(instance: Model) -> None:
    # A supporting outcome always belongs to its strategic outcome's framework, so the
    # framework is taken from there rather than trusted from the request.
    if isinstance(instance, SupportingOutcome) and instance.strategic_outcome_id:
        instance.framework_id = instance.strategic_outcome.framework_id


@transaction.atomic
def reference_record_create(*, model: type[Model], data: dict, actor=None, reason: str = "") -> Model:
    """Add a framework, strategic or supporting outcome, suggested measure or directorate.

    Validated with the model's own rules (full_clean, so constraint messages are in the
    council's words) and attributed to the actor with the reason.
    """
    instance = model(**data)
    _reference_record_prepare(instance)
    instance.full_clean()
    attribute(instance, actor=actor, reason=reason or f"{model._meta.verbose_name.capitalize()} added")
    instance.save()
    return instance


@transaction.atomic
def reference_record_update(*, instance: Model, data: dict, actor=None, reason: str = "") -> Model:
    """Change a reference record; an unchanged record writes no history."""
    changed = set_fields(instance, data)
    _reference_record_prepare(instance)
    if not changed:
        return instance
    instance.full_clean()
    attribute(instance, actor=actor, reason=reason)
    instance.save()
    return instance


@transaction.atomic
def reference_record_delete(*, instance: Model, actor=None, reason: str = "") -> None:
    """Delete a reference record, or refuse, saying what still refers to it (contracts, links, people)."""
    attribute(instance, actor=actor, reason=reason or "Deleted")
    try:
        with transaction.atomic():
            instance.delete()
    except ProtectedError as exc:
        raise ValidationError(_protected_message(instance, exc)) from exc


@transaction.atomic
def user_update(*, user: User, data: dict, actor=None, reason: str = "") -> User:
    """Change a person's details or role (their one role group). A commissioner must belong to a directorate."""
    allowed = {"first_name", "last_name", "email", "job_title", "directorate", "is_active", "role"}
    if set(data) - allowed:
        raise TypeError(f"user_update() got unexpected fields: {sorted(set(data) - allowed)}")
    data = dict(data)
    role = data.pop("role", None)
    if role is not None and role not in Role.values:
        raise ValidationError({"role": f"Role must be one of {', '.join(Role.values)}."})
    set_fields(user, data)
    new_role = role or next(iter(sorted(user.roles)), None)
    if new_role == Role.COMMISSIONER and user.directorate_id is None:
        raise ValidationError({"directorate": "A commissioner must belong to a directorate."})
    if actor is not None and actor.pk == user.pk and data.get("is_active") is False:
        raise ValidationError({"is_active": "You cannot deactivate your own account."})
    user.full_clean(exclude=["password"])
    if role is not None:
        user.is_staff = user.is_superuser = role == Role.ADMIN
    user.save()
    if role is not None:
        user.groups.remove(*Group.objects.filter(name__in=Role.values).exclude(name=role))
        user.groups.add(Group.objects.get(name=role))
        user.__dict__.pop("_roles_cache", None)
    return user


@transaction.atomic
def user_delete(*, user: User, actor=None, reason: str = "") -> None:
    """Delete a person who commissions nothing; refuse deleting yourself or someone contracts still name."""
    if actor is not None and actor.pk == user.pk:
        raise ValidationError("You cannot delete your own account.")
    reference_record_delete(instance=user, actor=actor, reason=reason)
