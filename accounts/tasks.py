"""Background work for accounts (run in-request by the immediate backend by default)."""

from django.tasks import task


@task
def data_export_build_task(*, export_id: int) -> None:
    """Build a "download my data" archive (see accounts.services.data_export_build)."""
    from accounts.services import data_export_build  # services enqueue this task

    data_export_build(export_id=export_id)
