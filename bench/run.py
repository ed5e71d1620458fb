"""Serves the app with gunicorn against a bench database and loads each page with wrk.

    .venv/bin/python bench/run.py --database-url sqlite:///$PWD/var/bench/bench.sqlite3

Fill the database first (`incidentdesk bench-data`, see README "Benchmarks"). The run:
collects the static files, starts gunicorn (2 workers, DEBUG off, WhiteNoise), signs in
as the large trust's incident manager by POSTing the sign-in form (two-factor sign-in
off: REQUIRE_TWO_FACTOR=false, which the settings allow only with DEMO_MODE=true, so the
pages carry the demo banner), then runs wrk on each scenario and writes bench/RESULTS.md.
Every response's status is checked inside wrk (a page that answered with a redirect to
the sign-in page would otherwise count as a success).
"""

from __future__ import annotations

import argparse
import datetime
import http.cookiejar
import json
import os
import platform
import re
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"

REGISTER_PATH = "/oversight/register/?kind=confirmed_breach&severity=major&state=closed"
# name → (description, paths). "{reference}" is replaced by incident references.
PAGES = {
    "floor": ("A bare Django view (no template, no query), anonymous", ["/bench/floor/"]),
    "register": ("The register, filtered (kind, severity, state)", [REGISTER_PATH]),
    "incident": ("An incident's page (50 incidents of the trust in turn)", ["{reference}"]),
    "queue": ("The incident manager's queue", ["/incidents/"]),
    "dashboard": ("The dashboard with every request its page makes", ["/oversight/dashboard/"]),
    "report": ("A report sent through the staff form (POST, new idempotency key)", ["/report/"]),
    "api": ("The API's incident list (bearer token)", ["/api/v1/incidents"]),
}
# The pages prepare.py counts the queries of, as the signed-in manager.
COUNTED = {
    "register": REGISTER_PATH,
    "incident": "/incidents/{reference}/",
    "queue": "/incidents/",
    "dashboard": "/oversight/dashboard/",
    "report form": "/report/",
    "home": "/",
}

# bench/RESULTS.md from this heading on is kept by each run.
KEPT_HEADING = "## Loading the data and the worker"

LUA = r"""
local paths = {PATHS}
local method = "{METHOD}"
local expected = {EXPECTED}
local headers = {HEADERS}
local form = "{FORM}"
-- Globals, not locals: done() reads each thread's count with thread:get.
counter = 0
unexpected = 0
local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("id", next_id)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 100 + id)
end

function request()
  counter = counter + 1
  local path = paths[(counter - 1) % #paths + 1]
  if method == "POST" then
    local key = string.format("bench-%d-%d-%09d", id, counter, math.random(0, 999999999))
    return wrk.format("POST", path, headers, form .. "&idempotency_key=" .. key)
  end
  return wrk.format("GET", path, headers)
end

function response(status, hdrs, body)
  if status ~= expected then
    unexpected = unexpected + 1
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do
    total = total + t:get("unexpected")
  end
  io.write(string.format("UNEXPECTED %d\n", total))
end
"""


@dataclass
class Result:
    name: str
    description: str
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    unexpected: int
    per_load: int  # requests in one full page load

    @property
    def loads_per_second(self) -> float:
        return self.rps / self.per_load


def lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid Lua string literal for ASCII


def lua_table(values: list[str]) -> str:
    return "{" + ", ".join(lua_string(v) for v in values) + "}"


def lua_headers(headers: dict[str, str]) -> str:
    return "{" + ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in headers.items()) + "}"


