"""Profile the pages of benchmarks/load.sh and benchmarks/workshop.sh in-process (Django test client)
with pyinstrument.

Run against a database holding the full-scope demo (``seed_demo --scope full``), e.g.
``DATABASE_URL=postgres://… .venv/bin/python benchmarks/profile_pages.py [name …]``; the workshop's pages
(``workshop`` or their names, ``w-…``) against the workshop's data (benchmarks/workshop/setup.py: a
consultation titled "Workshop load"). Prints, per page, the CPU time per request (time.process_time over
N requests after a warm-up) and the queries per request, and writes a pyinstrument text profile to
$PROFILE_DIR (default /tmp) when PROFILE=1.
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
from django.db import connection  # noqa: E402
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


def workshop_requests():
    """The participant's requests of the workshop load (personal link), and the lead's tallies and
    facilitator page: name -> (client, method, path, data, expected status)."""
    from consultation import services
    from consultation.models import Consultation

    consultation = Consultation.objects.filter(title="Workshop load").latest("pk")
    lead = get_user_model().objects.get(username="lead")
    home = services.invite_with_token(consultation, by=lead, name="Profiler")
    participant = Client()
    details = {"name": "Profiler", "organisation": "Org", "stakeholder_group": "academia", "gender": ""}
    assert participant.post(home, details).status_code == 302
    team = Client()
    team.force_login(lead)
    base = f"/a/{consultation.assessment.code}/consultations/{consultation.pk}"
    item = f"{home}i/2/"
    return {
        "w-not-found": (participant, "get", home.replace("/p/", "/o/"), None, 404),
        "w-details-form": (participant, "get", home + "?details=1", None, 200),
        "w-details-save": (participant, "post", home, details, 302),
        "w-item-list": (participant, "get", home, None, 200),
        "w-item-page": (participant, "get", item, None, 200),
        "w-answer-save": (participant, "post", item, {"position": "changes", "comment": "Name it."}, 302),
        "w-tallies": (team, "get", f"{base}/tallies.json", None, 200),
        "w-facilitator": (team, "get", f"{base}/facilitator/", None, 200),
    }


def measure(name, request, n):
    client, method, path, data, status = request

    def send():
        return getattr(client, method)(path, data) if data else getattr(client, method)(path)

    for _ in range(3):
        response = send()
        assert response.status_code == status, (path, response.status_code)
    queries = []
    with connection.execute_wrapper(lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)):
        send()
    # The best of five batches: on a busy machine other processes' cache misses only ever add time.
    batches = []
    for _ in range(5):
        started = time.process_time()
        for _ in range(max(1, n // 5)):
            send()
        batches.append((time.process_time() - started) / max(1, n // 5) * 1000)
    cpu, median = min(batches), sorted(batches)[2]
    print(
        f"{name:16} {cpu:7.1f} ms CPU/request (median batch {median:5.1f}) {len(queries):3} queries"
        f"  load {os.getloadavg()[0]:.2f}"
    )
    if os.environ.get("PROFILE"):
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        with profiler:
            for _ in range(10):
                send()
        out = Path(os.environ.get("PROFILE_DIR", "/tmp")) / f"profile-{name}.txt"
        out.write_text(profiler.output_text(unicode=False, show_all=False))


def main():
    n = int(os.environ.get("PROFILE_N", "30"))
    wanted = sys.argv[1:]
    if wanted and all(name == "workshop" or name.startswith("w-") for name in wanted):
        for name, request in workshop_requests().items():
            if "workshop" in wanted or name in wanted:
                measure(name, request, n)
        return
    user = get_user_model().objects.get(username=os.environ.get("PROFILE_USER", "researcher"))
    signed_in = Client()
    signed_in.force_login(user)
    for name, path in pages().items():
        if wanted and name not in wanted:
            continue
        client = Client() if name in ANONYMOUS else signed_in
        measure(name, (client, "get", path, None, 200), n)


if __name__ == "__main__":
    main()
