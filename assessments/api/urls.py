from django.urls import re_path
from rest_framework.routers import SimpleRouter

from assessments.api import rounds, views

router = SimpleRouter()
router.register("assessments", views.AssessmentViewSet, basename="assessment")
# Resources inside one assessment. Other apps add theirs the same way under assessments/<code>/.
ASSESSMENT = r"assessments/(?P<code>[^/]+)"
router.register(f"{ASSESSMENT}/findings", views.FindingViewSet, basename="finding")
router.register(f"{ASSESSMENT}/sources", views.SourceViewSet, basename="source")
router.register(f"{ASSESSMENT}/citations", views.CitationViewSet, basename="citation")
router.register(f"{ASSESSMENT}/data-points", views.DataPointViewSet, basename="data-point")
router.register(f"{ASSESSMENT}/rounds", rounds.RoundViewSet, basename="round")

urlpatterns = [
    *router.urls,
    re_path(rf"^{ASSESSMENT}/progress/$", rounds.ProgressView.as_view(), name="progress"),
]
