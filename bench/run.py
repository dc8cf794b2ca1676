"""`make bench`: a local authority of the demo in PostgreSQL, served by gunicorn on loopback and
driven at 8 concurrent requests by signed-in users, page by page, the floor page (the duty
catalogue) first; then the daily sweep over every pupil, twice; then the import of a Common
Transfer File of 2,000 pupils (bench/ctf_import.py); then the subject access export of a pupil
with five years of records (bench/subject_access.py). Every key page is held to the floor
measured in the same run (bench/results.py holds the targets). Writes this size's results into
bench/results.json beside the other size's last ones, bench/results.md with both, and the same
tables into README.md's bench results block.

Sizes (SCALE, `make bench SCALE=large`):
  standard   100 schools of 600 pupils (60,000) in sentrack_bench, recorded in bench/data/built.json
  large      400 schools of 625 pupils (250,000) in sentrack_bench_large, recorded in
             bench/data/built-large.json; its targets add the demo's build (under 15 minutes) and
             allow the sweeps more time (under 60 s, and 15 s the second time)

Settings (environment variables):
  SCALE                standard (the default) or large
  BENCH_DATABASE_URL   the PostgreSQL database (the size's, on postgresql://postgres@127.0.0.1:5432);
                       created if missing, migrated, and filled with the demo unless its marker
                       says it already holds the demo at this size
  BENCH_SCHOOLS, BENCH_PUPILS_PER_SCHOOL   the size of the authority (the size's: 100 and 600,
                       or 400 and 625)
  BENCH_REBUILD=1      build the demo again even if the database holds it
  BENCH_WORKERS        gunicorn workers (4)
  BENCH_PORT           the loopback port to serve on (8765)
  BENCH_CONCURRENCY    requests in flight at once (8)
  BENCH_REQUESTS       timed requests per page (200), after BENCH_WARMUP (24) untimed ones
  KEEP_PAGES=0         the app's setting, passed on to gunicorn: every view writes its page again
                       (by default the busiest pages are kept until their records change)

Nothing here prints or stores a pupil's details: pupils are chosen by public id and records by
id, and the search text is posted, never put in a URL or the results.
"""

from __future__ import annotations

import json
import os
import platform
import re
import signal
import subprocess
import sys
import time
import urllib.parse
from datetime import date
from pathlib import Path

import psycopg

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"
BIN = Path(sys.executable).parent
sys.path.insert(0, str(HERE))

from load import BenchError, Client, drive  # noqa: E402
from results import SCALES, Scale, all_markdown, markdown, merged, readme_with, verdicts, with_ratios  # noqa: E402

PASSWORD = "sentrack-demo"  # the demo's password (sentrack.demo.DEMO_PASSWORD)
SEED = 2026


def setting(name: str, default: str) -> str:
    return os.environ.get(name) or default


def log(message: str) -> None:
    print(message, flush=True)


