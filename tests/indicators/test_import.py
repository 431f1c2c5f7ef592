import csv
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from indicators.models import Indicator

from .test_loader import snapshot

SHIPPED = Path(__file__).resolve().parents[2] / "fixtures" / "iui-2019" / "indicators.csv"


def edited_csv():
    """The shipped edition with R.1.1 reworded, R.1.2 dropped and C.1.99 added."""
    with SHIPPED.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    fieldnames = list(rows[0])
    rows = [row for row in rows if row["code"] != "R.1.2"]
    for row in rows:
        if row["code"] == "R.1.1":
            row["indicator"] = "NEW WORDING " + row["indicator"]
    rows.append(
        {
            **dict.fromkeys(fieldnames, ""),
            "category": "C",
            "group": "economic",
            "code": "C.1.99",
            "indicator": "Share of GDP from the digital economy",
            "core": "no",
            "kind": "quantitative",
            "sources": "National accounts",
            "wording": "reconstructed",
        }
    )
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fieldnames)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def test_dry_run_lists_each_code_and_writes_nothing(tmp_path, framework):
    path = tmp_path / "edited.csv"
    path.write_text(edited_csv())
    before = snapshot()
    out = io.StringIO()
    call_command("load_framework", file=str(path), dry_run=True, stdout=out)
    text = out.getvalue()
    assert "indicator R.1.1: changed (text)" in text
    assert "indicator C.1.99: added" in text
    assert "indicator R.1.2: left (not in file; kept)" in text
    assert "Would load iui-2019: indicators 1 added, 1 changed, 301 unchanged, 1 left, 0 removed." in text
    assert snapshot() == before


def test_import_applies_changes_and_keeps_missing_without_prune(tmp_path, framework):
    path = tmp_path / "edited.csv"
    path.write_text(edited_csv())
    call_command("load_framework", file=str(path), stdout=io.StringIO())
    assert Indicator.objects.get(code="R.1.1").text.startswith("NEW WORDING ")
    assert Indicator.objects.filter(code="C.1.99").exists()
    assert Indicator.objects.filter(code="R.1.2").exists()


def test_prune_removes_unused_indicators(tmp_path, framework):
    path = tmp_path / "edited.csv"
    path.write_text(edited_csv())
    call_command("load_framework", file=str(path), prune=True, stdout=io.StringIO())
    assert not Indicator.objects.filter(code="R.1.2").exists()


def test_bad_row_in_import_writes_nothing(tmp_path, framework):
    path = tmp_path / "edited.csv"
    path.write_text(edited_csv() + "R,R.A,Policy,R.1,Q?,,R.1.1,Duplicate,no,qualitative,x,verified\r\n")
    before = snapshot()
    with pytest.raises(CommandError, match="duplicate code “R.1.1”"):
        call_command("load_framework", file=str(path), stdout=io.StringIO())
    assert snapshot() == before


def test_admin_import_preview_then_confirm(client, superuser, framework):
    client.force_login(superuser)
    url = reverse("admin:indicators_framework_import")
    upload = SimpleUploadedFile("edited.csv", edited_csv().encode(), content_type="text/csv")
    response = client.post(url, {"edition": "iui-2019", "file": upload})
    assert response.status_code == 200
    body = response.content.decode()
    assert "1 added · 1 changed · 301 unchanged · 1 left" in body
    assert not Indicator.objects.filter(code="C.1.99").exists()
    response = client.post(url, {"confirm": "1"})
    assert response.status_code == 302
    assert Indicator.objects.filter(code="C.1.99").exists()


def test_admin_import_reports_bad_rows(client, superuser, framework):
    client.force_login(superuser)
    bad = edited_csv().replace(",yes,", ",sometimes,", 1)
    upload = SimpleUploadedFile("bad.csv", bad.encode(), content_type="text/csv")
    response = client.post(
        reverse("admin:indicators_framework_import"), {"edition": "iui-2019", "file": upload}
    )
    assert response.status_code == 200
    assert "bad core flag “sometimes”" in response.content.decode()
    assert "Confirm import" not in response.content.decode()


def test_admin_import_refuses_wrong_file_type(client, superuser, framework):
    client.force_login(superuser)
    upload = SimpleUploadedFile("edition.pdf", b"%PDF-1.4", content_type="application/pdf")
    response = client.post(
        reverse("admin:indicators_framework_import"), {"edition": "iui-2019", "file": upload}
    )
    assert "Upload a .csv or .xlsx file." in response.content.decode()


def test_admin_import_is_for_superusers_only(client, staff_user, framework):
    client.force_login(staff_user)
    upload = SimpleUploadedFile("edited.csv", edited_csv().encode(), content_type="text/csv")
    response = client.post(
        reverse("admin:indicators_framework_import"), {"edition": "iui-2019", "file": upload}
    )
    assert response.status_code == 302
    assert not Indicator.objects.filter(code="C.1.99").exists()


def test_catalogue_admin_is_read_only_for_staff(client, staff_user, framework):
    client.force_login(staff_user)
    indicator = Indicator.objects.get(code="R.1.1")
    change_url = reverse("admin:indicators_indicator_change", args=[indicator.pk])
    response = client.get(change_url)
    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()
    response = client.post(change_url, {"code": "R.1.1", "text": "hijacked"})
    assert response.status_code == 403
    assert Indicator.objects.get(code="R.1.1").text != "hijacked"
    assert client.get(reverse("admin:indicators_indicator_add")).status_code == 403
    listing = client.get(reverse("admin:indicators_indicator_changelist"))
    assert "reconstructed wording" in listing.content.decode()


def test_catalogue_admin_refuses_non_staff(client, user, framework):
    client.force_login(user)
    response = client.get(reverse("admin:indicators_indicator_changelist"))
    assert response.status_code == 302
