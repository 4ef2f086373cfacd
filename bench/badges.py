"""Benchmark of badge PDFs (`badges.render.render_badges_pdf`): 1, 100 and 1,000 A6 badges.

People: names cycle through every script of the demo pools (Latin, Cyrillic, Greek, Arabic, Hebrew, CJK,
Devanagari...), a long organisation name, five categories, one PNG logo, a 60-character signed-looking token.

Cases, each group in a fresh Python process (so that peak memory and warm-up belong to it alone):
  naive     one WeasyPrint document in one process, QR codes as inline SVG (what the issue measured at 60/s)
  serial    render_badges_pdf(workers=1): chunks in this process, QR codes drawn into the PDF, empty cache
  parallel  render_badges_pdf(): chunks in worker processes (the default), empty cache; then, in the same process,
  reprint   render_badges_pdf() again on the same batch: served from the cache
  changed   the same batch with one badge's name changed: one chunk re-rendered, the rest from the cache
  server    render_badges_pdf() with another thread alive, as in the web process or a Celery thread-pool worker:
            workers come from a forkserver, started (start_workers_early) 5 s before the first batch, as when the
            badge page opens; then a next batch
Times cover the call only (imports excluded, the forkserver start and worker warm-up included), medians of
--runs runs (time.perf_counter). CPU s: user + system time of the group's whole process tree, imports included,
from /proc (the same figure for the three parallel rows); on a shared, busy machine it says more than wall time.
Peak memory: resource.getrusage for self and for waited-for children, and the
largest sum of RSS over this case's whole process tree, sampled every 20 ms from /proc (pool workers are
grandchildren through the forkserver, so getrusage's children figure misses them).

Run: .venv/bin/python bench/badges.py [--runs 3] [--sizes 1 100 1000]
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CASES = ("naive", "serial", "parallel", "server")


def people(n: int):
    from meeting_manager.badges.render import BadgeData
    from meeting_manager.demo.names import POOLS

    logo = _demo_logo()
    names = []
    for script, (women, men, families) in itertools.cycle(POOLS.items()):
        i = len(names)
        given = (women + men)[i % len(women + men)]
        family = families[i % len(families)]
        cjk = script in ("chinese", "japanese", "korean")
        names.append(f"{family}{given}" if script == "chinese" else f"{family} {given}" if cjk else f"{given} {family}")
        if len(names) == n:
            break
    categories = [("Delegate", "#1f5f8b"), ("Observer", "#f2c200"), ("Press", "#2e7d32"), ("Staff", "#b3261e"),
                  ("Secretariat", "#ffffff")]
    return [BadgeData(badge_name=name, organisation="Ministry of Foreign Affairs and International Cooperation",
                      country=["Côte d'Ivoire", "Japan", "Egypt", "Brazil", "India"][i % 5],
                      category=categories[i % 5][0], category_colour=categories[i % 5][1],
                      qr_payload=f"mm1.{i:06d}.Yx3kP0qLm7Rt2VwZs9Bn4Hc8Jd1Fg6Ka5Ue",
                      meeting_title="Third Session of the Intergovernmental Negotiating Committee", logo=logo)
            for i, name in enumerate(names)]


def _demo_logo() -> bytes:
    import io

    import segno

    out = io.BytesIO()  # any small PNG stands in for an organiser's upload
    segno.make_qr("logo", error="h").save(out, kind="png", scale=8, dark="#1f5f8b")
    return out.getvalue()


def naive_pdf(badges) -> bytes:
    """The issue's baseline: our template as one document, QR codes as inline SVG parsed by WeasyPrint."""
    import weasyprint

    from meeting_manager.badges import render
    from meeting_manager.badges.qr import qr_svg

    html = render.render_chunk_html("a6", badges)
    svgs = iter(qr_svg(badge.qr_payload) for badge in badges)
    html = re.sub(r'<div class="b-band ', lambda m: f'<div class="b-qr">{next(svgs)}</div>\n' + m[0], html)
    html = html.replace("</style>", ".b-qr { position: absolute } .b-qr svg { width: 100%; height: 100% }</style>")
    return weasyprint.HTML(string=html, base_url=str(render.STATIC_DIR) + "/",
                           url_fetcher=render.StaticFilesFetcher()).write_pdf()


