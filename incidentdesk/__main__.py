"""The `incidentdesk` command: Django's manage.py for an installed Incident Desk."""

import os
import sys


def _command_name(argv: list[str]) -> list[str]:
    """Accept `verify-audit` for `verify_audit`: Django's command names use underscores."""
    argv = list(argv)
    position = 2 if len(argv) > 2 and argv[1] == "help" else 1
    if len(argv) > position and not argv[position].startswith("-"):
        argv[position] = argv[position].replace("-", "_")
    return argv


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "incidentdesk.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(_command_name(sys.argv))
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"Incident Desk is not configured correctly: {exc}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
