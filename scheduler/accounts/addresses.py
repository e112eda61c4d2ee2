"""Email addresses of staff users: one checked, normalised form."""

from __future__ import annotations

from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from scheduler.errors import FieldErrors

MAX_LENGTH = 254


def normalise_email(value: Any, errors: FieldErrors, field: str = "email") -> str:
    """A valid ASCII address, lower-cased (internationalised domains in their ASCII form),
    or "" with a message in `errors`."""
    if not isinstance(value, str) or not value.strip():
        errors.add(field, _l("Enter an email address."))
        return ""
    if len(value) > MAX_LENGTH:
        errors.add(field, _l("Check the email address."))
        return ""
    try:
        checked = validate_email(value.strip(), check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        errors.add(field, _l("Check the email address."))
        return ""
    address = (checked.ascii_email or checked.normalized).lower()
    if len(address) > MAX_LENGTH:
        errors.add(field, _l("Check the email address."))
        return ""
    return address