def run_case(case: str, n: int) -> list[dict]:
    """In this process: the timed calls of one case; "parallel" also times the reprint and the changed batch."""
    import dataclasses

    from meeting_manager.badges.render import render_badges_pdf, start_workers_early

    badges = people(n)
    results = []

    def timed(label, call):
        start = time.perf_counter()
        pdf = call()
        results.append({"case": label, "n": n, "seconds": time.perf_counter() - start, "bytes": len(pdf)})

    with tempfile.TemporaryDirectory() as cache:
        cache_dir = Path(cache)
        if case == "naive":
            timed("naive", lambda: naive_pdf(badges))
        elif case == "serial":
            timed("serial", lambda: render_badges_pdf(badges, cache_dir=cache_dir, workers=1))
        elif case == "server":  # another thread alive, as in a web process or a Celery thread-pool worker
            stop = threading.Event()
            threading.Thread(target=stop.wait, daemon=True).start()
            start_workers_early()  # as the badge page (or a Celery worker) does,
            time.sleep(5)  # a few seconds before staff have chosen the batch and pressed "Print"
            timed("server, first batch", lambda: render_badges_pdf(badges, cache_dir=cache_dir))
            others = [dataclasses.replace(b, qr_payload=b.qr_payload + "2") for b in badges]
            timed("server, next batch", lambda: render_badges_pdf(others, cache_dir=cache_dir))
            stop.set()
        else:
            timed("parallel", lambda: render_badges_pdf(badges, cache_dir=cache_dir))
            timed("reprint", lambda: render_badges_pdf(badges, cache_dir=cache_dir))
            badges[n // 2] = dataclasses.replace(badges[n // 2], badge_name="Renamed Person")
            timed("changed", lambda: render_badges_pdf(badges, cache_dir=cache_dir))
    usage = {"rss_self_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
             "rss_children_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}
    return [{**result, **usage} for result in results]


def _tree(root: int) -> dict[int, tuple[float, float]]:
    """pid -> (RSS in MB, CPU seconds so far) for `root` and all its descendants."""
    parents, usage = {}, {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            parents[int(entry.name)] = int(fields[1])
            usage[int(entry.name)] = (int(fields[21]) * os.sysconf("SC_PAGE_SIZE") / 2**20,
                                      (int(fields[11]) + int(fields[12])) / tick)
        except (OSError, ValueError, IndexError):
            continue
    tree, grew = {root}, True
    while grew:
        new = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= new
        grew = bool(new)
    return {pid: usage[pid] for pid in tree if pid in usage}


def measure(case: str, n: int) -> list[dict]:
    """Run one case in a fresh interpreter, sampling its process tree's memory."""
    proc = subprocess.Popen([sys.executable, __file__, "--case", case, "--n", str(n)], stdout=subprocess.PIPE,
                            text=True, cwd=ROOT)
    peak, cpu = 0.0, {}

    def sample():
        nonlocal peak
        while proc.poll() is None:
            tree = _tree(proc.pid)
            peak = max(peak, sum(rss for rss, _ in tree.values()))
            cpu.update({pid: max(seconds, cpu.get(pid, 0.0)) for pid, (_, seconds) in tree.items()})
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = proc.communicate()
    sampler.join()
    if proc.returncode:
        raise SystemExit(f"case {case} n={n} failed")
    extra = {"rss_tree_mb": peak, "cpu_tree_s": sum(cpu.values())}
    return [{**result, **extra} for result in json.loads(out.strip().splitlines()[-1])]


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    return f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {model}, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 100, 1000])
    parser.add_argument("--cases", nargs="+", default=list(CASES))
    parser.add_argument("--case")
    parser.add_argument("--n", type=int)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.n)))
        return
    import weasyprint

    print(f"# {time.strftime('%Y-%m-%d %H:%M')} · {machine()} · WeasyPrint {weasyprint.__version__} · "
          f"load average {os.getloadavg()[0]:.2f}")
    print("| badges | case | median s | runs s | pages/s | CPU s (tree) | PDF KB "
          "| peak RSS self / children / tree MB |")
    print("|---:|---|---:|---|---:|---:|---:|---|")
    for n in args.sizes:
        for case in args.cases:
            runs = [measure(case, n) for _ in range(args.runs)]
            for label_results in zip(*runs, strict=True):
                seconds = [r["seconds"] for r in label_results]
                median = statistics.median(seconds)
                first = label_results[0]
                print(f"| {n} | {first['case']} | {median:.2f} | {' '.join(f'{s:.2f}' for s in seconds)} | "
                      f"{n / median:.0f} | {statistics.median(r['cpu_tree_s'] for r in label_results):.1f} | "
                      f"{first['bytes'] // 1024} | {max(r['rss_self_mb'] for r in label_results):.0f} / "
                      f"{max(r['rss_children_mb'] for r in label_results):.0f} / "
                      f"{max(r['rss_tree_mb'] for r in label_results):.0f} |", flush=True)


if __name__ == "__main__":
    main()
