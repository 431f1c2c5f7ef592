import csv
import io

import openpyxl
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.choices import Role
from assessments.models import Finding
from review import services
from tests.factories import MembershipFactory


def matrix_url(assessment):
    return reverse("review:matrix", args=[assessment.code])


def make_comments(assessment, members):
    r = Finding.objects.get(assessment=assessment, indicator__code="R.1.1")
    a = Finding.objects.get(assessment=assessment, indicator__code="A.1.1")
    gov = MembershipFactory(assessment=assessment, role=Role.MAB, stakeholder_group="government").user
    c1 = services.add_comment(r, by=members["mab"], body="Score too high; see the 2021 amendment.")
    services.resolve_comment(c1, by=members["researcher"], disposition="accepted", reason="Lowered to 2.")
    services.add_comment(a, by=gov, body="Mobile coverage data is from 2019.")
    services.add_comment(r, by=members["lead"], body="Team note, not in the matrix.")
    return gov


def test_matrix_lists_mab_comments_with_dispositions(client, members, assessment):
    make_comments(assessment, members)
    client.force_login(members["staff"])
    body = client.get(matrix_url(assessment)).content.decode()
    assert "2 comments" in body
    assert "Score too high" in body and "Accepted" in body and "Lowered to 2." in body
    assert "Mobile coverage data" in body
    assert "Team note" not in body


def test_matrix_filters(client, members, assessment):
    gov = make_comments(assessment, members)
    client.force_login(members["mab"])
    url = matrix_url(assessment)
    assert "1 comment<" in client.get(url, {"status": "open"}).content.decode()
    resolved = client.get(url, {"disposition": "accepted"}).content.decode()
    assert "Score too high" in resolved and "Mobile coverage" not in resolved
    by_cat = client.get(url, {"category": "A"}).content.decode()
    assert "Mobile coverage" in by_cat and "Score too high" not in by_cat
    by_person = client.get(url, {"commenter": gov.username}).content.decode()
    assert "Mobile coverage" in by_person and "Score too high" not in by_person
    bad = client.get(url, {"category": "Q"})
    assert bad.status_code == 200 and "Select a valid choice" in bad.content.decode()


def test_matrix_exports_csv_and_xlsx(client, members, assessment):
    make_comments(assessment, members)
    client.force_login(members["lead"])
    response = client.get(matrix_url(assessment), {"export": "csv", "status": "resolved"})
    assert response["Content-Type"].startswith("text/csv")
    assert "khm-2023-comment-response-matrix.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["No.", "Category", "Item"]
    assert len(rows) == 2
    assert rows[1][1] == "R" and rows[1][4] == "Civil society" and rows[1][8] == "Accepted"
    assert rows[1][9] == "Lowered to 2."

    response = client.get(matrix_url(assessment), {"export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert len(values) == 3
    # Rows run in category order: A before R.
    assert values[1][6] == "Mobile coverage data is from 2019." and values[1][4] == "Government"
    assert values[1][7] == "Open" and values[2][1] == "R"


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_matrix_queries_do_not_grow_with_comments(client, members, assessment):
    client.force_login(members["lead"])
    finding = Finding.objects.filter(assessment=assessment).first()
    c = services.add_comment(finding, by=members["mab"], body="one")
    services.resolve_comment(c, by=members["lead"], disposition="accepted", reason="ok")
    few = _queries(client, matrix_url(assessment))
    few_csv = _queries(client, matrix_url(assessment) + "?export=csv")
    for i, f in enumerate(Finding.objects.filter(assessment=assessment)[:30]):
        extra = MembershipFactory(assessment=assessment, role=Role.MAB).user
        c = services.add_comment(f, by=extra, body=f"comment {i}")
        if i % 2:
            services.resolve_comment(c, by=members["researcher"], disposition="not_accepted", reason="no")
    assert few == _queries(client, matrix_url(assessment))
    assert few_csv == _queries(client, matrix_url(assessment) + "?export=csv")
