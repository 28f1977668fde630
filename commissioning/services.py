"""Writes to the commissioning framework and reference data. Every loader is idempotent:
loading the same file twice changes nothing and writes no history."""

import csv
import datetime
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, ProtectedError

from commissioning.audit import acting_user, attribute, set_fields
from commissioning.choices import AreaStatus, Direction, NationalComparison, Role
from commissioning.models import (
    Directorate,
    Framework,
    OutcomeMeasure,
    OutcomeMeasureValue,
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
DEFAULT_OUTCOME_MEASURES_FILE = DATA_DIR / "kcc_outcome_measures.csv"


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


# --- Outcome measures: each supporting outcome's basket, and its values over time ---------------------

OUTCOME_MEASURES_SOURCE = "Strategic Statement Annual Report 2016"
OUTCOME_MEASURE_COLUMNS = (
    "code",
    "outcome_code",
    "name",
    "unit",
    "higher_is_better",
    "latest_period",
    "latest_period_end",
    "latest_value",
    "dot_1yr",
    "dot_3yr",
    "vs_national_average",
)
_DIRECTION_WORDS = {
    "improving": Direction.IMPROVING,
    "maintaining": Direction.MAINTAINING,
    "not improving": Direction.NOT_IMPROVING,
    "n/a": Direction.NOT_AVAILABLE,
}
_NATIONAL_WORDS = {
    "above": NationalComparison.ABOVE,
    "in line": NationalComparison.IN_LINE,
    "below": NationalComparison.BELOW,
    "n/a": NationalComparison.NOT_AVAILABLE,
}
_PUBLISHED_DIRECTION = re.compile(r"^(?P<word>[a-z/ ]+?)\s*(?:\((?P<years>\d+) year\))?$")
_BOOLEANS = {"true": True, "yes": True, "false": False, "no": False, "": None}


def parse_published_direction(text: str) -> tuple[str, int | None]:
    """A direction of travel as the 2016 report prints it: "Improving", "Not improving (2 year)",
    "n/a". Returns (direction, the span in years when printed, else None); blank is ("", None).
    Raises ValueError saying what is wrong."""
    raw = " ".join((text or "").split())
    if not raw:
        return "", None
    match = _PUBLISHED_DIRECTION.match(raw.lower())
    direction = _DIRECTION_WORDS.get(match["word"]) if match else None
    if direction is None:
        raise ValueError(f"'{raw}' is not a direction of travel: write Improving, Maintaining, Not improving or n/a.")
    return direction, int(match["years"]) if match["years"] else None


def parse_national_comparison(text: str) -> str:
    """Performance against the national average as printed: Above, In line, Below or n/a; blank is ""."""
    raw = " ".join((text or "").split())
    if not raw:
        return ""
    comparison = _NATIONAL_WORDS.get(raw.lower())
    if comparison is None:
        raise ValueError(f"'{raw}' is not a comparison with the national average: write Above, In line, Below or n/a.")
    return comparison


def _decimal_or_none(text: str) -> Decimal | None:
    raw = (text or "").strip()
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValueError(f"'{raw}' is not a number.") from None
    if not value.is_finite():
        raise ValueError(f"'{raw}' is not a number.")
    return value


def _date_or_none(text: str) -> datetime.date | None:
    raw = (text or "").strip()
    if not raw:
        return None
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"'{raw}' is not a date: write it as 2016-03-31.") from None


def _published_note(row: dict, printed: str, where: str) -> str:
    note = f"Published in the {OUTCOME_MEASURES_SOURCE} ({row.get('source_file') or 'source'} line {where})."
    if printed:
        note += f" Printed as '{printed}'."
    return note[:500]


