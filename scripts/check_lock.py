"""Check that a lock file pins every package pyproject.toml pins, at the same version.

    python scripts/check_lock.py requirements.lock
    python scripts/check_lock.py requirements-test.lock --extra test

`make install` runs it before `pip install --require-hashes`, so a dependency added to
pyproject.toml without `make lock` stops the install with a message saying so, rather
than leaving the package out (pip then installs the project with `--no-deps`).
Standard library only: it runs before anything is installed.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*==\s*([^\s;\\]+)")


def normalise(name: str) -> str:
    """PEP 503's spelling of a project name, so `Django` and `django` are one package."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pyproject_pins(pyproject: Path, extras: list[str]) -> dict[str, str]:
    project = tomllib.loads(pyproject.read_text())["project"]
    requirements = list(project.get("dependencies", []))
    for extra in extras:
        requirements += project.get("optional-dependencies", {}).get(extra, [])
    pins = {}
    for requirement in requirements:
        match = PIN.match(requirement)
        if not match:
            raise SystemExit(f"pyproject.toml: {requirement!r} is not pinned with ==")
        pins[normalise(match.group(1))] = match.group(3)
    return pins


def lock_pins(lock: Path) -> dict[str, str]:
    pins = {}
    for line in lock.read_text().splitlines():
        match = PIN.match(line)
        if match:
            pins[normalise(match.group(1))] = match.group(3)
    return pins


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lock", type=Path)
    parser.add_argument("--extra", action="append", default=[])
    args = parser.parse_args()
    wanted = pyproject_pins(ROOT / "pyproject.toml", args.extra)
    locked = lock_pins(args.lock)
    problems = [
        f"  {name}=={version} (the lock has {locked[name] if name in locked else 'nothing'})"
        for name, version in sorted(wanted.items())
        if locked.get(name) != version
    ]
    if problems:
        print(
            f"{args.lock} does not match pyproject.toml:\n"
            + "\n".join(problems)
            + "\nRun `make lock` and commit the lock files.",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
