from rest_framework.routers import SimpleRouter

from consultation.api import views

router = SimpleRouter()
CONSULTATIONS = r"assessments/(?P<code>[^/]+)/consultations"
ONE = rf"{CONSULTATIONS}/(?P<consultation>[0-9]{{1,18}})"
router.register(CONSULTATIONS, views.ConsultationViewSet, basename="consultation")
router.register(f"{ONE}/items", views.ItemViewSet, basename="consultation-item")
router.register(f"{ONE}/inputs", views.InputViewSet, basename="consultation-input")

urlpatterns = router.urls
