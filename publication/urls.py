from django.urls import path

from publication import views

app_name = "publication"

# Mounted at the site's root (roamx/urls.py): the lead's page under /a/, the public pages under /p/.
urlpatterns = [
    path("a/<slug:code>/publish/", views.manage, name="manage"),
    path("p/<slug:code>/", views.public_page, name="public"),
    path("p/<slug:code>/report.pdf", views.public_pdf, name="public_pdf"),
    path("p/<slug:code>/report.docx", views.public_docx, name="public_docx"),
    path("p/<slug:code>/datapackage.zip", views.public_data, name="public_data"),
]
