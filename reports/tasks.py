from django_tasks import task

from reports.models import ReportExport


@task()
def render_export(export_id):
    """Background task: render one export (run by `manage.py db_worker`)."""
    from reports.services import run_export

    export = ReportExport.objects.select_related("assessment").get(pk=export_id)
    run_export(export)
    return export.pk
