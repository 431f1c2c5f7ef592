"""Profile the pages of benchmarks/load.sh in-process (Django test client) with pyinstrument.

Run against a database holding the full-scope demo (``seed_demo --scope full``), e.g.
``DATABASE_URL=postgres://… .venv/bin/python benchmarks/profile_pages.py [name …]``. Prints, per page, the
CPU time per request (time.process_time over N requests after a warm-up), and writes a pyinstrument HTML profile to $PROFILE_DIR (default /tmp) when PROFILE=1.
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "roamx.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "profile-pages")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("DB_CONN_MAX_AGE", "60")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.test import Client  # noqa: E402

from assessments.models import Finding  # noqa: E402

# Pages read without signing in (the public results page, a participant's consultation pages).
ANONYMOUS = {"public", "consult", "item"}


def public_setup():
    """Publish the demo's results and give its workshop one participant with a personal link whose details
    are filled in (as benchmarks/load.sh does); returns the participant's home path."""
    from consultation.models import Consultation, Participant
    from consultation.services import invite_with_token
    from publication.services import save_publication

    assessment = Finding.objects.get(assessment__code="khm-2023", indicator__code="R.1.1").assessment
    lead = get_user_model().objects.get(username="lead")
    save_publication(assessment, by=lead, publish=True)
    consultation = Consultation.objects.filter(assessment=assessment).order_by("pk").first()
    path = invite_with_token(consultation, by=lead, email="bench@example.org", name="Bench Participant")
    Participant.objects.filter(consultation=consultation, email="bench@example.org").update(
        details_given=True
    )
    return path


def pages():
    pk = Finding.objects.get(assessment__code="khm-2023", indicator__code="R.1.1").pk
    participant = public_setup()
    return {
        # The floor: every middleware, the session and the user, and one "SELECT 1".
        "healthz": "/healthz/",
        "dashboard": "/a/khm-2023/",
        "review": "/a/khm-2023/review/R.1.1/",
        "overview": "/a/khm-2023/review/",
        "admin": f"/admin/assessments/finding/{pk}/change/",
        "api": "/api/assessments/khm-2023/findings/",
        "matrix": "/a/khm-2023/review/matrix/",
        "public": "/p/khm-2023/",
        "consult": participant,
        "item": f"{participant}i/1/",
    }


def main():
    n = int(os.environ.get("PROFILE_N", "30"))
    user = get_user_model().objects.get(username=os.environ.get("PROFILE_USER", "researcher"))
    signed_in = Client()
    signed_in.force_login(user)
    wanted = sys.argv[1:]
    for name, path in pages().items():
        if wanted and name not in wanted:
            continue
        client = Client() if name in ANONYMOUS else signed_in
        for _ in range(3):
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
        started = time.process_time()
        for _ in range(n):
            client.get(path)
        cpu = (time.process_time() - started) / n * 1000
        print(f"{name:10} {cpu:7.1f} ms CPU/request  load {os.getloadavg()[0]:.2f}")
        if os.environ.get("PROFILE"):
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.002)
            with profiler:
                for _ in range(3):
                    client.get(path)
            out = Path(os.environ.get("PROFILE_DIR", "/tmp")) / f"profile-{name}.txt"
            out.write_text(profiler.output_text(unicode=False, show_all=False))


if __name__ == "__main__":
    main()
