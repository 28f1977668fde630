"""Roles and what each may do, kept in code and written to Django groups after every migrate.

- member (councillor): reads everything, writes nothing;
- commissioner: writes the contracts of their own directorate, their KPIs, returns, concerns,
  deductions and assessments, and their golden-thread links
  (the directorate rule is checked per object in permissions.py), reads the rest;
- procurement: maintains providers (suppliers), imports the council's spend files, rolls
  imports back and matches their suppliers to providers; imports contracts registers and
  OCDS releases into providers and contracts; reads the rest;
- admin: everything, including reference data (framework, directorates).
"""

from django.apps import apps as global_apps

from commissioning.choices import Role

# The apps whose models make up the product; every role may view all of them.
DOMAIN_APPS = ("commissioning", "contracts", "social_value", "outcomes_link")

WRITE_PERMISSIONS: dict[str, set[str]] = {
    Role.MEMBER: set(),
    Role.COMMISSIONER: {
        "contracts.add_contract",
        "contracts.change_contract",
        # Contract performance (issue 3): KPIs, returns, concerns, deductions, assessments.
        "contracts.add_kpi",
        "contracts.change_kpi",
        "contracts.add_kpireturn",
        "contracts.change_kpireturn",
        "contracts.change_performanceconcern",
        "contracts.change_deduction",
        "contracts.add_performanceassessment",
        "contracts.change_performanceassessment",
        # Social value (issue 5): commitments and delivery returns of their contracts.
        "social_value.add_socialvaluecommitment",
        "social_value.change_socialvaluecommitment",
        "social_value.add_deliveryreturn",
        "social_value.change_deliveryreturn",
        "outcomes_link.add_outcomelink",
        "outcomes_link.change_outcomelink",
        "outcomes_link.delete_outcomelink",
        # Outcome measures (issue 6): values over time, entered or imported by officers.
        "commissioning.add_outcomemeasurevalue",
        "commissioning.change_outcomemeasurevalue",
    },
    Role.PROCUREMENT: {
        "contracts.add_provider",
        "contracts.change_provider",
        "contracts.delete_provider",
        # Local spend (issue 4): spend-file imports, column mappings, supplier matching.
        "contracts.add_spendimport",
        "contracts.change_spendimport",
        "contracts.change_spendpublisher",
        "contracts.change_spendline",
        "contracts.add_supplieralias",
        "contracts.change_supplieralias",
        # Open data (issue 7): contracts registers and OCDS releases imported into providers and contracts.
        "contracts.add_contractimport",
        "contracts.change_registerpublisher",
    },
    Role.ADMIN: {"*"},
}


def _domain_permissions(apps, action_filter=None):
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_types = ContentType.objects.filter(app_label__in=DOMAIN_APPS)
    perms = Permission.objects.filter(content_type__in=content_types).select_related("content_type")
    return [p for p in perms if action_filter is None or action_filter(p)]


def role_permission_names(role: str, apps=global_apps) -> set[str]:
    """The full permission names ("app.codename") a role holds."""
    perms = _domain_permissions(apps)
    names = {f"{p.content_type.app_label}.{p.codename}" for p in perms}
    view = {n for n in names if n.split(".", 1)[1].startswith("view_")}
    writes = WRITE_PERMISSIONS[role]
    if "*" in writes:
        return names
    return view | (writes & names)


def sync_role_groups(sender=None, apps=global_apps, using="default", **kwargs) -> None:
    """Create the four role groups and set their permissions exactly (idempotent).

    Runs after each domain app's post_migrate, not only commissioning's: Django creates an
    app's permissions in that app's own post_migrate, so on a fresh database the contracts
    and outcomes_link permissions exist only once their apps have migrated.
    """
    if sender is not None and getattr(sender, "label", None) not in DOMAIN_APPS:
        return
    Group = apps.get_model("auth", "Group")
    all_perms = {f"{p.content_type.app_label}.{p.codename}": p for p in _domain_permissions(apps)}
    for role in Role.values:
        group, _ = Group.objects.using(using).get_or_create(name=role)
        wanted = role_permission_names(role, apps)
        group.permissions.set([all_perms[name] for name in wanted if name in all_perms])
