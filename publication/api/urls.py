from django.urls import path

from publication.api import views

urlpatterns = [
    path("assessments/<slug:code>/open-data/", views.OpenDataView.as_view(), name="open-data"),
]
