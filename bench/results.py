"""The bench's sizes, its targets and what it writes: the verdicts of one run, its table, the
results of both sizes kept side by side (bench/results.json), and the block of README.md that
shows them. Pure functions of the measurements: nothing here times or connects to anything.

The targets: every key page within 4 times the floor page's median and 5 times its 95th
percentile, both measured in the same run (a shared or busy machine slows every page alike, so
the ratios hold where milliseconds would not); the sweeps, the jobs and, at the large size, the
demo's build in seconds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MEDIAN_RATIO_TARGET = 4  # a key page's median at most this many times the floor's
P95_RATIO_TARGET = 5  # a key page's 95th percentile at most this many times the floor's
CTF_IMPORT_TARGET_S = 20  # a CTF of 2,000 pupils previewed and confirmed
SUBJECT_ACCESS_TARGET_S = 10  # the export of everything held about a pupil with five years of records

README_START = "<!-- bench results: written by bench/run.py from bench/results.json -->"
README_END = "<!-- end of bench results -->"


@dataclass(frozen=True)
class Scale:
    """One size of authority the bench builds, in a database and with a marker of its own."""

    name: str
    schools: int
    pupils_per_school: int
    database: str
    marker: str  # the file in bench/data/ recording the build
    sweep_target_s: float
    second_sweep_target_s: float
    build_target_s: float | None = None  # the demo's build, when the size has a target for it
    command: str = "make bench"


SERVER = "postgresql://postgres@127.0.0.1:5432"
SCALES = {
    "standard": Scale("standard", 100, 600, f"{SERVER}/sentrack_bench", "built.json", 30, 10),
    "large": Scale(
        "large",
        400,
        625,
        f"{SERVER}/sentrack_bench_large",
        "built-large.json",
        sweep_target_s=60,
        second_sweep_target_s=15,
        build_target_s=15 * 60,
        command="make bench SCALE=large",
    ),
}


def with_ratios(pages: list[dict]) -> list[dict]:
    """Each page with its median and 95th percentile as multiples of the floor's (the first page),
    measured in the same run."""
    floor = pages[0] if pages else {}
    for page in pages:
        if page.get("median_ms") and floor.get("median_ms"):
            page["floor_ratio"] = round(page["median_ms"] / floor["median_ms"], 2)
        if page.get("p95_ms") and floor.get("p95_ms"):
            page["p95_ratio"] = round(page["p95_ms"] / floor["p95_ms"], 2)
    return pages


def page_misses(page: dict, floor: dict) -> list[str]:
    """What a key page missed, with its milliseconds and its ratios to the floor's."""
    if not page["ok"]:
        statuses = ", ".join(f"{n} × {status}" for status, n in page["statuses"].items()) or "no answer"
        uncounted = f", {page['without_sql_count']} without X-SQL-Statements" if page.get("without_sql_count") else ""
        return [f"{page['page']}: not measured ({statuses}{uncounted}; each answer must be a 200 with its SQL count)"]
    missed = []
    if page["floor_ratio"] > MEDIAN_RATIO_TARGET:
        missed.append(
            f"{page['page']}: median {page['median_ms']} ms, {page['floor_ratio']}x the floor's "
            f"{floor['median_ms']} ms, target at most {MEDIAN_RATIO_TARGET}x"
        )
    if page["p95_ratio"] > P95_RATIO_TARGET:
        missed.append(
            f"{page['page']}: p95 {page['p95_ms']} ms, {page['p95_ratio']}x the floor's "
            f"{floor['p95_ms']} ms, target at most {P95_RATIO_TARGET}x"
        )
    return missed


