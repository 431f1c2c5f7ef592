"""Two roamx web instances (gunicorn on different ports, as on two machines) sharing PostgreSQL, Redis
(cache and task queue) and the object store, with an RQ worker beside them: a session, a cached dashboard
part, an upload and an export made through one are right through the other."""

import pytest
import requests

from assessments.models import Attachment
from reports.models import ReportExport
from tests import processes
from tests.assessments.conftest import finding, finding_post
from tests.reports.conftest import flat, pdf_text

from .conftest import csrf_post, export_through, figures_key, gunicorn, s3_objects, wait_for_pdf
from .test_task_queue import RQ_WORKER, rq_env

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.mark.django_db(transaction=True)
def test_two_web_instances_share_sessions_cache_media_and_exports(
    report, members, redis_cache, redis_url, s3_env, tmp_path
):
    env = {**rq_env(redis_url), **s3_env}
    code = report.code
    worker = processes.start(processes.manage(*RQ_WORKER), tmp_path / "rqworker.log", **env)
    try:
        with (
            gunicorn(tmp_path / "a.log", workers=1, **env) as a,
            gunicorn(tmp_path / "b.log", workers=1, **env) as b,
        ):
            assert a != b
            # A session: signed in through A, the same cookie is a signed-in person on B.
            browser = requests.Session()
            assert processes.sign_in(browser, a, "lead", "pw-test-1").status_code == 302
            cookie = {"sessionid": browser.cookies["sessionid"]}
            on_b = requests.get(f"{b}/a/{code}/", cookies=cookie, allow_redirects=False, timeout=30)
            assert on_b.status_code == 200 and "Assessing Internet Development in Cambodia" in on_b.text
            assert requests.get(f"{b}/a/{code}/", allow_redirects=False, timeout=30).status_code == 302

            # A cached dashboard part: computed by A, served by B from Redis (B never computed it).
            assert browser.get(f"{a}/a/{code}/", timeout=30).status_code == 200
            key = figures_key(report)
            part = redis_cache.get(key)
            assert part
            redis_cache.set(key, part + '<p id="planted">computed once, for both</p>', 600)
            assert "computed once, for both" in browser.get(f"{b}/a/{code}/", timeout=30).text

            # An upload through A (with an edit): B's dashboard is fresh at once and B serves the file.
            target = finding(report, "R.1.1")
            change = f"{a}/admin/assessments/finding/{target.pk}/change/"
            data = finding_post(
                target,
                narrative="Uploaded through instance A.",
                **{"attachments-TOTAL_FORMS": "1", "attachments-0-description": "Evidence"},
            )
            page = browser.get(change, timeout=30)
            assert page.status_code == 200
            token = page.text.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
            response = browser.post(
                change,
                data={**data, "csrfmiddlewaretoken": token},
                files={"attachments-0-file": ("law.pdf", PDF, "application/pdf")},
                allow_redirects=False,
                timeout=60,
            )
            assert response.status_code == 302, response.text[:1000]
            attachment = Attachment.objects.get(finding=target)
            assert s3_objects(s3_env) == {attachment.file.name: PDF}
            dashboard_b = browser.get(f"{b}/a/{code}/", timeout=30).text
            assert "computed once, for both" not in dashboard_b
            download = browser.get(f"{b}/a/{code}/attachments/{attachment.pk}/", timeout=30)
            assert download.status_code == 200 and download.content == PDF

            # An export pressed on B, rendered by the worker from the queue in Redis, downloaded from A.
            pk = export_through(browser, b, code)
            pdf = wait_for_pdf(browser, a, code, pk)
            assert s3_objects(s3_env)[ReportExport.objects.get(pk=pk).file.name] == pdf
            assert "Cambodia" in flat(pdf_text(pdf, tmp_path))
            # Sign out on B: the session is gone on A too.
            assert csrf_post(browser, f"{b}/a/", f"{b}/accounts/logout/").status_code == 302
            gone = requests.get(f"{a}/a/{code}/", cookies=cookie, allow_redirects=False, timeout=30)
            assert gone.status_code == 302
    finally:
        processes.stop(worker)
