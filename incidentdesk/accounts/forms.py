"""Sign-in forms, with error messages in the words of ux.md (say what to do, no "invalid")."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.core.validators import MaxLengthValidator

from incidentdesk.accounts.services import normalise_code

# Long enough for any pass phrase, short enough that hashing it costs nothing unusual.
PASSWORD_MAX_LENGTH = 1024
EMAIL_FORMAT_MESSAGE = "Enter an e-mail address in the right format, like name@example.org"
EMAIL_TOO_LONG_MESSAGE = "Enter an e-mail address of 254 characters or fewer"
CODE_MESSAGE = "Enter the 6-digit code from your authenticator app"
CODE_FORMAT_MESSAGE = "Enter the code as 6 numbers, like 123456"


class _EmailField(forms.EmailField):
    def to_python(self, value: Any) -> str:
        value = super().to_python(value)
        # Say "too long" before "wrong format": for a long address it is the useful message.
        if self.max_length is not None and len(value) > self.max_length:
            raise forms.ValidationError(self.error_messages["max_length"], code="max_length")
        return value


def _email_field(*, autocomplete: str) -> forms.EmailField:
    return _EmailField(
        label="E-mail address",
        max_length=254,
        error_messages={
            "required": "Enter your e-mail address",
            "invalid": EMAIL_FORMAT_MESSAGE,
            "max_length": EMAIL_TOO_LONG_MESSAGE,
            "null_characters_not_allowed": EMAIL_FORMAT_MESSAGE,
        },
        widget=forms.EmailInput(
            attrs={"autocomplete": autocomplete, "spellcheck": "false", "autocapitalize": "none"}
        ),
    )


class SignInForm(forms.Form):
    email = _email_field(autocomplete="username")
    password = forms.CharField(
        label="Password",
        strip=False,
        max_length=PASSWORD_MAX_LENGTH,
        error_messages={
            "required": "Enter your password",
            "max_length": f"Enter a password of {PASSWORD_MAX_LENGTH} characters or fewer",
            "null_characters_not_allowed": "Enter your password without special characters",
        },
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=20,
        error_messages={
            "required": CODE_MESSAGE,
            "max_length": CODE_FORMAT_MESSAGE,
            "null_characters_not_allowed": CODE_FORMAT_MESSAGE,
        },
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "spellcheck": "false",
            }
        ),
    )

    def clean_code(self) -> str:
        code = normalise_code(self.cleaned_data["code"])
        if not (len(code) == 6 and code.isascii() and code.isdigit()):
            raise forms.ValidationError(CODE_FORMAT_MESSAGE)
        return code


class ResetRequestForm(PasswordResetForm):
    email = _email_field(autocomplete="email")


class NewPasswordForm(SetPasswordForm):
    error_messages = {"password_mismatch": "Enter the same new password twice"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        first, second = self.fields["new_password1"], self.fields["new_password2"]
        first.label = "New password"
        first.help_text = "Use at least 10 characters. A few unrelated words make a good one."
        first.error_messages["required"] = "Enter a new password"
        second.label = "Enter the new password again"
        second.help_text = ""
        second.error_messages["required"] = "Enter the new password again"
        for field in (first, second):
            field.validators.append(MaxLengthValidator(PASSWORD_MAX_LENGTH))
            field.error_messages["max_length"] = (
                f"Enter a password of {PASSWORD_MAX_LENGTH} characters or fewer"
            )

    def clean(self) -> dict[str, Any]:
        # Django puts what is wrong with the new password beside the second box;
        # people look for it beside the first, where they typed it.
        self.validate_passwords("new_password1", "new_password2")
        self.validate_password_for_user(self.user, "new_password1")
        return self.cleaned_data