def verdicts(
    scale: Scale, pages: list[dict], sweep: dict, imported: dict, exported: dict | None, built: dict
) -> list[str]:
    """Every target the run missed, in words; [] when it met them all. `pages` carry their ratios
    (`with_ratios`), the floor first."""
    floor = pages[0]
    if not floor["ok"]:
        return [f"{floor['page']}: not measured, so no page could be held to it (statuses {floor['statuses']})"]
    missed = [miss for page in pages if page["key"] for miss in page_misses(page, floor)]
    if sweep["first"]["seconds"] >= scale.sweep_target_s:
        missed.append(f"sweep: {sweep['first']['seconds']} s, target under {scale.sweep_target_s} s")
    if sweep["second"]["seconds"] >= scale.second_sweep_target_s:
        missed.append(f"second sweep: {sweep['second']['seconds']} s, target under {scale.second_sweep_target_s} s")
    if sweep["second"]["tasks_created"] or sweep["second"]["notifications_created"]:
        missed.append("second sweep created tasks or notifications")
    if imported["total_seconds"] >= CTF_IMPORT_TARGET_S:
        missed.append(
            f"CTF import of {imported['pupils']:,} pupils: {imported['total_seconds']} s, "
            f"target under {CTF_IMPORT_TARGET_S} s"
        )
    if imported["again"]["counts"]["unchanged"] != imported["pupils"]:
        missed.append("the CTF imported again was not all unchanged")
    if exported is not None and exported["seconds"] >= SUBJECT_ACCESS_TARGET_S:
        missed.append(
            f"subject access export of {exported['rows']:,} records: {exported['seconds']} s, "
            f"target under {SUBJECT_ACCESS_TARGET_S} s"
        )
    seconds = built.get("build_seconds")
    if scale.build_target_s is not None and seconds is not None and seconds >= scale.build_target_s:
        missed.append(f"demo build: {seconds} s, target under {scale.build_target_s:g} s")
    return missed


def merged(existing: dict, scale: str, results: dict) -> dict:
    """bench/results.json after a run at `scale`: its results beside the other sizes' last ones.
    A file from before the bench had sizes (one run at the top level) is the standard size's."""
    if "pages" in existing:
        existing = {"standard": existing}
    kept = {name: existing[name] for name in SCALES if name in existing and name != scale}
    kept[scale] = results
    return {name: kept[name] for name in SCALES if name in kept}


def _sql(page: dict) -> str:
    if page.get("sql_min") != page.get("sql_max"):
        return f"{page['sql_min']}–{page['sql_max']}"
    return str(page.get("sql_per_request", ""))


def _verdict(page: dict, floor: dict, missed: list[str]) -> str:
    """The page's verdict as the run recorded it (`missed`), so that the table and the list agree."""
    if page is floor:
        return "floor"
    if not page.get("key"):
        return ""
    return "missed" if any(miss.startswith(f"{page['page']}:") for miss in missed) else "met"


