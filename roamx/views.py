from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from indicators.queries import frameworks_with_counts


@login_required
def home(request):
    return render(request, "home.html", {"frameworks": frameworks_with_counts()})
