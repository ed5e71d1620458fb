from django.core.management.base import BaseCommand, CommandParser

from incidentdesk.oversight.services import rebuild_statistics


class Command(BaseCommand):
    help = (
        "Recomputes the dashboard's statistics summary from the incidents: after bench data "
        "is loaded in bulk, or after a restore. Safe while the app is running."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--organisation", type=int, action="append", help="Only this organisation id."
        )

    def handle(self, *args, organisation: list[int] | None, **options) -> None:
        buckets = rebuild_statistics(organisation)
        self.stdout.write(f"Recomputed {buckets} organisation-months.")
