"""`make bench`: the demo local authority (100 schools of 600 pupils) in PostgreSQL, served by
gunicorn on loopback and driven at 8 concurrent requests by signed-in users; then the daily sweep
over every pupil, twice; then the import of a Common Transfer File of 2,000 pupils
(bench/ctf_import.py); then the subject access export of a pupil with five years of records
(bench/subject_access.py). Writes bench/results.json and bench/results.md.

Settings (environment variables):
  BENCH_DATABASE_URL   the PostgreSQL database (postgresql://postgres@127.0.0.1:5432/sentrack_bench);
                       created if missing, migrated, and filled with the demo unless it already
                       holds the demo at this size
  BENCH_SCHOOLS, BENCH_PUPILS_PER_SCHOOL   the size of the authority (100, 600)
  BENCH_REBUILD=1      build the demo again even if the database holds it
  BENCH_WORKERS        gunicorn workers (4)
  BENCH_PORT           the loopback port to serve on (8765)
  BENCH_CONCURRENCY    requests in flight at once (8)
  BENCH_REQUESTS       timed requests per page (200), after BENCH_WARMUP (24) untimed ones

Nothing here prints or stores a pupil's details: pupils are chosen by id, and the search text
is posted, never put in a URL or the results.
"""

from __future__ import annotations

import json
import os
import platform
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

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/sentrack_bench"
PASSWORD = "sentrack-demo"  # the demo's password (sentrack.demo.DEMO_PASSWORD)
SEED = 2026

# Targets: every key page's p95 and its median against the floor's; the sweeps.
P95_TARGET_MS = 150
FLOOR_RATIO_TARGET = 4
SWEEP_TARGET_S = 30
SECOND_SWEEP_TARGET_S = 10
CTF_IMPORT_TARGET_S = 20  # a CTF of 2,000 pupils previewed and confirmed
SUBJECT_ACCESS_TARGET_S = 10  # the export of everything held about a pupil with five years of records


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


def pupil_count(url: str) -> int:
    with psycopg.connect(plain_url(url)) as connection:
        return connection.execute("SELECT count(*) FROM pupil").fetchone()[0]


def build_if_needed(url: str, schools: int, per_school: int) -> dict:
    marker = DATA / "built.json"
    expected = schools * per_school
    pupils = pupil_count(url)
    recorded = json.loads(marker.read_text()) if marker.exists() else {}
    same = recorded.get("database") == plain_url(url) and recorded.get("pupils") == expected == pupils
    if same and not os.environ.get("BENCH_REBUILD"):
        log(f"Reusing the demo built on {recorded['today']} ({pupils:,} pupils); BENCH_REBUILD=1 builds it again")
        return recorded
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
        "pupils": expected,
        "schools": schools,
        "today": today.isoformat(),
        "build_seconds": seconds,
    }
    DATA.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps(recorded, indent=2) + "\n")
    return recorded


def subjects(url: str) -> dict:
    """What the pages are asked about, at the demo school: pupils on SEN support with an open
    cycle, the year group with most of them, and a surname to search for."""
    with psycopg.connect(plain_url(url)) as connection:
        school_id = connection.execute('SELECT school_id FROM "user" WHERE email = %s', ("head@demo.test",)).fetchone()[
            0
        ]
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
    if not cycles:
        raise BenchError("the demo school has no open support cycles")
    return {"cycles": [(public_id, number) for public_id, number, _ in cycles], "surname": surname, "year": year}


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


def measure(port: int, subject: dict, *, requests: int, concurrency: int, warmup: int) -> list[dict]:
    senco = signed_in(port, "senco@demo.test")
    head = signed_in(port, "head@demo.test")
    teacher = signed_in(port, "teacher@demo.test")
    officer = signed_in(port, "la@demo.test")
    searcher = signed_in(port, "senco@demo.test")
    search_path = searcher.search_pupils(subject["surname"], {"provision": "K"})
    pupils = [f"/pupils/{public_id}" for public_id, _ in subject["cycles"]]
    cycles = [f"/pupils/{public_id}/cycles/{number}" for public_id, number in subject["cycles"]]
    pages = [
        # (name, who, paths, key page)
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
        ("LA officer pupil list", officer, ["/pupils/"], True),
        ("LA officer dashboard", officer, ["/dashboard"], True),
    ]
    results = []
    for name, client, paths, key in pages:
        log(f"  {name}")
        paths = [settled(client, path) for path in paths]
        result = drive(client, name, paths, requests=requests, concurrency=concurrency, warmup=warmup).summary()
        result["key"] = key
        results.append(result)
    floor = results[0]
    for result in results:
        if result.get("median_ms") and floor.get("median_ms"):
            result["floor_ratio"] = round(result["median_ms"] / floor["median_ms"], 2)
    return results


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


def machine() -> dict:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    with psycopg.connect(plain_url(setting("BENCH_DATABASE_URL", DEFAULT_URL))) as connection:
        server = connection.execute("SHOW server_version").fetchone()[0]
    return {"nproc": os.cpu_count(), "cpu": model, "python": platform.python_version(), "postgresql": server}


