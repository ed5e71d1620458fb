"""`incidentdesk bench-data`: fills an empty database with invented incidents for the benchmarks."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from incidentdesk.oversight.bench_data import DEFAULT_PASSWORD, load_bench_data


class Command(BaseCommand):
    help = (
        "Fills an empty database (DATABASE_URL) with invented trusts, schools, people and "
        "incidents for the benchmarks in bench/, then prints the benchmark's sign-in and an "
        "API token. Refuses a database that holds incidents already."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--incidents", type=int, default=10_000)
        parser.add_argument("--organisations", type=int, default=20)
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help=f"Every bench person's password (default {DEFAULT_PASSWORD}).",
        )
        parser.add_argument("--seed", type=int, default=7, help="The same seed, the same data.")

    def handle(self, *args: Any, **options: Any) -> None:
        def say(text: str) -> None:
            self.stdout.write(text)
            self.stdout.flush()

        say(
            f"Loading {options['incidents']:,} incidents in {options['organisations']} "
            f"organisations into {connection.vendor} ({connection.settings_dict['NAME']})"
        )
        try:
            result = load_bench_data(
                incidents=options["incidents"],
                organisations=options["organisations"],
                password=options["password"],
                seed=options["seed"],
                progress=say,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        say("")
        say(
            f"Loaded {result.incidents:,} incidents, {result.audit_events:,} audit events, "
            f"{result.organisations} organisations in {result.seconds:.1f} s "
            f"({result.cpu_seconds:.1f} s of this process's CPU)"
        )
        for name, seconds in result.timings.items():
            say(f"  {name}: {seconds:.1f} s ({result.cpu.get(name, 0):.1f} s CPU)")
        say("")
        say("Sign in as the large trust's incident manager:")
        say(f"  e-mail:    {result.manager_email}")
        say(f"  password:  {result.password}")
        say(f"  API token: {result.token}")
