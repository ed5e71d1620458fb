"""Password sign-in by e-mail address, with the lock-out applied to every route in.

The lock-out and the failure record live here, not in the sign-in view, so that any
form that calls `authenticate()` (ours, the admin site's) is throttled the same way.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from incidentdesk.accounts import selectors, services
from incidentdesk.accounts.models import SignInFailureReason
from incidentdesk.organisations.models import Person


class EmailBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        email: str | None = None,
        **kwargs: Any,
    ) -> Person | None:
        typed = email if email is not None else username
        if not typed or password is None:
            return None
        address = selectors.normalise_email(typed)
        if selectors.sign_in_is_locked(address):
            # Recorded, but the password is not checked: a locked address learns nothing.
            services.record_sign_in_failure(
                email=address,
                reason=SignInFailureReason.LOCKED,
                person=selectors.person_by_email(address),
            )
            return None
        person = selectors.person_by_email(address)
        if person is None:
            # Hash the password anyway so an unknown address takes about as long to
            # refuse as a wrong password: the timing must not say who has an account.
            Person().set_password(password)
            services.record_sign_in_failure(email=address, reason=SignInFailureReason.UNKNOWN_EMAIL)
            return None
        if not person.check_password(password):
            services.record_sign_in_failure(
                email=address, reason=SignInFailureReason.WRONG_PASSWORD, person=person
            )
            return None
        if not self.user_can_authenticate(person):
            services.record_sign_in_failure(
                email=address, reason=SignInFailureReason.INACTIVE, person=person
            )
            return None
        return person

    def get_user(self, user_id: int) -> Person | None:
        # Every signed-in request: one fixed SELECT (see selectors.signed_in_person).
        person = selectors.signed_in_person(user_id)
        return person if person is not None and self.user_can_authenticate(person) else None
