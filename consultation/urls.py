from django.urls import path

from consultation import views

app_name = "consultation"

urlpatterns = [
    path("<slug:code>/consultations/", views.consultation_list, name="list"),
    path("<slug:code>/consultations/<int:pk>/", views.detail, name="detail"),
    path("<slug:code>/consultations/<int:pk>/links/", views.link_action, name="link_action"),
    path("<slug:code>/consultations/<int:pk>/qr.<str:fmt>", views.qr, name="qr"),
    path("<slug:code>/consultations/<int:pk>/print/", views.printable, name="print"),
    path("<slug:code>/consultations/<int:pk>/projector/", views.projector, name="projector"),
    path("<slug:code>/consultations/<int:pk>/tallies.json", views.tallies, name="tallies"),
    path("<slug:code>/consultations/<int:pk>/facilitator/", views.facilitator, name="facilitator"),
    path("<slug:code>/consultations/<int:pk>/inputs/", views.inputs, name="inputs"),
    path(
        "<slug:code>/consultations/<int:pk>/inputs/<int:answer_pk>/",
        views.answer_action,
        name="answer_action",
    ),
    path("<slug:code>/consultations/<int:pk>/summary/", views.summary, name="summary"),
    path("<slug:code>/consultations/<int:pk>/participants/", views.participants, name="participants"),
    path(
        "<slug:code>/consultations/<int:pk>/participants/<int:participant_pk>/export.<str:fmt>",
        views.participant_export,
        name="participant_export",
    ),
]
