from django.core.management.base import BaseCommand, CommandParser

from incidentdesk.organisations.demo import DEFAULT_DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Creates the demonstration organisations and invented people (safe to run again)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password",
            default=DEFAULT_DEMO_PASSWORD,
            help="The password of every demo person (default: %(default)s).",
        )
        parser.add_argument("--quiet", action="store_true", help="Print nothing.")
        parser.add_argument(
            "--no-incidents",
            action="store_true",
            help="Leave out the year of invented incidents (people and policies only).",
        )

    def handle(self, *args, password: str, quiet: bool, no_incidents: bool, **options) -> None:
        sign_ins = load_demo(password=password, incidents=not no_incidents)
        if quiet:
            return
        self.stdout.write(f"Demo sign-ins (every password: {password})\n")
        width = max(len(t) for _, t, _ in sign_ins)
        current = None
        for organisation, title, email in sign_ins:
            if organisation != current:
                self.stdout.write(f"\n  {organisation}")
                current = organisation
            self.stdout.write(f"    {title.ljust(width)}  {email}")
        self.stdout.write("")
