"""Sign-in pages: password, code from the authenticator app, setting up the app, sign-out,
and password reset by e-mail. Views parse, call selectors and services, and render."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from incidentdesk.accounts import selectors, services, session
from incidentdesk.accounts.forms import CodeForm, NewPasswordForm, ResetRequestForm, SignInForm
from incidentdesk.accounts.models import SignInFailureReason
from incidentdesk.organisations.models import Person

WRONG_DETAILS_MESSAGE = "Enter the e-mail address and password you were given"
WRONG_CODE_MESSAGE = (
    "That code did not work. Enter the code your authenticator app shows now "
    "(each code works only once)"
)
ENROL_WRONG_CODE_MESSAGE = (
    "That code did not work. Check the app shows Incident Desk, then enter the code it shows now"
)
_BASE32 = re.compile(r"[A-Z2-7]{16,64}")


def _locked_message(minutes: int) -> str:
    plural = "s" if minutes != 1 else ""
    return (
        "You have entered the wrong details too many times. "
        f"Try again in {minutes} minute{plural}, or reset your password"
    )


def _errors(form: Form, **extra: str) -> dict[str, str]:
    """The first message for each field, in the form's order, plus any the view adds.

    GOV.UK's pattern shows one message beside a field and the same words in the summary.
    """
    errors = {name: form.errors[name][0] for name in form.fields if name in form.errors}
    errors.update(extra)
    return errors


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    """`candidate` if it is a page on this site, else "" (never send people elsewhere)."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def _go_on(request: HttpRequest, next_url: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(
        _safe_next(request, next_url) or resolve_url(settings.LOGIN_REDIRECT_URL)
    )


def _locked_out(request: HttpRequest, person: Person) -> HttpResponseRedirect:
    """End a half-finished sign-in whose address is locked, and say so on the sign-in page."""
    request.session.flush()
    session.set_notice(request, "locked", email=person.email)
    return redirect("accounts:sign_in")


def _second_step(person: Person) -> HttpResponseRedirect:
    if selectors.confirmed_two_factor_device(person) is None:
        return redirect("accounts:enrol")
    return redirect("accounts:second_factor")


@never_cache
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if request.user.is_authenticated:
        return _go_on(request, next_url)

    form = SignInForm(request.POST if request.method == "POST" else None)
    extra_errors: dict[str, str] = {}
    notice: dict[str, Any] | None = None
    locked_minutes = 0
    if request.method == "GET":
        notice = session.pop_notice(request)
        if notice and notice.get("kind") == "locked":
            email = str(notice.get("email", ""))
            form = SignInForm(initial={"email": email})
            locked_minutes = selectors.sign_in_locked_minutes(email)
            if locked_minutes:
                extra_errors["email"] = _locked_message(locked_minutes)
            notice = None
    elif form.is_valid():
        email = form.cleaned_data["email"]
        # The backend records any failure, and refuses a locked address unchecked.
        person = authenticate(request, email=email, password=form.cleaned_data["password"])
        if person is not None:
            if selectors.second_factor_asked_at_sign_in(person):
                session.begin_second_factor(request, person=person, next_url=next_url)
                return _second_step(person)
            # A new session for the signed-in person: nothing from before carries over.
            request.session.flush()
            session.finish_sign_in(request, person=person, second_factor=False)
            return _go_on(request, next_url)
        locked_minutes = selectors.sign_in_locked_minutes(email)
        extra_errors["email"] = (
            _locked_message(locked_minutes) if locked_minutes else WRONG_DETAILS_MESSAGE
        )

    errors = _errors(form, **extra_errors)
    return render(
        request,
        "accounts/sign_in.html",
        {
            "form": form,
            "errors": errors,
            "next": next_url,
            "notice": notice,
            "locked_minutes": locked_minutes,
        },
    )


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def second_factor(request: HttpRequest) -> HttpResponse:
    person = session.pending_person(request)
    if person is None:
        return redirect("accounts:sign_in")
    if selectors.confirmed_two_factor_device(person) is None:
        return redirect("accounts:enrol")

    form = CodeForm(request.POST if request.method == "POST" else None)
    extra_errors: dict[str, str] = {}
    if request.method == "POST" and form.is_valid():
        if selectors.sign_in_is_locked(person.email):
            services.record_sign_in_failure(
                email=person.email, reason=SignInFailureReason.LOCKED, person=person
            )
            return _locked_out(request, person)
        if services.check_second_factor(person=person, code=form.cleaned_data["code"]):
            next_url = session.finish_sign_in(request, person=person, second_factor=True)
            return _go_on(request, next_url)
        if selectors.sign_in_is_locked(person.email):
            return _locked_out(request, person)
        extra_errors["code"] = WRONG_CODE_MESSAGE

    return render(
        request,
        "accounts/second_factor.html",
        {"form": form, "errors": _errors(form, **extra_errors)},
    )


