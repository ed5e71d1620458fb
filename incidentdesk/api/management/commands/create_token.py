"""`incidentdesk create-token EMAIL`: make an API token for a person and print it."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from incidentdesk.api.services import create_api_token
from incidentdesk.organisations.models import Person


class Command(BaseCommand):
    help = (
        "Makes an API token for the person with this e-mail address and prints it. Only the "
        "token goes to standard output, so it can be piped; it is shown this once only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="The e-mail address the person signs in with.")
        parser.add_argument(
            "--name", default="Command line", help="What the token is for (shown in the admin)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        email = options["email"].strip().lower()
        name = options["name"].strip()
        if not name:
            raise CommandError("Give the token a name: --name must not be empty.")
        try:
            person = Person.objects.get(email=email)
        except Person.DoesNotExist as exc:
            raise CommandError(f"Nobody has the e-mail address {email!r}.") from exc
        if not person.is_active:
            raise CommandError(f"{email} is deactivated: their tokens would not work.")
        token, raw = create_api_token(
            person=person, name=name, actor=None, actor_label="incidentdesk create-token"
        )
        self.stdout.write(raw)
        self.stderr.write(
            f"API token {token.name!r} ({token.token_prefix}…) for {person.email}. "
            "Keep it secret: it cannot be shown again."
        )
