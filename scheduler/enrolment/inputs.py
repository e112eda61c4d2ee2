"""Checking an application's input: one plain-language message per problem, per field.

Both the API (JSON) and the form (turned into the same dict) go through `parse_application`,
so the rules and the messages are the same everywhere. Phone numbers are read with
`phonenumbers` in national (040 123 4567, Finland assumed) or international form and kept
in E.164 (+358401234567). A support person's problems are named "support_person.<field>".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from scheduler.api import inputs
from scheduler.courses.models import Course
from scheduler.enrolment.models import APPLICANT, CHANNELS, MESSAGE_TARGETS, SUPPORT_PERSON
from scheduler.errors import FieldErrors
from scheduler.i18n import LANGUAGES

NAME_MAX = 120
EMAIL_MAX = 254
PHONE_MAX = 40
TEXT_MAX = 2000
RELATION_MAX = 120
PHONE_REGION = "FI"  # a national number without a country code is Finnish
SMS_NUMBER_TYPES = (
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
)
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
    "contact",
    "messages_to",
    "support_person",
)
SUPPORT_PERSON_FIELDS = ("name", "email", "phone", "relation", "contact")


@dataclass(frozen=True)
class SupportPersonInput:
    name: str
    email: str
    phone: str  # E.164 or ""
    relation: str
    contact: str  # "email" or "sms"


@dataclass(frozen=True)
class ApplicationInput:
    name: str
    email: str
    phone: str  # E.164 or ""
    region: str
    language: str
    needs: str
    message: str
    on_behalf: bool
    contact: str = "email"
    messages_to: str = APPLICANT
    support_person: SupportPersonInput | None = None


def parse_application(
    data: dict[str, Any], course: Course, *, sms_available: bool = True
) -> ApplicationInput:
    """Validate every field; raise ValidationFailed listing all problems at once.

    Without text messages (`sms_available` False, SMS_PROVIDER "none") nobody may choose
    them, and an applicant with only a phone number is called by the region.
    """
    errors = FieldErrors()
    inputs.only_fields(data, APPLICATION_FIELDS, errors)
    name = _text(data.get("name"), "name", errors, NAME_MAX, multiline=False)
    if "name" not in errors and not name:
        errors.add("name", _l("Write the name of the person who will take part."))

    email = _email(data.get("email"), "email", errors)
    phone = _phone(data.get("phone"), "phone", errors)
    support = _support_person(data.get("support_person"), errors, sms_available)
    messages_to = _choice(data.get("messages_to"), MESSAGE_TARGETS, APPLICANT)
    if messages_to is None:
        errors.add("messages_to", _l("Choose who gets the messages."))
        messages_to = APPLICANT
    contact = _contact(data.get("contact"), email, phone, errors, "contact", sms_available)
    _check_reachable(email, phone, contact, messages_to, support, errors, sms_available)

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
        contact=contact,
        messages_to=messages_to,
        support_person=support,
    )


def _email(value: Any, field: str, errors: FieldErrors) -> str:
    email = _text(value, field, errors, EMAIL_MAX, multiline=False)
    if email and field not in errors:
        try:
            return validate_email(email, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            errors.add(field, _l("Check the email address. It looks like name@example.fi."))
            return ""
    return email


def _phone(value: Any, field: str, errors: FieldErrors) -> str:
    """The number in E.164 (+358401234567), or "" when none was given."""
    text = _text(value, field, errors, PHONE_MAX, multiline=False)
    if not text or field in errors:
        return ""
    number = normal_phone(text)
    if number is None:
        errors.add(
            field,
            _l("Check the phone number. Write it like 040 123 4567 or +358 40 123 4567."),
        )
        return ""
    return number


def normal_phone(text: str) -> str | None:
    """A valid number in national (Finnish) or international form as E.164, else None."""
    try:
        number = phonenumbers.parse(text, PHONE_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def can_get_text_messages(phone: str) -> bool:
    """A mobile number (or one that may be mobile): text messages can reach it."""
    number = phonenumbers.parse(phone, PHONE_REGION)
    return phonenumbers.number_type(number) in SMS_NUMBER_TYPES


def _choice(value: Any, allowed: tuple[str, ...], default: str) -> str | None:
    """The chosen value, the default when none was given, or None when it is not allowed."""
    if value is None or value == "":
        return default
    return value if isinstance(value, str) and value in allowed else None


def _contact(
    value: Any, email: str, phone: str, errors: FieldErrors, field: str, sms_available: bool
) -> str:
    """email or sms; without a choice: sms when there is only a phone number."""
    default = "sms" if phone and not email and sms_available else "email"
    contact = _choice(value, CHANNELS, default)
    if contact is None:
        errors.add(field, _l("Choose email or text message."))
        return default
    if contact == "sms" and not sms_available:
        errors.add(field, _l("This service does not send text messages. Choose email."))
        return default
    return contact


def _check_reachable(
    email: str,
    phone: str,
    contact: str,
    messages_to: str,
    support: SupportPersonInput | None,
    errors: FieldErrors,
    sms_available: bool,
) -> None:
    """Whoever gets the messages can be reached the way they chose."""
    if messages_to != SUPPORT_PERSON:
        # Without text messages, an applicant with only a phone number is called instead.
        called = not sms_available and phone and not email
        if not called:
            _check_channel(email, phone, contact, errors, "", applicant=True)
    if messages_to == APPLICANT or "support_person" in errors:
        return
    if support is None:
        errors.add(
            "messages_to",
            _l("Write the support person's details, or choose that the messages come to you."),
        )
        return
    _check_channel(
        support.email, support.phone, support.contact, errors, "support_person.", applicant=False
    )


def _check_channel(
    email: str, phone: str, contact: str, errors: FieldErrors, prefix: str, *, applicant: bool
) -> None:
    email_field, phone_field = prefix + "email", prefix + "phone"
    if email_field in errors or phone_field in errors:
        return
    if not email and not phone:
        errors.add(
            email_field,
            _l("Give an email address or a phone number, so that we can reach you.")
            if applicant
            else _l("Give the support person's email address or phone number."),
        )
    elif contact == "email" and not email:
        errors.add(email_field, _l("Give an email address, or choose text messages."))
    elif contact == "sms" and not phone:
        errors.add(phone_field, _l("Give a mobile phone number for the text messages."))
    elif contact == "sms" and not can_get_text_messages(phone):
        errors.add(
            phone_field,
            _l("This number cannot get text messages. Give a mobile number, or choose email."),
        )


def _support_person(
    value: Any, errors: FieldErrors, sms_available: bool
) -> SupportPersonInput | None:
    """The optional support person: a name, and a way to reach them if they get messages."""
    if value is None or value == {}:
        return None
    if not isinstance(value, dict):
        errors.add("support_person", _l("Check the support person's details."))
        return None
    prefix = "support_person."
    inputs.only_fields(value, SUPPORT_PERSON_FIELDS, errors, prefix=prefix)
    name = _text(value.get("name"), prefix + "name", errors, NAME_MAX, multiline=False)
    if not name and prefix + "name" not in errors:
        errors.add(prefix + "name", _l("Write the support person's name."))
    email = _email(value.get("email"), prefix + "email", errors)
    phone = _phone(value.get("phone"), prefix + "phone", errors)
    relation = _text(
        value.get("relation"), prefix + "relation", errors, RELATION_MAX, multiline=False
    )
    contact = _contact(
        value.get("contact"), email, phone, errors, prefix + "contact", sms_available
    )
    return SupportPersonInput(
        name=name, email=email, phone=phone, relation=relation, contact=contact
    )


def _text(value: Any, field: str, errors: FieldErrors, limit: int, *, multiline: bool) -> str:
    return inputs.plain_text(value, field, errors, max_length=limit, single_line=not multiline)
