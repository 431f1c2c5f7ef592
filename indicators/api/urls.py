from rest_framework.routers import SimpleRouter

from indicators.api import views

router = SimpleRouter()
router.register("frameworks", views.FrameworkViewSet, basename="framework")
router.register(r"frameworks/(?P<edition>[^/]+)/indicators", views.IndicatorViewSet, basename="indicator")

urlpatterns = router.urls
