from django.urls import path

from reports import views, workspace_views

app_name = "reports"

urlpatterns = [
    path("<slug:code>/report/", views.report_page, name="report"),
    path("<slug:code>/report/preview/", views.preview, name="preview"),
    path("<slug:code>/report/export/", views.export, name="export"),
    path("<slug:code>/report/exports/<int:pk>/status/", views.export_status, name="export_status"),
    path("<slug:code>/report/exports/<int:pk>/download/", views.download, name="download"),
    path("<slug:code>/report/write/", workspace_views.write_index, name="write"),
    path("<slug:code>/report/write/<slug:kind>/", workspace_views.write_section, name="write_section"),
    path(
        "<slug:code>/report/write/<slug:kind>/preview/",
        workspace_views.preview_section,
        name="write_preview",
    ),
]
