from rest_framework.routers import SimpleRouter

from reports.api import views

router = SimpleRouter()
ASSESSMENT = r"assessments/(?P<code>[^/]+)"
router.register(f"{ASSESSMENT}/report-sections", views.ReportSectionViewSet, basename="report-section")
router.register(f"{ASSESSMENT}/recommendations", views.RecommendationViewSet, basename="recommendation")
router.register(
    f"{ASSESSMENT}/recommendation-follow-ups", views.FollowUpViewSet, basename="recommendation-follow-up"
)
router.register(f"{ASSESSMENT}/report-exports", views.ReportExportViewSet, basename="report-export")

urlpatterns = router.urls