def plain_url(url: str) -> str:
    """The URL as psycopg takes it (no SQLAlchemy driver name)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def ensure_database(url: str) -> None:
    parts = urllib.parse.urlsplit(plain_url(url))
    name = parts.path.lstrip("/")
    server = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            log(f"Creating the database {name}")
            connection.execute(f'CREATE DATABASE "{name}"')


def app_env(url: str, today: date | None = None) -> dict[str, str]:
    env = dict(os.environ, SENTRACK_CONFIG="bench", DATABASE_URL=url, PYTHONUNBUFFERED="1")
    env.pop("SENTRACK_TODAY", None)
    if today is not None:
        env["SENTRACK_TODAY"] = today.isoformat()
    return env


def flask(url: str, *args: str, today: date | None = None) -> None:
    subprocess.run([str(BIN / "flask"), "--app", "sentrack", *args], cwd=ROOT, env=app_env(url, today), check=True)


def held(url: str) -> tuple[int, int]:
    """How many schools and pupils the database holds."""
    with psycopg.connect(plain_url(url)) as connection:
        schools = connection.execute("SELECT count(*) FROM school").fetchone()[0]
        pupils = connection.execute("SELECT count(*) FROM pupil").fetchone()[0]
    return schools, pupils


def holds_the_demo(recorded: dict, url: str, schools: int, per_school: int) -> bool:
    """Whether the marker says this database was built at this size, and the database still has
    that many schools and at least that many pupils (the demo's transfers bring in a few more)."""
    if recorded.get("database") != plain_url(url):
        return False
    if recorded.get("schools") != schools or recorded.get("pupils") != schools * per_school:
        return False
    held_schools, held_pupils = held(url)
    return held_schools == schools and held_pupils >= schools * per_school


def build_if_needed(url: str, scale: Scale, schools: int, per_school: int) -> dict:
    """The marker of the demo this run measures: the one built earlier when the database holds
    it, else one built now (with `built_this_run`)."""
    marker = DATA / scale.marker
    recorded = json.loads(marker.read_text()) if marker.exists() else {}
    if holds_the_demo(recorded, url, schools, per_school) and not os.environ.get("BENCH_REBUILD"):
        log(
            f"Reusing the demo built {recorded.get('built_at', 'on ' + recorded['today'])} in "
            f"{recorded.get('build_seconds')} s ({schools * per_school:,} pupils); BENCH_REBUILD=1 builds it again"
        )
        return dict(recorded, built_this_run=False)
    today = date.today()
    log(f"Building the demo: {schools} schools of {per_school} pupils, dated {today.isoformat()}")
    started = time.perf_counter()
    flask(
        url,
        "demo",
        "--reset",
        "--seed",
        str(SEED),
        "--schools",
        str(schools),
        "--pupils-per-school",
        str(per_school),
        today=today,
    )
    seconds = round(time.perf_counter() - started, 1)
    log(f"Built in {seconds} s")
    with psycopg.connect(plain_url(url), autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
    recorded = {
        "database": plain_url(url),
        "scale": scale.name,
        "pupils": schools * per_school,
        "schools": schools,
        "pupils_per_school": per_school,
        "today": today.isoformat(),
        "built_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "build_seconds": seconds,
    }
    DATA.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps(recorded, indent=2) + "\n")
    return dict(recorded, built_this_run=True)


def analyze(url: str) -> None:
    """Gather the planner's statistics before measuring: a reused database may have been changed
    since it was built (a migration, an earlier run's sweeps), and a server with autovacuum off
    never gathers them itself, leaving the planner to guess."""
    log("Gathering the planner's statistics (ANALYZE)")
    with psycopg.connect(plain_url(url), autocommit=True) as connection:
        connection.execute("ANALYZE")


def subjects(url: str) -> dict:
    """What the pages are asked about, at the demo school: pupils on SEN support with an open
    cycle, the year group with most of them, a surname to search for, the pupil with the longest
    audit trail; and in its authority, the EHC requests and plans with the most to show."""
    with psycopg.connect(plain_url(url)) as connection:
        school_id, la_id = connection.execute(
            'SELECT u.school_id, s.local_authority_id FROM "user" u JOIN school s ON s.id = u.school_id '
            "WHERE u.email = %s",
            ("head@demo.test",),
        ).fetchone()
        cycles = connection.execute(
            """
            SELECT p.public_id, c.number, p.year_group
            FROM support_cycle c JOIN pupil p ON p.id = c.pupil_id
            WHERE p.school_id = %s AND c.state <> 'closed'
            ORDER BY c.id LIMIT 24
            """,
            (school_id,),
        ).fetchall()
        surname = connection.execute(
            "SELECT last_name FROM pupil WHERE school_id = %s "
            "GROUP BY last_name ORDER BY count(*) DESC, last_name LIMIT 1",
            (school_id,),
        ).fetchone()[0]
        year = connection.execute(
            """
            SELECT p.year_group FROM pupil p JOIN sen_status s ON s.pupil_id = p.id AND s.end_date IS NULL
            WHERE p.school_id = %s AND s.provision = 'K' GROUP BY p.year_group ORDER BY count(*) DESC LIMIT 1
            """,
            (school_id,),
        ).fetchone()[0]
        audited = connection.execute(
            """
            SELECT p.public_id FROM audit_event a JOIN pupil p ON p.id = a.pupil_id
            WHERE p.school_id = %s AND p.left_on IS NULL GROUP BY p.id ORDER BY count(*) DESC, p.id LIMIT 1
            """,
            (school_id,),
        ).fetchone()
        requests = connection.execute(
            """
            SELECT r.id FROM ehc_request r JOIN pupil p ON p.id = r.pupil_id JOIN school s ON s.id = p.school_id
            WHERE s.local_authority_id = %s
            ORDER BY (SELECT count(*) FROM ehc_advice a WHERE a.request_id = r.id)
                   + (SELECT count(*) FROM ehc_exception e WHERE e.request_id = r.id) DESC, r.id
            LIMIT 12
            """,
            (la_id,),
        ).fetchall()
        plans = connection.execute(
            """
            SELECT pl.id FROM ehc_plan pl
            WHERE pl.local_authority_id = %s AND pl.ceased_on IS NULL
            ORDER BY (SELECT count(*) FROM ehc_review v WHERE v.plan_id = pl.id) DESC, pl.id
            LIMIT 12
            """,
            (la_id,),
        ).fetchall()
    if not cycles:
        raise BenchError("the demo school has no open support cycles")
    if audited is None or not requests or not plans:
        raise BenchError("the demo authority has no audited pupil, EHC request or EHC plan to ask about")
    return {
        "cycles": [(public_id, number) for public_id, number, _ in cycles],
        "surname": surname,
        "year": year,
        "audited": audited[0],
        "ehc_requests": [row[0] for row in requests],
        "ehc_plans": [row[0] for row in plans],
    }


def start_server(url: str, today: date, port: int, workers: int) -> subprocess.Popen:
    command = [
        str(BIN / "gunicorn"),
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "sentrack:create_app()",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=app_env(url, today), start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise BenchError("gunicorn stopped while starting")
        try:
            if Client("127.0.0.1", port).request("GET", "/sign-in").status == 200:
                return server
        except OSError:
            time.sleep(0.3)
    raise BenchError("gunicorn did not answer within a minute")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def signed_in(port: int, email: str) -> Client:
    client = Client("127.0.0.1", port)
    client.sign_in(email, PASSWORD)
    return client


def settled(client: Client, path: str) -> str:
    """`path`, or where it permanently redirects to (such as a trailing slash)."""
    response = client.request("GET", path, keep_cookies=False)
    if response.status in (301, 308):
        location = urllib.parse.urlsplit(response.headers["location"])
        return location.path + (f"?{location.query}" if location.query else "")
    return path


# The dashboard's links to the lists behind its figures: "See the 41 pupils", "See the 3 concerns".
DRILL_DOWN = re.compile(r'href="(/dashboard/figures/[a-z_]+)">See the ([0-9,]+) (pupil|concern|intervention|task)s?')


def drill_downs(head: Client) -> dict[str, str]:
    """Of each kind of list the head's dashboard links to (pupils, concerns, interventions,
    tasks), the longest: {kind: path}."""
    response = head.request("GET", "/dashboard/", keep_cookies=False)
    if response.status != 200:
        raise BenchError(f"the head's dashboard answered {response.status}")
    longest: dict[str, tuple[int, str]] = {}
    for path, count, kind in DRILL_DOWN.findall(response.body):
        n = int(count.replace(",", ""))
        if n > longest.get(kind, (-1, ""))[0]:
            longest[kind] = (n, path)
    return {kind: path for kind, (_, path) in sorted(longest.items())}


def pages_to_measure(port: int, subject: dict) -> list[tuple[str, Client, list[str], bool]]:
    """(name, who, paths, key page): the floor first."""
    senco = signed_in(port, "senco@demo.test")
    head = signed_in(port, "head@demo.test")
    teacher = signed_in(port, "teacher@demo.test")
    officer = signed_in(port, "la@demo.test")
    admin = signed_in(port, "admin@demo.test")
    searcher = signed_in(port, "senco@demo.test")
    search_path = searcher.search_pupils(subject["surname"], {"provision": "K"})
    pupils = [f"/pupils/{public_id}" for public_id, _ in subject["cycles"]]
    cycles = [f"/pupils/{public_id}/cycles/{number}" for public_id, number in subject["cycles"]]
    lists = drill_downs(head)
    return [
        ("floor: duty catalogue", head, ["/duties"], False),
        ("pupil list, search and filter", searcher, [search_path], True),
        ("pupil list, filter", senco, [f"/pupils/?year={subject['year']}&provision=K"], True),
        ("pupil page", senco, pupils, True),
        ("cycle page", senco, cycles, True),
        ("teacher home", teacher, ["/"], True),
        ("SENCO home", senco, ["/"], True),
        ("head home", head, ["/"], True),
        ("provision map", senco, ["/provision-map"], True),
        ("dashboard (head)", head, ["/dashboard"], True),
        *((f"dashboard list of {kind}s (head)", head, [path], True) for kind, path in lists.items()),
        ("pupil's audit trail (head)", head, [f"/pupils/{subject['audited']}/audit"], True),
        ("notifications (SENCO)", senco, ["/notifications"], True),
        ("LA officer pupil list", officer, ["/pupils/"], True),
        ("LA officer dashboard", officer, ["/dashboard"], True),
        ("LA officer EHC caseload", officer, ["/ehc/"], True),
        ("LA officer EHC request", officer, [f"/ehc/requests/{n}" for n in subject["ehc_requests"]], True),
        ("LA officer EHC plan", officer, [f"/ehc/plans/{n}" for n in subject["ehc_plans"]], True),
        ("imports (admin)", admin, ["/imports"], True),
        ("census check (SENCO)", senco, ["/census"], True),
        ("SEN differences (SENCO)", senco, ["/imports/sen-differences"], True),
        ("subject access requests (SENCO)", senco, ["/subject-access"], True),
        ("records due for destruction (SENCO)", senco, ["/retention"], True),
    ]


def measure(port: int, subject: dict, *, requests: int, concurrency: int, warmup: int) -> list[dict]:
    results = []
    for name, client, paths, key in pages_to_measure(port, subject):
        log(f"  {name}")
        paths = [settled(client, path) for path in paths]
        result = drive(client, name, paths, requests=requests, concurrency=concurrency, warmup=warmup).summary()
        result["key"] = key
        log(f"    median {result.get('median_ms')} ms, answers {result['statuses']}, SQL {result.get('sql_min')}")
        if len(paths) == 1:
            result["path"] = paths[0]  # a list or page of the school's, named by no pupil's details
        results.append(result)
    return with_ratios(results)


def job(script: str, url: str, today: date) -> dict:
    """Run one of the bench's jobs (`script` in bench/) with the bench configuration; the JSON
    line it prints last."""
    output = subprocess.run(
        [sys.executable, str(HERE / script)],
        cwd=ROOT,
        env=app_env(url, today),
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def sweeps(url: str, today: date) -> dict:
    return job("sweep.py", url, today)


def ctf_import(url: str, today: date) -> dict:
    return job("ctf_import.py", url, today)


def subject_access(url: str, today: date) -> dict:
    return job("subject_access.py", url, today)


def machine(url: str) -> dict:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    with psycopg.connect(plain_url(url)) as connection:
        server = connection.execute("SHOW server_version").fetchone()[0]
    return {"nproc": os.cpu_count(), "cpu": model, "python": platform.python_version(), "postgresql": server}


def chosen_scale() -> Scale:
    name = setting("SCALE", "standard")
    if name not in SCALES:
        raise BenchError(f"SCALE must be one of {', '.join(SCALES)}, not {name!r}")
    return SCALES[name]


def write_results(scale: Scale, results: dict) -> str:
    """This run's results into bench/results.json beside the other size's, both into
    bench/results.md and README.md's block; this run's table, to print."""
    path = HERE / "results.json"
    every = merged(json.loads(path.read_text()) if path.exists() else {}, scale.name, results)
    path.write_text(json.dumps(every, indent=2) + "\n")
    (HERE / "results.md").write_text("# Benchmark results\n\n" + all_markdown(every, level=2))
    readme = ROOT / "README.md"
    try:
        readme.write_text(readme_with(readme.read_text(), all_markdown(every, level=3)))
    except ValueError as error:
        log(f"README.md not updated: {error}")
    return markdown(results, scale)


def main() -> int:
    scale = chosen_scale()
    url = setting("BENCH_DATABASE_URL", scale.database)
    schools = int(setting("BENCH_SCHOOLS", str(scale.schools)))
    per_school = int(setting("BENCH_PUPILS_PER_SCHOOL", str(scale.pupils_per_school)))
    workers = int(setting("BENCH_WORKERS", "4"))
    port = int(setting("BENCH_PORT", "8765"))
    concurrency = int(setting("BENCH_CONCURRENCY", "8"))
    requests = int(setting("BENCH_REQUESTS", "200"))
    warmup = int(setting("BENCH_WARMUP", "24"))

    log(f"The {scale.name} size: {schools} schools of {per_school} pupils in {plain_url(url)}")
    ensure_database(url)
    flask(url, "db", "upgrade")
    built = build_if_needed(url, scale, schools, per_school)
    today = date.fromisoformat(built["today"])
    analyze(url)
    subject = subjects(url)

    log(f"Serving with gunicorn ({workers} workers) on 127.0.0.1:{port}; {concurrency} concurrent requests")
    server = start_server(url, today, port, workers)
    try:
        pages = measure(port, subject, requests=requests, concurrency=concurrency, warmup=warmup)
    finally:
        stop_server(server)

    log("Sweeping")
    sweep = sweeps(url, today)
    log("Importing a CTF of 2,000 pupils")
    imported = ctf_import(url, today)
    log("Exporting a pupil's records for a subject access request")
    exported = subject_access(url, today)
    results = {
        "scale": scale.name,
        "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": machine(url),
        "run": {
            "schools": schools,
            "pupils": schools * per_school,
            "workers": workers,
            "concurrency": concurrency,
            "requests": requests,
            "warmup": warmup,
            "demo_date": built["today"],
            "demo_build_seconds": built.get("build_seconds"),
            "demo_built_at": built.get("built_at"),
            "demo_built_this_run": built["built_this_run"],
        },
        "pages": pages,
        "sweep": sweep,
        "ctf_import": imported,
        "subject_access": exported,
    }
    results["missed"] = verdicts(scale, pages, sweep, imported, exported, built)
    table = write_results(scale, results)
    log("")
    log(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
