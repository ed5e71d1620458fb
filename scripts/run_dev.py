"""Starts the web server and the worker together; Ctrl-C stops both cleanly."""

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default="8000")
    args = parser.parse_args()
    # No --access-logfile: gunicorn writes no access log unless asked, and an access log
    # would tie the anonymous reporting pages (/anonymous/...) to addresses and browsers.
    # Should one be switched on, AnonymousRouteMiddleware leaves the default format's
    # address, referrer and user agent empty ("-") on those pages; a custom
    # --access-logformat with %({header}i)s atoms would bypass that.
    web = subprocess.Popen(  # noqa: S603 - fixed arguments
        [
            str(BIN / "gunicorn"),
            "incidentdesk.wsgi",
            "--bind",
            f"{args.host}:{args.port}",
            "--workers",
            "2",
            "--graceful-timeout",
            "5",
        ],
        env=os.environ,
    )
    worker = subprocess.Popen([str(BIN / "incidentdesk"), "worker"], env=os.environ)  # noqa: S603
    print(f"\nIncident Desk is running on http://{args.host}:{args.port}/  (Ctrl-C to stop)\n")
    processes = [web, worker]

    def stop(*_: object) -> None:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    try:
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    stop()
    deadline = time.monotonic() + 10
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
    print("Incident Desk has stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