def server_env(args: argparse.Namespace, var_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DATABASE_URL": args.database_url,
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            # Plain HTTP on the loopback: no redirect to HTTPS, cookies without Secure.
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_COOKIES": "false",
            # Two-factor sign-in off for the benchmark; the settings allow that only in a
            # demonstration, so every page also shows the demo banner.
            "DEMO_MODE": "true",
            "REQUIRE_TWO_FACTOR": "false",
            "VAR_DIR": str(var_dir),
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


def run(cmd: list[str], env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, env=env, cwd=ROOT, check=True, text=True, **kwargs)  # noqa: S603


def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own server
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the server did not answer at {url}")


class Session:
    """A browser-like client: keeps cookies, reads CSRF tokens, does not follow redirects."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003
                return None

        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect
        )

    def request(
        self, path: str, data: dict[str, str] | None = None, headers: dict | None = None
    ) -> tuple[int, str, dict[str, str]]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, headers=headers or {})  # noqa: S310
        try:
            with self.opener.open(req, timeout=60) as resp:
                return resp.status, resp.read().decode("utf-8", "replace"), dict(resp.headers)
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode("utf-8", "replace"), dict(err.headers)

    def cookie(self, name: str) -> str:
        for cookie in self.jar:
            if cookie.name == name:
                return cookie.value
        raise SystemExit(f"no {name} cookie")

    def csrf_from(self, html: str) -> str:
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        if not match:
            raise SystemExit("no CSRF token in the page")
        return match.group(1)


def sign_in(base: str, email: str, password: str) -> Session:
    session = Session(base)
    status, html, _ = session.request("/accounts/sign-in/")
    token = session.csrf_from(html)
    status, html, headers = session.request(
        "/accounts/sign-in/",
        {"csrfmiddlewaretoken": token, "email": email, "password": password},
    )
    if status != 302 or "sessionid" not in {c.name for c in session.jar}:
        raise SystemExit(f"sign-in failed ({status}): check the e-mail and password")
    return session


def static_paths(html: str) -> list[str]:
    """Every file the page loads: stylesheets, scripts, icons, images."""
    found = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
    return list(dict.fromkeys(found))


def wrk(
    base: str,
    name: str,
    paths: list[str],
    *,
    args: argparse.Namespace,
    headers: dict[str, str],
    method: str = "GET",
    expected: int = 200,
    form: str = "",
) -> tuple[str, int]:
    script = (
        LUA.replace("{PATHS}", lua_table(paths))
        .replace("{METHOD}", method)
        .replace("{EXPECTED}", str(expected))
        .replace("{HEADERS}", lua_headers(headers))
        .replace("{FORM}", form)
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    cmd = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{args.duration}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        handle.name,
        base,
    ]
    print(f"  {name}: {' '.join(cmd)}", flush=True)
    done = subprocess.run(cmd, capture_output=True, text=True)  # noqa: S603
    os.unlink(handle.name)
    if done.returncode:
        raise SystemExit(f"wrk failed: {done.stderr or done.stdout}")
    out = done.stdout
    return out, len(paths)


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def parse(name: str, description: str, out: str, per_load: int) -> Result:
    requests, seconds = re.search(r"(\d+) requests in ([\d.]+)(s|m)", out).group(1, 2)  # type: ignore[union-attr]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = sum(int(n) for n in socket.groups()) if socket else 0
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors += int(non2xx.group(1)) if non2xx else 0
    unexpected = int(re.search(r"UNEXPECTED (\d+)", out).group(1))  # type: ignore[union-attr]
    return Result(
        name,
        description,
        int(requests),
        float(seconds),
        rps,
        p50,
        p99,
        errors,
        unexpected,
        per_load,
    )


def worker_rss(master_pid: int) -> list[float]:
    """The resident memory (MB) of each gunicorn worker: the master's children."""
    sizes = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master_pid:
            status = (stat.parent / "status").read_text()
            kb = int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))  # type: ignore[union-attr]
            sizes.append(kb / 1024)
    return sorted(sizes)


