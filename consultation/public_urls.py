"""The participants' URLs: the only ones a consultation link opens (consultation/public.py)."""

from django.urls import re_path

from consultation import public

app_name = "consultation_public"

TOKEN = r"(?P<kind>[po])/(?P<key>[0-9]{1,18})/(?P<token>[A-Za-z0-9_-]{1,100})"

urlpatterns = [
    re_path(rf"^{TOKEN}/$", public.home, name="home"),
    re_path(rf"^{TOKEN}/i/(?P<number>[0-9]{{1,4}})/$", public.item, name="item"),
]