def _enrolment_secret(request: HttpRequest) -> str:
    """The secret being set up in this session; the same on every reload of the page.

    Kept in the session, not the database, until confirmed: a secret shown to one
    session (perhaps someone else's, who had the password) is never used by another.
    """
    secret = request.session.get(session.ENROL_SECRET_KEY)
    if isinstance(secret, str) and _BASE32.fullmatch(secret):
        return secret
    secret = services.new_two_factor_secret()
    request.session[session.ENROL_SECRET_KEY] = secret
    return secret


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    pending = session.pending_person(request)
    if pending is not None:
        person: Person = pending
    elif request.user.is_authenticated:
        person = request.user
    else:
        return redirect_to_login(request.get_full_path(), reverse("accounts:sign_in"))

    if selectors.confirmed_two_factor_device(person) is not None:
        if pending is not None:
            return redirect("accounts:second_factor")
        # Replacing an app needs a fresh check of who is asking; until that exists,
        # an app once set up is changed by an administrator.
        return render(request, "accounts/enrol_done.html", {})

    secret = _enrolment_secret(request)
    form = CodeForm(request.POST if request.method == "POST" else None)
    extra_errors: dict[str, str] = {}
    if request.method == "POST" and form.is_valid():
        if pending is not None and selectors.sign_in_is_locked(person.email):
            return _locked_out(request, person)
        if services.enrol_two_factor(person=person, secret=secret, code=form.cleaned_data["code"]):
            request.session.pop(session.ENROL_SECRET_KEY, None)
            if pending is not None:
                next_url = session.finish_sign_in(request, person=person, second_factor=True)
                return _go_on(request, next_url)
            # Setting the app up proves the person has it: this session counts as checked.
            request.session[session.SECOND_FACTOR_KEY] = "verified"
            return redirect("accounts:enrol")
        extra_errors["code"] = ENROL_WRONG_CODE_MESSAGE

    return render(
        request,
        "accounts/enrol.html",
        {
            "form": form,
            "errors": _errors(form, **extra_errors),
            "qr_svg": selectors.two_factor_qr_svg(person=person, secret=secret),
            "secret_for_typing": selectors.secret_for_typing(secret),
            "setup_uri": selectors.two_factor_setup_uri(person=person, secret=secret),
            "required": selectors.person_needs_second_factor(person),
            "pending": pending is not None,
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def sign_out(request: HttpRequest) -> HttpResponse:
    # Signing out changes state, so only a POST (from a button) does it; a GET, from an
    # old link or a prefetching browser, shows the button.
    if request.method == "POST":
        logout(request)
        session.set_notice(request, "info", text="You have signed out.")
        return redirect("accounts:sign_in")
    return render(request, "accounts/sign_out.html", {})


@never_cache
@login_required
@require_http_methods(["POST"])
def stay_signed_in(request: HttpRequest) -> HttpResponse:
    """The "Stay signed in" button of the idle warning (static/incidentdesk/session-warning.js).

    Records activity now, whatever IdleTimeoutMiddleware's once-a-minute rule would do, so
    the warning's promise holds to the second. The middleware has already signed out an
    idle session before this runs: the server's limit stays the one that counts.
    """
    request.session[session.LAST_ACTIVITY_KEY] = session.now_seconds()
    return HttpResponse(status=204)


class _ErrorsInContext:
    """Adds `errors` (first message per field) for the GOV.UK error summary."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)  # type: ignore[misc]
        form = context.get("form")
        context["errors"] = _errors(form) if isinstance(form, Form) and form.is_bound else {}
        return context


class PasswordResetView(_ErrorsInContext, auth_views.PasswordResetView):
    """Sends the reset link. The next page is the same whether or not the address has an
    account, and nothing is sent to an address without one."""

    form_class = ResetRequestForm
    template_name = "accounts/password_reset.html"
    subject_template_name = "accounts/email/password-reset-subject.txt"
    email_template_name = "accounts/email/password-reset-body-text.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    @property
    def extra_email_context(self) -> dict[str, str]:  # type: ignore[override]
        # Links are built from SITE_URL, never from the request's Host header.
        return {
            "site_url": settings.SITE_URL,
            "link_lasts": session.duration_words(settings.PASSWORD_RESET_TIMEOUT),
        }


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


@method_decorator(csrf_protect, name="dispatch")
class PasswordResetConfirmView(_ErrorsInContext, auth_views.PasswordResetConfirmView):
    form_class = NewPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form: NewPasswordForm) -> HttpResponse:
        with transaction.atomic():
            response = super().form_valid(form)
            services.password_reset_completed(person=form.user)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"
