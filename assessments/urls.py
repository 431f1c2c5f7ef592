from django.urls import path

from assessments.views import attachments, dashboard, progress, rounds, scope

app_name = "assessments"

urlpatterns = [
    path("", dashboard.assessment_list, name="list"),
    path("<slug:code>/", dashboard.dashboard, name="dashboard"),
    path("<slug:code>/scope/", scope.scope, name="scope"),
    path("<slug:code>/new-round/", rounds.new_round, name="new_round"),
    path("<slug:code>/progress/", progress.progress_page, name="progress"),
    path("<slug:code>/attachments/<int:pk>/", attachments.download, name="attachment"),
]
