from django.urls import path

from review.views import comments, matrix, pages, report, validation

app_name = "review"

# Fixed paths come before <indicator>, which would otherwise swallow them.
urlpatterns = [
    path("<slug:code>/review/", pages.overview, name="overview"),
    path("<slug:code>/review/matrix/", matrix.matrix, name="matrix"),
    path("<slug:code>/review/endorsements/", validation.endorsements, name="endorsements"),
    path("<slug:code>/review/report/", report.report_review, name="report"),
    path("<slug:code>/review/report/<str:key>/<int:pk>/", report.report_comment, name="report_comment"),
    path("<slug:code>/review/notifications/", pages.preferences, name="preferences"),
    path("<slug:code>/review/comments/<str:key>/<int:pk>/", comments.comment_action, name="comment_action"),
    path("<slug:code>/review/<str:indicator>/", pages.finding_page, name="finding"),
]
