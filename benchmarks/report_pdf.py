"""Report PDF benchmark (`make bench`): full-scope and core-scope reports, against headless Chromium.

Builds the data in a throwaway SQLite database: every finding with about 150 words, a data point and
two sources. Prints, per report: seconds and pages of the first export (chapters rendered in parallel,
nothing cached), of a re-export after one finding changed, of a cached re-download, of a one-pass
WeasyPrint render of the same report, and of Chromium printing the same HTML; the CPU seconds of each
(the export's: this process and its render pool; Chromium's: all its processes); the unchanged-content
checks; the sum of the peak memory (VmHWM) of every process of the export; and the load average with
every figure (the machine may be shared: compare CPU seconds and ratios taken in the same run).
"""

import ctypes
import gc
import multiprocessing
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# multiprocessing imports this script into each process of the render pools (as "__mp_main__"): they
# must not set up Django, a database and a temporary directory, or their memory would not be the
# memory of the render processes of a task worker (manage.py db_worker imports nothing there).
if __name__ != "__mp_main__":
    sys.path.insert(0, str(ROOT))
    TMP = Path(tempfile.mkdtemp(prefix="roamx-bench-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{TMP / 'bench.sqlite3'}"
    os.environ["VAR_DIR"] = str(TMP)
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "roamx.settings")

    import django  # noqa: E402

    django.setup()

    from django.core.files.base import ContentFile  # noqa: E402
    from django.core.management import call_command  # noqa: E402

    from assessments.choices import FindingStatus, Scope, StakeholderGroup  # noqa: E402
    from assessments.models import Citation, DataPoint, Finding, Source  # noqa: E402
    from assessments.services import create_assessment  # noqa: E402
    from indicators.models import Framework  # noqa: E402
    from reports import document, fingerprint, pdf  # noqa: E402
    from reports.models import Recommendation, ReportExport  # noqa: E402
    from reports.pdf_worker import render_html, warm_up  # noqa: E402
    from tests.e2e.conftest import CHROMIUM  # noqa: E402
    from tests.e2e.conftest import CHROMIUM_ARGS as E2E_CHROMIUM_ARGS  # noqa: E402

    # The same chromium and no-network flags as the browser tests, printing without its own header/footer.
    CHROMIUM_ARGS = ["--headless", *E2E_CHROMIUM_ARGS, "--no-pdf-header-footer"]
WORDS = [
    "the",
    "government",
    "ministry",
    "policy",
    "framework",
    "internet",
    "access",
    "broadband",
    "mobile",
    "subscriptions",
    "rural",
    "urban",
    "women",
    "digital",
    "literacy",
    "data",
    "protection",
    "freedom",
    "expression",
    "regulator",
    "survey",
    "households",
    "schools",
    "coverage",
    "affordability",
    "price",
    "operators",
    "licence",
    "law",
    "consultation",
    "civil",
    "society",
    "academia",
    "evidence",
]


def words(n, rng):
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def build(code, scope):
    rng = random.Random(code)
    assessment = create_assessment(
        code=code,
        title=f"Benchmark {code}",
        country_code="KHM",
        country_name="Cambodia",
        framework=Framework.objects.get(code="iui-2019"),
        scope=scope,
    )
    findings = list(assessment.findings.select_related("indicator"))
    for i, finding in enumerate(findings):
        finding.narrative = f"{words(75, rng)}\n\n{words(75, rng)} កម្ពុជា"
        finding.status = FindingStatus.DRAFT
        finding.score = 1 + i % 5
    Finding.objects.bulk_update(findings, ["narrative", "status", "score"])
    sources = Source.objects.bulk_create(
        [
            Source(assessment=assessment, type="report", title=f"Source {i}: {words(6, rng)}", author="MPTC")
            for i in range(len(findings) * 2)
        ]
    )
    Citation.objects.bulk_create(
        [Citation(finding=f, source=sources[2 * i + k]) for i, f in enumerate(findings) for k in (0, 1)]
    )
    DataPoint.objects.bulk_create(
        [
            DataPoint(finding=f, value=Decimal("12.5") + i, unit="%", year=2022, source=sources[2 * i])
            for i, f in enumerate(findings)
        ]
    )
    from reports.demo import seed_report

    seed_report(assessment)
    for group in StakeholderGroup:
        for k in range(4):
            Recommendation.objects.create(
                assessment=assessment, stakeholder_group=group, text=words(30, rng), order=k + 10
            )
    return assessment, findings


def chromium_seconds(html):
    src = TMP / "report.html"
    out = TMP / "chromium.pdf"
    src.write_text(html)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [CHROMIUM, *CHROMIUM_ARGS, f"--print-to-pdf={out}", src.as_uri()],
        check=True,
        capture_output=True,
        timeout=300,
    )
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    pages = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True).stdout
    pages = next((line.split()[-1] for line in pages.splitlines() if line.startswith("Pages:")), "?")
    return seconds, cpu, pages