def _plan_outcome_measure(row: dict, line: int, outcomes: dict, errors: list[str]) -> dict | None:
    """One row of a measures file as the measure and its values to write; problems go to `errors`."""
    problems: list[str] = []

    def take(column: str, parse, required: bool = False):
        text = (row.get(column) or "").strip()
        if required and not text:
            problems.append(f"Row {line}, {column}: it is missing.")
            return None
        try:
            return parse(text)
        except ValueError as exc:
            problems.append(f"Row {line}, {column}: {exc}")
            return None

    code = take("code", str, required=True)
    outcome_code = take("outcome_code", str, required=True)
    outcome = outcomes.get(outcome_code) if outcome_code else None
    if outcome_code and outcome is None:
        problems.append(f"Row {line}, outcome_code: there is no supporting outcome {outcome_code} in the framework.")
    if code and outcome_code and not code.startswith(outcome_code):
        problems.append(f"Row {line}, code: measure {code} does not belong to supporting outcome {outcome_code}.")
    name = take("name", str, required=True)
    polarity_text = (row.get("higher_is_better") or "").strip().lower()
    if polarity_text not in _BOOLEANS:
        problems.append(f"Row {line}, higher_is_better: write TRUE, FALSE or leave it blank (found '{polarity_text}').")
    dot_1yr, dot_1yr_years = take("dot_1yr", parse_published_direction) or ("", None)
    dot_3yr, dot_3yr_years = take("dot_3yr", parse_published_direction) or ("", None)
    vs_national = take("vs_national_average", parse_national_comparison) or ""
    latest_period = take("latest_period", str, required=True)
    latest_end = take("latest_period_end", _date_or_none, required=True)
    latest_value = take("latest_value", _decimal_or_none)
    national_average = take("national_average", _decimal_or_none)
    if latest_value is None and not (dot_1yr or dot_3yr or vs_national) and not problems:
        problems.append(f"Row {line}, latest_value: give the value or the published directions of travel.")
    baseline = [(row.get(c) or "").strip() for c in ("baseline_period", "baseline_period_end", "baseline_value")]
    baseline_end = baseline_value = None
    if any(baseline):
        for column, text in zip(("baseline_period", "baseline_period_end", "baseline_value"), baseline, strict=True):
            if not text:
                problems.append(f"Row {line}, {column}: a baseline needs its period, period end and value.")
        baseline_end = take("baseline_period_end", _date_or_none)
        baseline_value = take("baseline_value", _decimal_or_none)
        if baseline_end and latest_end and baseline_end >= latest_end:
            problems.append(f"Row {line}, baseline_period_end: the baseline must end before the latest period.")
    if problems:
        errors.extend(problems)
        return None

    source_line = row.get("line") or "?"
    value_line = row.get("value_line") or source_line
    source = f"{OUTCOME_MEASURES_SOURCE} ({row.get('source_file') or 'source'} line {source_line})"
    if row.get("higher_is_better_basis"):
        source += f"; higher is better: {row['higher_is_better_basis'].strip()}"
    values = []
    if baseline_end is not None:
        values.append(
            {
                "period_end": baseline_end,
                "period": baseline[0],
                "value": baseline_value,
                "note": _published_note(row, "", value_line),
            }
        )
    printed = (row.get("latest_value_as_printed") or "").strip()
    national_printed = (row.get("national_average_as_printed") or "").strip()
    note = _published_note(row, printed, value_line)
    if national_printed and national_average is None:
        note = f"{note} National average: {national_printed}."[:500]
    values.append(
        {
            "period_end": latest_end,
            "period": latest_period,
            "value": latest_value,
            "national_average": national_average,
            "note": note,
            "dot_1yr": dot_1yr,
            "dot_1yr_years": dot_1yr_years if dot_1yr_years != 1 else None,
            "dot_3yr": dot_3yr,
            "dot_3yr_years": dot_3yr_years if dot_3yr_years != 3 else None,
            "vs_national": vs_national,
        }
    )
    return {
        "line": line,
        "code": code,
        "fields": {
            "supporting_outcome": outcome,
            "name": name,
            "unit": (row.get("unit") or "").strip()[:200],
            "higher_is_better": _BOOLEANS[polarity_text],
            "source": source[:500],
        },
        "values": values,
    }


@transaction.atomic
def outcome_measures_load(
    *,
    path: Path | str = DEFAULT_OUTCOME_MEASURES_FILE,
    framework: Framework | None = None,
    dry_run: bool = False,
    actor=None,
) -> LoadResult:
    """Load outcome measures, with the values and assessments a report published, from CSV.

    The default file holds the 73 outcome measures of KCC's Strategic Statement Annual Report
    2016 (commissioning/data/kcc_outcome_measures.csv, one row a measure, each citing its source
    line). Per row: the measure (code, outcome_code, name, unit, higher_is_better), an optional
    baseline value, and the latest value with the report's 1 and 3 year directions of travel and
    comparison with the national average, which are recorded as published.

    All or nothing: every bad row and column is reported and nothing is written. Measures are
    matched on framework and code and values on measure and period end, so loading the file
    again changes nothing and writes no history. A dry run checks and counts, writing nothing.
    """
    framework = framework or Framework.objects.filter(is_default=True).first()
    if framework is None:
        raise ValidationError("There is no outcomes framework: load it first (manage.py load_framework).")
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        missing = [c for c in OUTCOME_MEASURE_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValidationError(f"{Path(path).name}: the columns {', '.join(missing)} are missing.")
        rows = list(reader)
    outcomes = {o.code: o for o in SupportingOutcome.objects.filter(framework=framework)}
    errors: list[str] = []
    plans = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows, start=2):
        plan = _plan_outcome_measure(row, line, outcomes, errors)
        if plan is None:
            continue
        if plan["code"] in seen:
            errors.append(f"Row {line}, code: measure {plan['code']} is already given in row {seen[plan['code']]}.")
            continue
        seen[plan["code"]] = line
        plans.append(plan)
    if errors:
        raise ValidationError(errors)

    result = LoadResult()
    reason = "Loaded outcome measures"
    for order, plan in enumerate(plans, start=1):
        measure = _upsert(
            OutcomeMeasure,
            {"framework": framework, "code": plan["code"]},
            {**plan["fields"], "order": order},
            result,
            actor,
            reason,
        )
        for values in plan["values"]:
            values = dict(values)
            _upsert(
                OutcomeMeasureValue,
                {"measure": measure, "period_end": values.pop("period_end")},
                values,
                result,
                actor,
                reason,
            )
    if dry_run:
        transaction.set_rollback(True)
    return result


