from django.urls import path

from indicators import views

app_name = "indicators"

urlpatterns = [
    path("", views.framework_list, name="framework_list"),
    path("<slug:edition>/", views.framework_detail, name="framework"),
    path("<slug:edition>/indicators/<str:code>/", views.indicator_detail, name="indicator"),
]