def load():
    return "load {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def cpu_seconds(pid):
    """User + system CPU seconds of a live process (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def export_processes(reference):
    """The export's processes: this one (the task worker's part), the render workers, and the pool's
    forkserver and resource tracker (this process's other multiprocessing children, not the reference
    render's process)."""
    workers = [p.pid for p in pdf.pool()._processes.values()]
    skip = set(workers) | {p.pid for p in reference._processes.values()}
    helpers = [
        pid
        for pid in children(os.getpid())
        if pid not in skip and "multiprocessing" in Path(f"/proc/{pid}/cmdline").read_text()
    ]
    return {"main": [os.getpid()], "render workers": workers, "forkserver and resource tracker": helpers}


def reset_peaks(pids):
    """Start each process's peak (VmHWM) afresh (Linux: 5 → /proc/<pid>/clear_refs). This process first
    hands back to the system what building the benchmark's data left free, as a task worker would not
    have it: the peak is then the export's, not the set-up's."""
    gc.collect()
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    for pid in pids:
        Path(f"/proc/{pid}/clear_refs").write_text("5")


def status_mb(pid, field):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def pss_mb(pid):
    """Proportional set size: shared pages (the forkserver's preloaded WeasyPrint) counted once overall."""
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children(pid):
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def reference_pool():
    """A separate process for the one-pass reference render, so its memory is not counted as the
    export's."""
    context = multiprocessing.get_context("forkserver")
    return ProcessPoolExecutor(
        max_workers=1, mp_context=context, initializer=warm_up, initargs=("<p>Aa</p>",)
    )


def bench(code, scope, reference):
    assessment, findings = build(code, scope)
    print(f"\n## {code}: {scope} scope, {len(findings)} indicators")
    processes = export_processes(reference)
    pids = [pid for group in processes.values() for pid in group]
    # The peaks from here on: the export's (from building its HTML to the re-export), not the set-up's.
    reset_peaks(pids)
    started = time.perf_counter()
    doc = document.build(assessment)
    html_seconds = time.perf_counter() - started
    single_html = document.single_document(doc)
    chrome_s, chrome_cpu, chrome_pages = chromium_seconds(single_html)
    chrome_load = load()

    cpu_before = sum(cpu_seconds(pid) for pid in pids)
    first = pdf.render_report(doc)
    first_cpu = sum(cpu_seconds(pid) for pid in pids) - cpu_before
    first_load = load()
    export = ReportExport.objects.create(
        assessment=assessment,
        content_hash=first.content_hash,
        source_fingerprint=fingerprint.of(assessment),
        pages=first.pages,
        status="done",
    )
    export.file.save("x.pdf", ContentFile(first.pdf))
    if os.environ.get("BENCH_PDF_DIR"):  # keep the PDF to look at its pages
        Path(os.environ["BENCH_PDF_DIR"], f"{code}.pdf").write_bytes(first.pdf)

    # The unchanged-content checks on unchanged content: the quick one (the database fingerprint, which
    # request_export asks first) and the sure one (build the HTML and hash it, the fallback).
    started, cpu_before = time.perf_counter(), time.process_time()
    quick = ReportExport.objects.filter(
        assessment=assessment, source_fingerprint=fingerprint.of(assessment), status="done"
    ).first()
    quick_s, quick_cpu = time.perf_counter() - started, time.process_time() - cpu_before
    assert quick == export
    started, cpu_before = time.perf_counter(), time.process_time()
    unchanged = document.build(assessment).content_hash == first.content_hash
    hash_s, hash_cpu = time.perf_counter() - started, time.process_time() - cpu_before
    check_load = load()

    # One finding changes: only its annex chapter and the key-findings chapter render again.
    finding = findings[len(findings) // 2]
    finding.narrative += " A new sentence from the review."
    finding.save()
    started = time.perf_counter()
    cpu_before = sum(cpu_seconds(pid) for pid in pids)
    doc2 = document.build(assessment)
    second = pdf.render_report(doc2)
    second_s = time.perf_counter() - started
    second_cpu = sum(cpu_seconds(pid) for pid in pids) - cpu_before
    second_load = load()
    peaks = {name: [status_mb(pid, "VmHWM") for pid in group] for name, group in processes.items()}

    started = time.perf_counter()
    cached = ReportExport.objects.filter(content_hash=first.content_hash, status="done").first()
    with cached.file.open("rb") as fh:
        data = fh.read()
    download_s = time.perf_counter() - started
    assert data == first.pdf
    download_load = load()

    single = pdf.single_html(doc)
    ref_pid = next(iter(reference._processes.values())).pid
    cpu_before = cpu_seconds(ref_pid)
    started = time.perf_counter()
    _single_pdf, single_pages, _layout = reference.submit(
        render_html, single, doc.resources_for(single)
    ).result()
    single_s = time.perf_counter() - started
    single_cpu = cpu_seconds(ref_pid) - cpu_before

    ratio = lambda s: s / chrome_s  # noqa: E731
    print(f"HTML built in {html_seconds:.2f} s")
    print(
        f"Chromium print of the same HTML:   {chrome_s:6.2f} s  CPU {chrome_cpu:5.2f} s  "
        f"{chrome_pages} pages  ({chrome_load})"
    )
    print(
        f"first export (parallel chapters):  {first.seconds:6.2f} s  CPU {first_cpu:5.2f} s  "
        f"{first.pages} pages  {ratio(first.seconds):.2f}x Chromium (CPU "
        f"{first_cpu / max(chrome_cpu, 1e-6):.2f}x)  ({first.chapters_rendered}/{first.chapters_total} "
        f"chapters)  ({first_load})"
    )
    print(
        f"re-export, one finding changed:    {second_s:6.2f} s  CPU {second_cpu:5.2f} s  "
        f"{second.pages} pages  {ratio(second_s):.2f}x Chromium  ({second.chapters_rendered}/"
        f"{second.chapters_total} chapters, HTML build included)  ({second_load})"
    )
    print(
        f"cached re-download:                {download_s * 1000:6.1f} ms  "
        f"1/{first.seconds / max(download_s, 1e-6):.0f} of the first render  ({download_load})"
    )
    print(
        f"unchanged check, quick (fingerprint): {quick_s:6.3f} s  CPU {quick_cpu:5.3f} s  "
        f"{quick_s / first.seconds:.3f} of the first export, {quick_s / second_s:.3f} of the re-export  "
        f"({check_load})"
    )
    print(
        f"unchanged check, sure (HTML hash):    {hash_s:6.3f} s  CPU {hash_cpu:5.3f} s  "
        f"(unchanged={unchanged})"
    )
    print(
        f"one-pass WeasyPrint (reference):   {single_s:6.2f} s  CPU {single_cpu:5.2f} s  "
        f"{single_pages} pages  {ratio(single_s):.2f}x Chromium  ({load()})"
    )
    print(
        "peak memory (VmHWM) of the export's processes, first export and re-export: "
        + "; ".join(f"{name} " + ", ".join(f"{mb:.0f} MB" for mb in mbs) for name, mbs in peaks.items())
        + f"; sum {sum(sum(mbs) for mbs in peaks.values()):.0f} MB"
    )
    pss = [pss_mb(pid) for pid in pids]
    print(f"memory now (PSS, shared pages counted once): {sum(pss):.0f} MB in {len(pss)} processes")


def main():
    call_command("migrate", verbosity=0)
    call_command("load_framework", verbosity=0)
    pdf.pool()  # the db_worker keeps its pool; start it once, as the worker does on its first export
    started = time.perf_counter()
    list(pdf.pool().map(abs, [1, 2]))
    print(f"render pool started in {time.perf_counter() - started:.2f} s")
    reference = reference_pool()
    reference.submit(abs, 1).result()
    bench("bench-full", Scope.FULL, reference)
    bench("bench-core", Scope.CORE, reference)

    reference.shutdown()
    pdf.shutdown_pool()


if __name__ == "__main__":
    main()
