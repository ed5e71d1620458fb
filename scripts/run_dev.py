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