def _page_table(pages: list[dict], missed: list[str]) -> list[str]:
    lines = [
        "| page | median ms | p95 ms | median / floor | p95 / floor | requests/s | SQL/request | targets |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    pages = with_ratios([dict(page) for page in pages])  # results kept before the p95 ratio lack it
    floor = pages[0]
    for page in pages:
        if not page["ok"]:
            lines.append(f"| {page['page']} | not served: {page['statuses']} | | | | | | missed |")
            continue
        lines.append(
            f"| {page['page']} | {page['median_ms']} | {page['p95_ms']} | {page.get('floor_ratio', '')} | "
            f"{page.get('p95_ratio', '')} | {page['requests_per_s']} | {_sql(page)} | "
            f"{_verdict(page, floor, missed)} |"
        )
    return lines


def _build_line(run: dict, scale: Scale | None) -> list[str]:
    seconds = run.get("demo_build_seconds")
    if seconds is None:
        return []
    target = f" (target under {scale.build_target_s:g} s)" if scale and scale.build_target_s else ""
    if "demo_built_this_run" not in run:  # results kept before the bench said which
        return ["", f"The demo authority was built in {seconds} s{target}, dated {run['demo_date']}."]
    if run["demo_built_this_run"]:
        return ["", f"This run built the demo authority in {seconds} s{target}, dated {run['demo_date']}."]
    built_at = run.get("demo_built_at") or run["demo_date"]
    return [
        "",
        f"This run reused the demo authority built earlier ({built_at}, in {seconds} s{target}, dated "
        f"{run['demo_date']}); `BENCH_REBUILD=1` builds it again.",
    ]


def _jobs(results: dict) -> list[str]:
    first, second = results["sweep"]["first"], results["sweep"]["second"]
    lines = [
        "",
        f"Daily sweep over {results['sweep']['pupils']:,} pupils ({results['sweep']['date']}): "
        f"{first['seconds']} s, {first['tasks_created']:,} tasks and {first['notifications_created']:,} notifications; "
        f"a second sweep straight after: {second['seconds']} s, {second['tasks_created']} tasks and "
        f"{second['notifications_created']} notifications.",
    ]
    ctf = results.get("ctf_import")  # results kept before the bench imported a CTF have none
    if ctf:
        lines += [
            "",
            f"Import of a CTF of {ctf['pupils']:,} new pupils: preview {ctf['preview']['seconds']} s, confirm "
            f"{ctf['confirm']['seconds']} s (together {ctf['total_seconds']} s); the same file previewed again, "
            f"every pupil unchanged: {ctf['again']['seconds']} s; the next September's file, every pupil a year "
            f"up (changed): preview {ctf['year_up']['preview_seconds']} s, confirm "
            f"{ctf['year_up']['confirm_seconds']} s.",
        ]
    exported = results.get("subject_access")
    if exported:
        lines += [
            "",
            f"Subject access export of a pupil with {exported['years']} years of records "
            f"({exported['rows']:,} rows): {exported['seconds']} s, {exported['bytes']:,} bytes zipped.",
        ]
    return lines


def markdown(results: dict, scale: Scale | None = None) -> str:
    """One run's results: the conditions, the pages against the floor, the jobs, what was missed."""
    m, run = results["machine"], results["run"]
    lines = [
        f"Measured {results['measured_at']} on {m['nproc']} cores ({m['cpu']}), PostgreSQL {m['postgresql']}, "
        f"Python {m['python']}: {run['pupils']:,} pupils in {run['schools']} schools, gunicorn with "
        f"{run['workers']} workers, {run['concurrency']} concurrent requests, {run['requests']} timed requests a page."
        + (
            f" Targets: every key page's median within {MEDIAN_RATIO_TARGET}x the floor's and its p95 within "
            f"{P95_RATIO_TARGET}x the floor's, the floor measured in the same run."
            if "scale" in results  # results kept before the targets were ratios were judged by others
            else ""
        ),
        "",
        *_page_table(results["pages"], results["missed"]),
        *_jobs(results),
        "",
        "Targets missed: " + ("; ".join(results["missed"]) if results["missed"] else "none") + ".",
        *_build_line(run, scale),
    ]
    return "\n".join(lines) + "\n"


def _title(scale: Scale) -> str:
    return f"{scale.schools * scale.pupils_per_school:,} pupils in {scale.schools} schools (`{scale.command}`)"


def all_markdown(every: dict, level: int = 2) -> str:
    """Both sizes' last results, each under a heading of `level`; a size not yet measured says so."""
    parts = []
    for name, scale in SCALES.items():
        parts.append(f"{'#' * level} {_title(scale)}\n")
        if name in every:
            parts.append(markdown(every[name], scale))
        else:
            parts.append(f"Not measured yet: `{scale.command}` measures it.\n")
    return "\n".join(parts)


def readme_with(readme: str, block: str) -> str:
    """README.md with the text between its bench-results markers replaced by `block`. Raises
    ValueError when the markers are missing, so that nothing else of the README is touched."""
    pattern = re.compile(re.escape(README_START) + r".*?" + re.escape(README_END), re.DOTALL)
    if not pattern.search(readme):
        raise ValueError("README.md has no bench results block")
    return pattern.sub(lambda _: f"{README_START}\n\n{block.rstrip()}\n\n{README_END}", readme, count=1)
