from django.urls import path

from reports import followup_views, register_views, views, workspace_views

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
    path("<slug:code>/report/recommendations/", register_views.register_page, name="recommendations"),
    path("<slug:code>/report/recommendations/add/", register_views.add, name="recommendation_add"),
    path("<slug:code>/report/recommendations/<int:pk>/", register_views.edit, name="recommendation_edit"),
    path(
        "<slug:code>/report/recommendations/<int:pk>/move/", register_views.move, name="recommendation_move"
    ),
    path("<slug:code>/report/follow-up/", followup_views.follow_up_page, name="follow_up"),
    path("<slug:code>/report/follow-up/sync/", followup_views.follow_up_sync, name="follow_up_sync"),
    path("<slug:code>/report/follow-up/<int:pk>/", followup_views.follow_up_edit, name="follow_up_edit"),
    path(
        "<slug:code>/report/recommendations/findings.json",
        register_views.finding_options,
        name="recommendation_findings",
    ),
]
