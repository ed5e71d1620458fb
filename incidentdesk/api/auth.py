"""Token authentication for the API: `Authorization: Bearer <token>`.

The API is authenticated by the token alone. It does not read the session cookie, so a
browser that is signed in gets 401 from the API like any other caller without a token;
supporting session calls would also need CSRF checks and the second-factor rule, and
nothing needs them yet. Ninja marks its views CSRF-exempt, which is right for tokens:
a token is never sent by a browser on its own, unlike a cookie.

Every failure raises `AuthenticationError` with a message saying what to fix; nothing
in here can answer 500, whatever bytes arrive in the header.
"""

from __future__ import annotations

import re

from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from incidentdesk.organisations.models import Person

from .models import TOKEN_MAX_LENGTH, TOKEN_PREFIX
from .selectors import api_token_for
from .services import note_api_token_used

MISSING = "Send an API token: Authorization: Bearer <token>."
TOO_LONG = "The Authorization header is too long to hold an API token."
NOT_ASCII = "The Authorization header may contain only ASCII characters."
WRONG_SCHEME = "Use the Bearer scheme: Authorization: Bearer <token>."
NO_TOKEN = "Put the token after the word Bearer: Authorization: Bearer <token>."
SPACES = "Send one token after Bearer, with no spaces in it."
MALFORMED = (
    f"This is not an Incident Desk API token: tokens start with {TOKEN_PREFIX!r} and contain "
    "only letters, digits, '-' and '_'."
)
NOT_VALID = "This token is not valid. Ask for a new one."

# Room for "Bearer " and the longest token we accept, and a little slack.
HEADER_MAX_LENGTH = TOKEN_MAX_LENGTH + 20
TOKEN_PATTERN = re.compile(rf"{re.escape(TOKEN_PREFIX)}[A-Za-z0-9_-]+")


class BearerToken(HttpBearer):
    """Reads the Bearer token, and sets `request.auth` and `request.user` to its person.

    `request.api_token` is the token itself, for services that record which token acted.
    """

    openapi_bearerFormat = f"{TOKEN_PREFIX}…"
    openapi_description = (
        "An Incident Desk API token, made with `incidentdesk create-token EMAIL`: "
        "send `Authorization: Bearer <token>`."
    )

    def __call__(self, request: HttpRequest) -> Person:
        # Ninja's own parser splits on spaces and returns None for anything odd, which
        # becomes a bare "Unauthorized"; here each mistake gets its own explanation.
        value = request.headers.get(self.header, "")
        if not value.strip():
            raise AuthenticationError(message=MISSING)
        if len(value) > HEADER_MAX_LENGTH:
            raise AuthenticationError(message=TOO_LONG)
        if not value.isascii():
            raise AuthenticationError(message=NOT_ASCII)
        scheme, _, rest = value.strip().partition(" ")
        if scheme.lower() != self.openapi_scheme:
            raise AuthenticationError(message=WRONG_SCHEME)
        token = rest.strip()
        if not token:
            raise AuthenticationError(message=NO_TOKEN)
        if any(char.isspace() for char in token):
            raise AuthenticationError(message=SPACES)
        if len(token) > TOKEN_MAX_LENGTH or not TOKEN_PATTERN.fullmatch(token):
            raise AuthenticationError(message=MALFORMED)
        return self.authenticate(request, token)

    def authenticate(self, request: HttpRequest, token: str) -> Person:
        api_token = api_token_for(token)
        if api_token is None:
            raise AuthenticationError(message=NOT_VALID)
        note_api_token_used(token=api_token)
        person = api_token.person
        request.user = person
        request.api_token = api_token  # type: ignore[attr-defined]
        return person
