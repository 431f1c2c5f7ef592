from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.utils.translation import gettext_lazy

from publication.sitemaps import PublishedResultsSitemap
from roamx import tokens, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz/", views.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/tokens/", tokens.api_tokens, name="api_tokens"),
    path("framework/", include("indicators.urls")),
    path("a/", include("assessments.urls")),
    path("a/", include("review.urls")),
    path("a/", include("reports.urls")),
    path("a/", include("consultation.urls")),
    # Consultation participants (no account): their links open these pages and nothing else.
    path("c/", include("consultation.public_urls")),
    # The lead's publication page (/a/<code>/publish/) and the public results (/p/<code>/).
    path("", include("publication.urls")),
    path("sitemap.xml", sitemap, {"sitemaps": {"results": PublishedResultsSitemap}}, name="sitemap"),
    path("api/", include("roamx.api_urls")),
    path("i18n/", include("accounts.urls")),
    path("admin/", admin.site.urls),
]

# A database that went away gets a 503 page that says so (toolkit/errors.py), other errors Django's 500.
handler500 = "toolkit.errors.server_error"

admin.site.site_header = gettext_lazy("roamx administration")
admin.site.site_title = "roamx"
admin.site.index_title = gettext_lazy("Research workspace")