def verdicts(pages: list[dict], sweep: dict, imported: dict, exported: dict | None = None) -> list[str]:
    missed = []
    for page in pages:
        if not page["key"]:
            continue
        if not page["ok"]:
            missed.append(f"{page['page']}: not measured (statuses {page['statuses']})")
            continue
        if page["p95_ms"] >= P95_TARGET_MS:
            missed.append(f"{page['page']}: p95 {page['p95_ms']} ms, target under {P95_TARGET_MS} ms")
        if page.get("floor_ratio", 0) > FLOOR_RATIO_TARGET:
            missed.append(
                f"{page['page']}: median {page['floor_ratio']}x the floor's, target at most {FLOOR_RATIO_TARGET}x"
            )
    if sweep["first"]["seconds"] >= SWEEP_TARGET_S:
        missed.append(f"sweep: {sweep['first']['seconds']} s, target under {SWEEP_TARGET_S} s")
    if sweep["second"]["seconds"] >= SECOND_SWEEP_TARGET_S:
        missed.append(f"second sweep: {sweep['second']['seconds']} s, target under {SECOND_SWEEP_TARGET_S} s")
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
    return missed


def markdown(results: dict) -> str:
    m, run = results["machine"], results["run"]
    lines = [
        f"Measured {results['measured_at']} on {m['nproc']} cores ({m['cpu']}), PostgreSQL {m['postgresql']}, "
        f"Python {m['python']}: {run['pupils']:,} pupils in {run['schools']} schools, gunicorn with "
        f"{run['workers']} workers, {run['concurrency']} concurrent requests, {run['requests']} timed requests a page.",
        "",
        "| page | median ms | p95 ms | requests/s | SQL/request | median / floor |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for page in results["pages"]:
        if not page["ok"]:
            lines.append(f"| {page['page']} | not served: {page['statuses']} | | | | |")
            continue
        sql = page.get("sql_per_request", "")
        if page.get("sql_min") != page.get("sql_max"):
            sql = f"{page['sql_min']}–{page['sql_max']}"
        lines.append(
            f"| {page['page']} | {page['median_ms']} | {page['p95_ms']} | {page['requests_per_s']} | {sql} | "
            f"{page.get('floor_ratio', '')} |"
        )
    first, second = results["sweep"]["first"], results["sweep"]["second"]
    lines += [
        "",
        f"Daily sweep over {results['sweep']['pupils']:,} pupils ({results['sweep']['date']}): "
        f"{first['seconds']} s, {first['tasks_created']:,} tasks and {first['notifications_created']:,} notifications; "
        f"a second sweep straight after: {second['seconds']} s, {second['tasks_created']} tasks and "
        f"{second['notifications_created']} notifications.",
        "",
        f"Import of a CTF of {results['ctf_import']['pupils']:,} new pupils: preview "
        f"{results['ctf_import']['preview']['seconds']} s, confirm {results['ctf_import']['confirm']['seconds']} s "
        f"(together {results['ctf_import']['total_seconds']} s); the same file previewed again, every pupil "
        f"unchanged: {results['ctf_import']['again']['seconds']} s; the next September's file, every pupil a "
        f"year up (changed): preview {results['ctf_import']['year_up']['preview_seconds']} s, confirm "
        f"{results['ctf_import']['year_up']['confirm_seconds']} s.",
        *(
            [
                "",
                f"Subject access export of a pupil with {results['subject_access']['years']} years of records "
                f"({results['subject_access']['rows']:,} rows): {results['subject_access']['seconds']} s, "
                f"{results['subject_access']['bytes']:,} bytes zipped.",
            ]
            if results.get("subject_access")
            else []
        ),
        "",
        "Targets missed: " + ("; ".join(results["missed"]) if results["missed"] else "none") + ".",
    ]
    if run.get("demo_build_seconds"):
        lines += [
            "",
            f"The demo authority was built in {run['demo_build_seconds']} s "
            f"({run['demo_date']}, `flask demo --reset`).",
        ]
    return "\n".join(lines) + "\n"


def main() -> int:
    url = setting("BENCH_DATABASE_URL", DEFAULT_URL)
    schools = int(setting("BENCH_SCHOOLS", "100"))
    per_school = int(setting("BENCH_PUPILS_PER_SCHOOL", "600"))
    workers = int(setting("BENCH_WORKERS", "4"))
    port = int(setting("BENCH_PORT", "8765"))
    concurrency = int(setting("BENCH_CONCURRENCY", "8"))
    requests = int(setting("BENCH_REQUESTS", "200"))
    warmup = int(setting("BENCH_WARMUP", "24"))

    ensure_database(url)
    flask(url, "db", "upgrade")
    built = build_if_needed(url, schools, per_school)
    today = date.fromisoformat(built["today"])
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
        "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": machine(),
        "run": {
            "schools": schools,
            "pupils": schools * per_school,
            "workers": workers,
            "concurrency": concurrency,
            "requests": requests,
            "warmup": warmup,
            "demo_date": built["today"],
            "demo_build_seconds": built.get("build_seconds"),
        },
        "pages": pages,
        "sweep": sweep,
        "ctf_import": imported,
        "subject_access": exported,
    }
    results["missed"] = verdicts(pages, sweep, imported, exported)
    (HERE / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    table = markdown(results)
    (HERE / "results.md").write_text(table)
    log("")
    log(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
