"""Create the Moderators group with the permissions the moderation queue checks."""

from django.db import migrations

MODERATOR_PERMISSIONS = [
    ("review_engagement", "Can review suspicious engagement"),
    ("review_reports", "Can review user reports"),
    ("act_on_content", "Can hide content and restrict users"),
    ("view_user", "Can view user"),
]


def create_moderators(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    user_type, _ = ContentType.objects.get_or_create(app_label="accounts", model="user")
    group, _ = Group.objects.get_or_create(name="Moderators")
    for codename, name in MODERATOR_PERMISSIONS:
        permission, _ = Permission.objects.get_or_create(
            content_type=user_type, codename=codename, defaults={"name": name}
        )
        group.permissions.add(permission)


def remove_moderators(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Moderators").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_moderators, remove_moderators)]