@transaction.atomic
def outcome_measure_value_record(
    *,
    measure: OutcomeMeasure,
    period: str,
    period_end: datetime.date,
    value: Decimal,
    national_average: Decimal | None = None,
    note: str = "",
    actor=None,
    reason: str = "",
) -> OutcomeMeasureValue:
    """Record an officer's value of an outcome measure for a period (issue 6: "values over time
    entered or imported by officers").

    One value a measure a period end (the model's constraint says so in the council's words);
    the value itself is required. Attributed to the actor with the reason, in the history.
    """
    if value is None:
        raise ValidationError({"value": "Enter the value."})
    record = OutcomeMeasureValue(
        measure=measure,
        period=(period or "").strip(),
        period_end=period_end,
        value=value,
        national_average=national_average,
        note=(note or "").strip(),
        recorded_by=acting_user(actor),
    )
    record.full_clean()
    attribute(record, actor=actor, reason=reason or "Value recorded")
    record.save()
    return record


@dataclass
class MeasureValueEntry:
    """A value to save, as an import read it; `row` is its row in the file (for messages)."""

    row: int | None
    measure: OutcomeMeasure
    period: str
    period_end: datetime.date
    value: Decimal
    national_average: Decimal | None = None
    note: str = ""


@dataclass
class MeasureValueError:
    row: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"Row {self.row}, " if self.row is not None else ""
        return f"{where}{self.field}: {self.message}"


@dataclass
class MeasureValueSaved:
    """What saving an entry does (or, in a dry run, would do): "new", "changed" or "unchanged"."""

    entry: MeasureValueEntry
    outcome: str
    value: OutcomeMeasureValue


class MeasureValueBatchError(Exception):
    """Some entries cannot be saved; nothing was. `errors` names each row and field."""

    def __init__(self, errors: list[MeasureValueError]):
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


@transaction.atomic
def outcome_measure_values_save_many(
    *, entries: list[MeasureValueEntry], actor=None, reason: str = "", dry_run: bool = False
) -> list[MeasureValueSaved]:
    """Save many officers' values at once (the import), all or nothing.

    Each measure has one value a period end: an entry for a period end already recorded changes
    that value in place (reported "changed"), or leaves it alone when nothing differs
    ("unchanged"), so importing the same file again adds nothing. Every entry is checked before
    anything is written; any problem raises MeasureValueBatchError naming each row and field. A
    dry run checks and reports, writing nothing.
    """
    errors: list[MeasureValueError] = []
    keys = {(e.measure.pk, e.period_end) for e in entries}
    existing = {
        (v.measure_id, v.period_end): v
        for v in OutcomeMeasureValue.objects.filter(
            measure__in={e.measure.pk for e in entries}, period_end__in={e.period_end for e in entries}
        )
        if (v.measure_id, v.period_end) in keys
    }
    seen: dict[tuple[int, datetime.date], int | None] = {}
    planned: list[tuple[MeasureValueEntry, OutcomeMeasureValue, str]] = []
    for entry in entries:
        key = (entry.measure.pk, entry.period_end)
        if key in seen:
            errors.append(
                MeasureValueError(
                    entry.row,
                    "period_end",
                    f"row {seen[key]} already gives {entry.measure.code}'s value for the period ending "
                    f"{entry.period_end:%-d %B %Y}.",
                )
            )
            continue
        seen[key] = entry.row
        data = {
            "period": (entry.period or "").strip(),
            "value": entry.value,
            "national_average": entry.national_average,
            "note": (entry.note or "").strip(),
        }
        record = existing.get(key)
        if record is None:
            record = OutcomeMeasureValue(
                measure=entry.measure, period_end=entry.period_end, recorded_by=acting_user(actor), **data
            )
            outcome = "new"
        else:
            changed = set_fields(record, data)
            outcome = "changed" if changed else "unchanged"
            if changed:
                record.recorded_by = acting_user(actor)
        if entry.value is None:
            errors.append(MeasureValueError(entry.row, "value", "Enter the value."))
            continue
        if outcome != "unchanged":
            try:
                # The batch has already checked what the database would be asked, row by row:
                # the measure and person exist (loaded above), one value per period (`existing`
                # and `seen`) and a value given (just above). Skipping those checks keeps an
                # import to a fixed number of queries instead of four a row.
                record.full_clean(exclude=["measure", "recorded_by"], validate_constraints=False)
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    for message in messages:
                        errors.append(MeasureValueError(entry.row, "" if name == "__all__" else name, message))
                continue
        planned.append((entry, record, outcome))
    if errors:
        raise MeasureValueBatchError(errors)
    saved = []
    for entry, record, outcome in planned:
        if outcome != "unchanged" and not dry_run:
            attribute(record, actor=actor, reason=reason or "Values imported")
            record.save()
        saved.append(MeasureValueSaved(entry, outcome, record))
    return saved
