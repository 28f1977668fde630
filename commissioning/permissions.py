"""Server-side permission checks shared by every page and API endpoint.

Model-level rights come from the role groups (roles.py) through Django's permission
system; the one object-level rule is that a commissioner writes only inside their own
directorate.
"""

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from rest_framework import permissions

from commissioning.choices import Role

_ACTION_FOR_METHOD = {"POST": "add", "PUT": "change", "PATCH": "change", "DELETE": "delete"}


def has_any_role(user) -> bool:
    return bool(user and user.is_authenticated and user.roles)


def can_write_in_directorate(user, directorate_id: int | None) -> bool:
    """Admins write anywhere; a commissioner only in their own directorate; others nowhere."""
    if not (user and user.is_authenticated):
        return False
    if user.has_role(Role.ADMIN):
        return True
    if user.has_role(Role.COMMISSIONER):
        return directorate_id is not None and user.directorate_id == directorate_id
    return False


def ensure_directorate_scope(user, directorate_id: int | None) -> None:
    """Raise PermissionDenied unless the user may write in that directorate."""
    if not can_write_in_directorate(user, directorate_id):
        raise PermissionDenied("You can only change contracts of your own directorate.")


def ensure_actor_scope(actor, directorate_id: int | None) -> None:
    """For services: as ensure_directorate_scope, except that a write with no actor (the demo, a
    command run by the system) is not scoped."""
    if actor is not None:
        ensure_directorate_scope(actor, directorate_id)


class RoleRequiredMixin(AccessMixin):
    """Pages: sign-in required; then any role reads, and `permission_required` (if set) writes.

    `raise_exception` is off so that anonymous users are sent to sign in, while a signed-in
    user without the right gets 403 (handle_no_permission below).
    """

    permission_required: str | tuple[str, ...] | None = None

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return self.handle_no_permission()
        if not has_any_role(user):
            raise PermissionDenied("Your account has no role yet. Ask an administrator to give you one.")
        if self.permission_required:
            needed = (
                (self.permission_required,) if isinstance(self.permission_required, str) else self.permission_required
            )
            if not user.has_perms(needed):
                raise PermissionDenied("Your role does not allow this.")
        return super().dispatch(request, *args, **kwargs)


class RolePermission(permissions.BasePermission):
    """API: any role reads; writes need the model permission of the viewset's model.

    A viewset that declares `directorate_field` (e.g. "directorate_id" or
    "contract__directorate_id") also applies the directorate rule to the object.
    """

    message = "Your role does not allow this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not has_any_role(user):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        queryset = getattr(view, "queryset", None)
        if queryset is None:
            return False
        opts = queryset.model._meta
        action = _ACTION_FOR_METHOD.get(request.method)
        return bool(action) and user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}")

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        field = getattr(view, "directorate_field", None)
        if field is None:
            return True
        value = obj
        for part in field.split("__"):
            value = getattr(value, part)
        return can_write_in_directorate(request.user, value)
