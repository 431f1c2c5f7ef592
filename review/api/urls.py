from rest_framework.routers import SimpleRouter

from review.api import views

router = SimpleRouter()
ASSESSMENT = r"assessments/(?P<code>[^/]+)"
router.register(f"{ASSESSMENT}/comments", views.CommentViewSet, basename="comment")
router.register(f"{ASSESSMENT}/votes", views.VoteViewSet, basename="vote")

urlpatterns = router.urls