def machine() -> dict[str, str]:
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))  # type: ignore[union-attr]
    return {
        "cores": str(os.cpu_count()),
        "cpu": cpu,
        "memory": f"{mem_kb / 1024 / 1024:.1f} GB",
        "python": platform.python_version(),
        "wrk": subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0],  # noqa: S607
    }


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def write_results(
    args: argparse.Namespace,
    results: list[Result],
    info: dict,
    rss: list[float],
    load_before: str,
    load_after: str,
) -> None:
    floor = next((r for r in results if r.name == "floor"), None)
    host = machine()
    db = args.database_url.split("://", 1)[0]
    db_name = args.database_url.rsplit("/", 1)[-1]
    lines = [f"# Benchmark results{': ' + args.title if args.title else ''}", ""]
    if args.note:
        lines += [f"> {args.note}", ""]
    lines += [
        f"- Date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {host['cores']} cores ({host['cpu']}), {host['memory']} memory; "
        f"load average {load_before} before the runs, {load_after} after",
        f"- Software: Python {host['python']}, {host['wrk']}, gunicorn 2 sync workers, "
        "DEBUG off, WhiteNoise",
        f"- Database: {db} ({db_name}); {info['incidents']:,} incidents "
        f"({info['incidents_of_trust']:,} in the large trust the manager signs in to), "
        f"{info['audit_events']:,} audit events",
        f"- Load: wrk, {args.connections} connections, {args.threads} threads, "
        f"{args.duration} s per scenario",
        f"- Command: `.venv/bin/python {' '.join(shlex.quote(a) for a in sys.argv)}`",
        "",
        "| scenario | req/s | page loads/s | p50 ms | p99 ms | requests | errors / unexpected "
        "status | cost × floor |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        cost = f"{floor.rps / r.loads_per_second:.1f}" if floor and r.rps else "–"
        lines.append(
            f"| {r.name} | {r.rps:.1f} | {r.loads_per_second:.1f} | {r.p50_ms:.1f} | "
            f"{r.p99_ms:.1f} | {r.requests} | {r.errors} / {r.unexpected} | {cost} |"
        )
    lines += [
        "",
        "Scenarios:",
        "",
        *(
            f"- **{r.name}**: {r.description}"
            + (f" ({r.per_load} requests a page load)" if r.per_load > 1 else "")
            for r in results
        ),
        "",
        "*cost × floor* is the floor's requests per second divided by the scenario's page "
        "loads per second: how many bare requests one page load costs. *unexpected status*: "
        "responses other than 200 (302 for the report, which redirects to its confirmation), "
        "counted inside wrk; *errors* are wrk's socket errors and non-2xx/3xx responses.",
        "",
        f"Web workers' memory (RSS) after the runs: "
        f"{', '.join(f'{mb:.0f} MB' for mb in rss) or 'not measured'}.",
        "",
        "SQL queries of one request to each page (bench/prepare.py, Django's test client, "
        "same database, DEBUG on):",
        "",
        "| page | status | queries | ms (one request) | slowest query ms | slowest query |",
        "|---|---:|---:|---:|---:|---|",
        *(
            f"| {name} | {q['status']} | {q['queries']} | {q['ms']} | {q['slowest_ms']} | "
            f"`{q['slowest_sql'].replace('|', '/').replace('`', '')}…` |"
            for name, q in info["queries"].items()
        ),
        "",
    ]
    # Figures measured by hand (loading times, worker passes) stay below the new table.
    out = Path(args.out)
    kept = out.read_text().partition(KEPT_HEADING)[2] if out.exists() else ""
    if kept:
        lines += [KEPT_HEADING + kept.rstrip("\n"), ""]
    out.write_text("\n".join(lines))
    print(f"wrote {args.out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database-url",
        default=f"sqlite:///{ROOT / 'var' / 'bench' / 'bench.sqlite3'}",
        help="The bench database, filled by `incidentdesk bench-data`.",
    )
    parser.add_argument("--password", default="incident-desk-demo")
    parser.add_argument("--duration", type=int, default=20, help="seconds per scenario")
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--scenarios", default=",".join(PAGES), help="comma-separated")
    parser.add_argument("--out", default=str(ROOT / "bench" / "RESULTS.md"))
    parser.add_argument("--title", default="")
    parser.add_argument("--note", default="", help="a line printed at the top of the results")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: `make bench` installs it (apt-get install wrk)")

    var_dir = ROOT / "var" / "bench"
    var_dir.mkdir(parents=True, exist_ok=True)
    env = server_env(args, var_dir)
    print("collecting static files", flush=True)
    run([str(VENV_BIN / "incidentdesk"), "collectstatic", "--noinput", "-v0"], env)
    print("reading the bench database and counting queries", flush=True)
    prepare_env = {**env, "DEBUG": "true"}
    prepared = run(
        [str(VENV_BIN / "python"), "bench/prepare.py", json.dumps(COUNTED)],
        prepare_env,
        capture_output=True,
    )
    info = json.loads(prepared.stdout.strip().splitlines()[-1])
    base = f"http://127.0.0.1:{args.port}"
    server = subprocess.Popen(  # noqa: S603
        [
            str(VENV_BIN / "gunicorn"),
            "incidentdesk.wsgi:application",
            "--workers",
            str(args.workers),
            "--bind",
            f"127.0.0.1:{args.port}",
            "--timeout",
            "60",
        ],
        env=env,
        cwd=ROOT,
    )
    results: list[Result] = []
    rss: list[float] = []
    load_before = load_average()
    try:
        wait_for(base + "/bench/floor/")
        session = sign_in(base, info["email"], args.password)
        cookies = (
            f"sessionid={session.cookie('sessionid')}; csrftoken={session.cookie('csrftoken')}"
        )
        signed_in = {"Cookie": cookies}
        wanted = args.scenarios.split(",")
        for name in wanted:
            description, paths = PAGES[name]
            if name == "floor":
                out, n = wrk(base, name, paths, args=args, headers={})
            elif name == "incident":
                refs = [f"/incidents/{ref}/" for ref in info["references"]]
                out, n = wrk(base, name, refs, args=args, headers=signed_in)
                n = 1
            elif name == "dashboard":
                status, html, _ = session.request(paths[0])
                if status != 200:
                    raise SystemExit(f"the dashboard answered {status}")
                assets = static_paths(html)
                out, n = wrk(base, name, [paths[0], *assets], args=args, headers=signed_in)
            elif name == "report":
                status, html, _ = session.request("/report/")
                if status != 200:
                    raise SystemExit(f"the report form answered {status}")
                token = session.csrf_from(html)
                form = urllib.parse.urlencode(
                    {
                        "csrfmiddlewaretoken": token,
                        "what_happened": "A register with pupils' names was left in the hall "
                        "after assembly; it was picked up by a supply teacher.",
                        "mode": "named",
                        "reported_kind": "near_miss",
                        "source": "staff",
                        "location": "The hall",
                    }
                )
                headers = {
                    **signed_in,
                    "Content-Type": "application/x-www-form-urlencoded",
                }
                out, n = wrk(
                    base,
                    name,
                    paths,
                    args=args,
                    headers=headers,
                    method="POST",
                    expected=302,
                    form=form,
                )
            elif name == "api":
                headers = {"Authorization": f"Bearer {info['token']}"}
                out, n = wrk(base, name, paths, args=args, headers=headers)
            else:
                out, n = wrk(base, name, paths, args=args, headers=signed_in)
            result = parse(name, description, out, n)
            print(
                f"    {result.rps:.1f} req/s, p50 {result.p50_ms:.1f} ms, "
                f"p99 {result.p99_ms:.1f} ms, errors {result.errors}, "
                f"unexpected {result.unexpected}",
                flush=True,
            )
            results.append(result)
        rss = worker_rss(server.pid)
    finally:
        load_after = load_average()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    write_results(args, results, info, rss, load_before, load_after)


if __name__ == "__main__":
    main()
