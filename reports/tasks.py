from django_tasks import task

from reports.models import ReportExport
from reports.worker import run_export


@task()
def render_export(export_id):
    """Background task: render one export (run by `manage.py db_worker`)."""
    export = ReportExport.objects.select_related("assessment").get(pk=export_id)
    run_export(export)
    return export.pk
