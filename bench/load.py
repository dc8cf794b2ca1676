"""The load generator: signed-in users requesting pages at a fixed concurrency, standard library
only (threads and http.client).

It runs in its own process, apart from the server it measures. Each page is requested by
`concurrency` threads at once until `requests` responses have come back; every response must be
a 200 carrying the X-SQL-Statements header that the bench configuration adds.
"""

from __future__ import annotations

import http.client
import re
import statistics
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


class BenchError(RuntimeError):
    pass


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: str
    cookies: dict[str, str]


class Client:
    """One signed-in browser: its cookies, sent with every request."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None, *, keep_cookies: bool = True
    ) -> Response:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        headers = {"User-Agent": "sentrack-bench"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            raw = connection.getresponse()
            text = raw.read().decode("utf-8", "replace")
            cookies = {}
            for name, value in raw.getheaders():
                if name.lower() == "set-cookie":
                    pair = value.split(";", 1)[0]
                    key, _, val = pair.partition("=")
                    cookies[key.strip()] = val.strip()
            response = Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, text, cookies)
        finally:
            connection.close()
        if keep_cookies:
            self.cookies.update(response.cookies)
        return response

    def csrf_token(self, path: str) -> str:
        response = self.request("GET", path)
        match = CSRF.search(response.body)
        if response.status != 200 or match is None:
            raise BenchError(f"no form on {path} (status {response.status})")
        return match.group(1) or match.group(2)

    def sign_in(self, email: str, password: str) -> None:
        token = self.csrf_token("/sign-in")
        response = self.request("POST", "/sign-in", {"csrf_token": token, "email": email, "password": password})
        if response.status != 302:
            raise BenchError(f"signing in as {email} failed (status {response.status})")

    def search_pupils(self, text: str, filters: dict[str, str]) -> str:
        """Post the pupil search (the text stays in the session, out of the URL) and return the
        list's address with the filters the form redirects to."""
        token = self.csrf_token("/pupils/")
        form = {"csrf_token": token, "q": text, "year": "", "group": "", "provision": "", "need": ""}
        form.update(filters)
        response = self.request("POST", "/pupils/", form)
        if response.status != 302:
            raise BenchError(f"the pupil search was refused (status {response.status})")
        location = urllib.parse.urlsplit(response.headers["location"])
        return location.path + (f"?{location.query}" if location.query else "")


@dataclass
class PageResult:
    name: str
    paths: list[str]
    latencies: list[float] = field(default_factory=list)  # seconds
    statements: list[int] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    wall: float = 0.0

    def summary(self) -> dict:
        ok = self.statuses.get(200, 0)
        lat = sorted(self.latencies)
        result = {
            "page": self.name,
            "requests": len(lat),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            # Every answer a 200 carrying X-SQL-Statements: a page without the count is not measured.
            "ok": ok == len(lat) == len(self.statements) and ok > 0,
        }
        if len(self.statements) != len(lat):
            result["without_sql_count"] = len(lat) - len(self.statements)
        if lat:
            result.update(
                median_ms=round(statistics.median(lat) * 1000, 1),
                p95_ms=round(lat[min(len(lat) - 1, int(round(0.95 * len(lat))) - 1)] * 1000, 1),
                max_ms=round(lat[-1] * 1000, 1),
                requests_per_s=round(len(lat) / self.wall, 1) if self.wall else None,
            )
        if self.statements:
            result.update(
                sql_per_request=statistics.median(self.statements),
                sql_min=min(self.statements),
                sql_max=max(self.statements),
            )
        return result


def drive(client: Client, name: str, paths: list[str], *, requests: int, concurrency: int, warmup: int) -> PageResult:
    """Request `paths` in turn from `concurrency` threads until `requests` responses are in; the
    first `warmup` responses are not counted."""
    result = PageResult(name, paths)
    lock = threading.Lock()
    issued = 0
    total = warmup + requests
    cookies = dict(client.cookies)
    span = [float("inf"), 0.0]  # from the first timed request sent to the last one answered

    def worker() -> None:
        nonlocal issued
        local = Client(client.host, client.port)
        local.cookies = dict(cookies)
        while True:
            with lock:
                if issued >= total:
                    return
                index = issued
                issued += 1
            path = paths[index % len(paths)]
            started = time.perf_counter()
            response = local.request("GET", path, keep_cookies=False)
            elapsed = time.perf_counter() - started
            if index < warmup:
                continue
            with lock:
                span[0] = min(span[0], started)
                span[1] = max(span[1], started + elapsed)
                result.latencies.append(elapsed)
                result.statuses[response.status] = result.statuses.get(response.status, 0) + 1
                count = response.headers.get("x-sql-statements")
                if count is not None:
                    result.statements.append(int(count))

    # The warm-up runs at the same concurrency, so the timed part starts with warm workers.
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if result.latencies:
        result.wall = span[1] - span[0]
    return result
