"""Writes of the measures catalogue (issue 5): import the default catalogue or a council's own.

The National TOMs are licensed by the Social Value Portal and are not bundled; a council that holds
a licence imports its own catalogue in the same format (social_value.importers.catalogue).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from commissioning.audit import attribute, set_fields
from commissioning.models import Framework, SupportingOutcome
from social_value.importers.catalogue import CatalogueError, CatalogueRow, read_catalogue
from social_value.models import ProxyValue, SocialValueMeasure, SocialValueOutcome, SocialValueTheme

DEFAULT_CATALOGUE_FILE = Path(__file__).resolve().parent.parent / "data" / "default_catalogue.csv"
CATALOGUE_PERMISSION = "social_value.change_socialvaluemeasure"
KINDS = ("themes", "outcomes", "measures", "proxy_values")
KIND_LABELS = {"themes": "themes", "outcomes": "outcomes", "measures": "measures", "proxy_values": "proxy values"}


@dataclass
class KindCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def count(self, *, created: bool, changed: bool) -> None:
        if created:
            self.created += 1
        elif changed:
            self.updated += 1
        else:
            self.unchanged += 1

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass(frozen=True)
class ProxyChange:
    """An existing proxy version whose value (or source or year) the file changes."""

    measure_code: str
    valid_from: datetime.date
    old_value: Decimal
    new_value: Decimal

    def __str__(self) -> str:
        if self.old_value == self.new_value:
            return (
                f"{self.measure_code} from {self.valid_from:%d/%m/%Y}: source or year changed, still £{self.new_value}"
            )
        return f"{self.measure_code} from {self.valid_from:%d/%m/%Y}: £{self.old_value} is now £{self.new_value}"


@dataclass
class CatalogueImportResult:
    """What an import did (or, for a dry run, would do): counts for each kind, the proxy versions
    changed, and every problem by row and column (then nothing was written)."""

    file_name: str
    dry_run: bool = False
    errors: list[CatalogueError] = field(default_factory=list)
    themes: KindCounts = field(default_factory=KindCounts)
    outcomes: KindCounts = field(default_factory=KindCounts)
    measures: KindCounts = field(default_factory=KindCounts)
    proxy_values: KindCounts = field(default_factory=KindCounts)
    proxy_changes: list[ProxyChange] = field(default_factory=list)

    @property
    def saved(self) -> bool:
        return not self.errors and not self.dry_run

    @property
    def changed_anything(self) -> bool:
        return any(getattr(self, kind).created or getattr(self, kind).updated for kind in KINDS)

    def counts(self) -> list[tuple[str, KindCounts]]:
        return [(KIND_LABELS[kind], getattr(self, kind)) for kind in KINDS]

    def summary(self) -> str:
        if self.errors:
            return (
                f"{self.file_name}: {len(self.errors)} problem{'s' if len(self.errors) != 1 else ''}; nothing imported."
            )
        parts = "; ".join(
            f"{label} {c.created} created, {c.updated} updated, {c.unchanged} unchanged" for label, c in self.counts()
        )
        verb = "would change (check only, nothing saved)" if self.dry_run else "imported"
        return f"{self.file_name} {verb}: {parts}."


def _read_content(handle_or_path: str | Path | BinaryIO) -> tuple[bytes, str]:
    if isinstance(handle_or_path, str | Path):
        path = Path(handle_or_path)
        return path.read_bytes(), path.name
    content = handle_or_path.read()
    if isinstance(content, str):
        content = content.encode("utf-8")
    return content, Path(getattr(handle_or_path, "name", "") or "").name


def _default_outcomes() -> dict[str, SupportingOutcome]:
    framework = Framework.objects.filter(is_default=True).first()
    if framework is None:
        return {}
    return {o.code: o for o in SupportingOutcome.objects.filter(framework=framework)}


def catalogue_import(
    *,
    handle_or_path: str | Path | BinaryIO,
    file_name: str | None = None,
    actor=None,
    dry_run: bool = False,
) -> CatalogueImportResult:
    """Import a measures catalogue, all or nothing.

    Themes, outcomes and measures are matched by code and created or updated; a measure's proxy
    versions by the day they apply from, so a changed value for an existing version is updated
    (with history) and reported. Nothing absent from the file is deleted: commitments refer to
    measures, and each commitment keeps the proxy value in force the day it was made, so a new or
    changed version never rewrites a commitment already made. Importing the same file again
    changes nothing. A dry run makes every change inside a transaction that is rolled back.
    Only people who may change measures (administrators) import; `actor=None` is the system.
    """
    if actor is not None and not actor.has_perm(CATALOGUE_PERMISSION):
        raise PermissionDenied("Only administrators can import the measures catalogue.")
    content, own_name = _read_content(handle_or_path)
    file_name = file_name or own_name or "catalogue.csv"
    result = CatalogueImportResult(file_name=Path(file_name).name, dry_run=dry_run)
    outcomes = _default_outcomes()
    read = read_catalogue(content=content, file_name=file_name, known_outcomes=outcomes)
    if read.errors:
        result.errors = read.errors
        return result
    try:
        with transaction.atomic():
            _write(read.rows, outcomes, result, actor=actor, reason=f"Catalogue imported from {result.file_name}")
            if dry_run:
                transaction.set_rollback(True)
    except ValidationError as exc:
        # The importer checks what the models do; this is for anything it has not foreseen.
        result.errors = [CatalogueError(None, "file", message) for message in exc.messages]
    if result.errors:
        for kind in KINDS:
            setattr(result, kind, KindCounts())
        result.proxy_changes = []
    return result


def _first_rows(rows: Iterable[CatalogueRow], key) -> dict[str, CatalogueRow]:
    found: dict[str, CatalogueRow] = {}
    for row in rows:
        found.setdefault(key(row), row)
    return found


def _save(obj, *, actor, reason: str, row: int) -> None:
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise ValidationError([f"Row {row}: {message}" for message in exc.messages]) from exc
    attribute(obj, actor=actor, reason=reason)
    obj.save()


def _upsert(model, existing: dict, code: str, values: dict, counts: KindCounts, *, actor, reason: str, row: int):
    obj = existing.get(code)
    if obj is None:
        obj = model(code=code, **values)
        _save(obj, actor=actor, reason=reason, row=row)
        existing[code] = obj
        counts.count(created=True, changed=True)
        return obj
    changed = set_fields(obj, values)
    if changed:
        _save(obj, actor=actor, reason=reason, row=row)
    counts.count(created=False, changed=bool(changed))
    return obj


def _write(rows: list[CatalogueRow], outcomes: dict[str, SupportingOutcome], result, *, actor, reason: str) -> None:
    themes_in_file = _first_rows(rows, lambda r: r.theme_code)
    outcomes_in_file = _first_rows(rows, lambda r: r.outcome_code)
    measures_in_file = _first_rows(rows, lambda r: r.measure_code)

    themes = {t.code: t for t in SocialValueTheme.objects.filter(code__in=themes_in_file)}
    for order, (code, row) in enumerate(themes_in_file.items(), start=1):
        values = {"name": row.theme, "source": row.theme_source, "order": order}
        _upsert(SocialValueTheme, themes, code, values, result.themes, actor=actor, reason=reason, row=row.row)

    found_outcomes = {o.code: o for o in SocialValueOutcome.objects.filter(code__in=outcomes_in_file)}
    order_in_theme: dict[str, int] = {}
    for code, row in outcomes_in_file.items():
        order_in_theme[row.theme_code] = order_in_theme.get(row.theme_code, 0) + 1
        # By id, so comparing with the stored outcome reads no theme.
        values = {"theme_id": themes[row.theme_code].pk, "name": row.outcome, "order": order_in_theme[row.theme_code]}
        _upsert(
            SocialValueOutcome, found_outcomes, code, values, result.outcomes, actor=actor, reason=reason, row=row.row
        )

    measures = {m.code: m for m in SocialValueMeasure.objects.filter(code__in=measures_in_file)}
    mapped: dict[int, set[int]] = {}
    for measure_id, outcome_id in SocialValueMeasure.supporting_outcomes.through.objects.filter(
        socialvaluemeasure__code__in=measures_in_file
    ).values_list("socialvaluemeasure_id", "supportingoutcome_id"):
        mapped.setdefault(measure_id, set()).add(outcome_id)
    for code, row in measures_in_file.items():
        values = {
            "outcome_id": found_outcomes[row.outcome_code].pk,
            "name": row.measure,
            "description": row.description,
            "unit": row.unit,
            "area": row.council_area,
        }
        wanted = [outcomes[c] for c in row.supporting_outcomes]
        measure = measures.get(code)
        if measure is None:
            measure = _upsert(
                SocialValueMeasure, measures, code, values, result.measures, actor=actor, reason=reason, row=row.row
            )
            measure.supporting_outcomes.set(wanted)
            continue
        changed = set_fields(measure, values)
        mapping_changed = mapped.get(measure.pk, set()) != {o.pk for o in wanted}
        if mapping_changed:
            measure.supporting_outcomes.set(wanted)
        if changed or mapping_changed:
            # History does not follow the many-to-many mapping, so the change reason names it.
            why = reason
            if mapping_changed:
                codes = ", ".join(o.code for o in wanted) or "none"
                why = f"{reason}; supporting outcomes now {codes}"
            _save(measure, actor=actor, reason=why, row=row.row)
        result.measures.count(created=False, changed=bool(changed or mapping_changed))

    proxies = {(p.measure_id, p.valid_from): p for p in ProxyValue.objects.filter(measure__code__in=measures_in_file)}
    for row in rows:
        if row.proxy is None:
            continue
        measure = measures[row.measure_code]
        values = {"value": row.proxy.value, "source": row.proxy.source, "source_year": row.proxy.year}
        existing = proxies.get((measure.pk, row.proxy.valid_from))
        if existing is None:
            proxy = ProxyValue(measure=measure, valid_from=row.proxy.valid_from, **values)
            _save(proxy, actor=actor, reason=reason, row=row.row)
            result.proxy_values.count(created=True, changed=True)
            continue
        old_value = existing.value
        changed = set_fields(existing, values)
        if changed:
            _save(existing, actor=actor, reason=reason, row=row.row)
            result.proxy_changes.append(ProxyChange(measure.code, existing.valid_from, old_value, existing.value))
        result.proxy_values.count(created=False, changed=bool(changed))


__all__ = [
    "CATALOGUE_PERMISSION",
    "DEFAULT_CATALOGUE_FILE",
    "CatalogueImportResult",
    "KindCounts",
    "ProxyChange",
    "catalogue_import",
]
