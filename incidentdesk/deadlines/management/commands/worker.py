from django.core.management.base import BaseCommand, CommandParser

from incidentdesk.deadlines import jobs
from incidentdesk.deadlines.worker import run_forever


class Command(BaseCommand):
    help = "Runs the background worker: reminders, escalations and outgoing e-mail."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=2.0, help="Seconds between passes.")
        parser.add_argument("--passes", type=int, default=None, help="Stop after N passes.")
        parser.add_argument(
            "--deadline-batch",
            type=int,
            default=jobs.deadline_batch,
            help=f"Due deadlines handled per transaction (default {jobs.deadline_batch}).",
        )

    def handle(self, *args, interval: float, passes: int | None, **options) -> None:
        jobs.deadline_batch = max(1, options["deadline_batch"])
        run_forever(interval=interval, max_passes=passes)
