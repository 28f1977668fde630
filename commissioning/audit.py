"""Attribution of changes: who made them and why, recorded by django-simple-history."""

from django.db.models import Model


def acting_user(actor):
    """The actor to record as who did something: a signed-in user, or None for the system."""
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def attribute(instance: Model, *, actor, reason: str = "") -> Model:
    """Mark the next save or delete of `instance` as made by `actor` for `reason`.

    simple-history reads these two attributes when it writes the historical record.
    """
    if acting_user(actor) is not None:
        instance._history_user = actor
    instance._change_reason = reason or ""
    return instance


def set_fields(instance: Model, values: dict) -> list[str]:
    """Assign only the values that differ; return the names changed (so a no-op writes nothing)."""
    changed = []
    for name, value in values.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    return changed
