from django.apps import AppConfig


class CommissioningConfig(AppConfig):
    name = "commissioning"
    verbose_name = "Commissioning framework"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from commissioning.roles import sync_role_groups

        # Roles are Django groups whose permissions are kept in code (roles.py), so a
        # fresh database and an upgraded one end with the same groups after migrate.
        post_migrate.connect(sync_role_groups, dispatch_uid="commissioning.sync_role_groups")
