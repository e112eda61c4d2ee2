"""Checking an application's input: one plain-language message per problem, per field.

Both the API (JSON) and the form (turned into the same dict) go through `parse_application`,
so the rules and the messages are the same everywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from scheduler.api import inputs
from scheduler.courses.models import Course
from scheduler.errors import FieldErrors
from scheduler.i18n import LANGUAGES

NAME_MAX = 120
EMAIL_MAX = 254
PHONE_MAX = 40
TEXT_MAX = 2000
PHONE_PATTERN = re.compile(r"^\+?[0-9 ()\-]+$")
APPLICATION_FIELDS = (
    "name",
    "email",
    "phone",
    "region",
    "language",
    "needs",
    "message",
    "consent",
    "on_behalf",
)


@dataclass(frozen=True)
class ApplicationInput:
    name: str
    email: str
    phone: str
    region: str
    language: str
    needs: str
    message: str
    on_behalf: bool


def parse_application(data: dict[str, Any], course: Course) -> ApplicationInput:
    """Validate every field; raise ValidationFailed listing all problems at once."""
    errors = FieldErrors()
    inputs.only_fields(data, APPLICATION_FIELDS, errors)
    name = _text(data.get("name"), "name", errors, NAME_MAX, multiline=False)
    if "name" not in errors and not name:
        errors.add("name", _l("Write the name of the person who will take part."))

    email = _text(data.get("email"), "email", errors, EMAIL_MAX, multiline=False)
    if email and "email" not in errors:
        try:
            email = validate_email(email, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            errors.add("email", _l("Check the email address. It looks like name@example.fi."))

    phone = _text(data.get("phone"), "phone", errors, PHONE_MAX, multiline=False)
    if phone and "phone" not in errors:
        digits = sum(char.isdigit() for char in phone)
        if not PHONE_PATTERN.match(phone) or digits < 5:
            errors.add("phone", _l("Check the phone number. Use only numbers, like 040 123 4567."))

    if not email and not phone and "email" not in errors and "phone" not in errors:
        errors.add(
            "email", _l("Give an email address or a phone number, so that we can reach you.")
        )

    region = data.get("region")
    if not isinstance(region, str) or region not in course.region_codes:
        errors.add("region", _l("Choose your home region from the list."))
        region = ""

    language = data.get("language")
    if not isinstance(language, str) or language not in LANGUAGES:
        errors.add("language", _l("Choose Finnish or Swedish."))
        language = ""

    needs = _text(data.get("needs"), "needs", errors, TEXT_MAX, multiline=True)
    message = _text(data.get("message"), "message", errors, TEXT_MAX, multiline=True)

    on_behalf = data.get("on_behalf", False)
    if on_behalf is None:
        on_behalf = False
    if not isinstance(on_behalf, bool):
        errors.add("on_behalf", _l("Answer yes or no."))
        on_behalf = False

    if data.get("consent") is not True:
        errors.add(
            "consent",
            _l(
                "Please agree that we may keep this information. Without it we cannot handle "
                "the application."
            ),
        )

    errors.raise_if_any(_l("Please check the information."))
    return ApplicationInput(
        name=name,
        email=email,
        phone=phone,
        region=region,
        language=language,
        needs=needs,
        message=message,
        on_behalf=on_behalf,
    )


def _text(value: Any, field: str, errors: FieldErrors, limit: int, *, multiline: bool) -> str:
    return inputs.plain_text(value, field, errors, max_length=limit, single_line=not multiline)
