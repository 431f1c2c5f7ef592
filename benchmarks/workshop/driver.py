"""The workshop load's participants (benchmarks/workshop.sh): PARTICIPANTS people at once, each through
the real pages — the details form, the item list, then every item's page and its answer — half through
personal links, half through the open link (one address, as behind a venue's Wi-Fi), with a think time
between items; meanwhile the projector polls its tallies as the page's script does. Prints p50/p99 per
kind of request and the errors (any unexpected status, or a page without what it must show), and — given
the gunicorn workers' pids — the CPU time the workers spent per request (from /proc), which stays
comparable when the machine is busy."""

import argparse
import os
import random
import re
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
GROUPS = ["government", "civil_society", "private_sector", "academia", "technical", "users", "judiciary"]
POSITIONS = ["agree", "changes", "disagree"]

timings = {}
errors = []
error_kinds = {}
lock = threading.Lock()


def timed(kind, session, method, url, expect_status, expect_text=None, **kwargs):
    start = time.perf_counter()
    try:
        response = session.request(method, url, allow_redirects=False, timeout=30, **kwargs)
    except requests.RequestException as exc:
        with lock:
            errors.append(f"{kind}: {exc}")
            error_kinds[kind] = error_kinds.get(kind, 0) + 1
        return None
    elapsed = (time.perf_counter() - start) * 1000
    with lock:
        timings.setdefault(kind, []).append(elapsed)
        if response.status_code != expect_status or (expect_text and expect_text not in response.text):
            errors.append(f"{kind} {url}: {response.status_code}")
            error_kinds[kind] = error_kinds.get(kind, 0) + 1
    return response


def participant(base, link, n, items, think):
    session = requests.Session()
    home = base + link
    page = timed("details form", session, "GET", home, 200, "csrfmiddlewaretoken")
    if page is None:
        return
    token = CSRF.search(page.text).group(1)
    details = {
        "csrfmiddlewaretoken": token,
        "name": f"Participant {n}",
        "organisation": f"Organisation {n % 17}",
        "stakeholder_group": GROUPS[n % len(GROUPS)],
        "gender": ["woman", "man", ""][n % 3],
        **({"list_organisation": "on"} if n % 2 else {}),
    }
    timed("details save", session, "POST", home, 302, data=details)
    timed("item list", session, "GET", home, 200, "c-items")
    for number in range(1, items + 1):
        time.sleep(random.uniform(*think))
        page = timed("item page", session, "GET", f"{home}i/{number}/", 200, "csrfmiddlewaretoken")
        if page is None:
            continue
        token = CSRF.search(page.text).group(1)
        answer = {"csrfmiddlewaretoken": token, "position": random.choice(POSITIONS)}
        if random.random() < 0.3:
            answer["comment"] = f"Participant {n} on item {number}: please name the responsible ministry."
        timed("answer save", session, "POST", f"{home}i/{number}/", 302, data=answer)


def projector(base, tallies, cookie, stop):
    session = requests.Session()
    session.headers["Cookie"] = cookie
    while not stop.is_set():
        timed("projector tallies", session, "GET", base + tallies, 200, '"items"')
        stop.wait(3)


def worker_ticks(pids):
    """User + system clock ticks the processes have used (fields 14 and 15 of /proc/<pid>/stat)."""
    ticks = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("links", help="file: one participant path a line")
    parser.add_argument("--items", type=int, required=True)
    parser.add_argument("--tallies", required=True)
    parser.add_argument("--cookie", required=True)
    parser.add_argument("--think", type=float, nargs=2, default=(1.0, 3.0))
    parser.add_argument("--ramp", type=float, default=10.0, help="seconds over which participants arrive")
    parser.add_argument("--workers", default="", help="the gunicorn workers' pids, comma-separated")
    args = parser.parse_args()
    pids = [pid for pid in args.workers.split(",") if pid]
    ticks_before = worker_ticks(pids)
    with open(args.links) as lines:
        links = [line.strip() for line in lines if line.strip()]
    stop = threading.Event()
    poller = threading.Thread(target=projector, args=(args.base, args.tallies, args.cookie, stop))
    poller.start()
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(links)) as pool:
        for n, link in enumerate(links):
            pool.submit(participant, args.base, link, n, args.items, tuple(args.think))
            time.sleep(args.ramp / len(links))
    stop.set()
    poller.join()
    wall = time.perf_counter() - start
    ticks = worker_ticks(pids) - ticks_before
    everything = [t for values in timings.values() for t in values]
    print(f"{len(links)} participants x {args.items} items in {wall:.0f} s: {len(everything)} requests")
    print(f"\n{'request':<20} {'count':>7} {'errors':>7} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for kind, values in timings.items():
        print(
            f"{kind:<20} {len(values):>7} {error_kinds.get(kind, 0):>7} {statistics.median(values):>8.0f} "
            f"{percentile(values, 99):>8.0f} {max(values):>8.0f}"
        )
    p99 = percentile(everything, 99)
    print(
        f"{'all':<20} {len(everything):>7} {len(errors):>7} {statistics.median(everything):>8.0f} "
        f"{p99:>8.0f} {max(everything):>8.0f}"
    )
    if pids and everything:
        cpu_ms = 1000 * ticks / os.sysconf("SC_CLK_TCK") / len(everything)
        print(
            f"\nworkers' CPU: {ticks / os.sysconf('SC_CLK_TCK'):.1f} s, {cpu_ms:.1f} ms per request "
            f"({len(everything) / wall:.1f} requests/s offered)"
        )
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"\nerrors: {len(errors)}")
    for line in errors[:10]:
        print("  ", line)
    met = not errors and p99 < 500
    print(f"Goal (0 errors, p99 < 500 ms): {'met' if met else 'NOT met'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
