from django.urls import path

from assessments.views import attachments, dashboard, scope

app_name = "assessments"

urlpatterns = [
    path("", dashboard.assessment_list, name="list"),
    path("<slug:code>/", dashboard.dashboard, name="dashboard"),
    path("<slug:code>/scope/", scope.scope, name="scope"),
    path("<slug:code>/attachments/<int:pk>/", attachments.download, name="attachment"),
]
