"""Who hears about an application, and how: the applicant and/or their support person,
each by email or text message, always in the application's language.

Every message about an application (confirmation, decisions, reminders, changes and
cancellations, feedback invitations) goes to `contacts_of(application)`; a party without
an address for their channel is skipped (a phone-only applicant who chose email is called
by the region, as before). Links in text messages are the short links (/m/…, /j/…).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from flask import current_app

from scheduler.enrolment.models import APPLICANT, SUPPORT_PERSON, Application
from scheduler.enrolment.tokens import personal_token, short_code
from scheduler.i18n import LANGUAGES
from scheduler.notify.sms_providers import sms_in_use

EMAIL = "email"
SMS = "sms"


@dataclass(frozen=True)
class Contact:
    """One person to send a message to about an application."""

    who: str  # "applicant" or "support_person"
    channel: str  # "email" or "sms"
    address: str  # an email address, or a number in E.164
    name: str  # whom the message greets

    @property
    def is_support_person(self) -> bool:
        return self.who == SUPPORT_PERSON

    def key(self) -> str:
        """Tells this contact apart in dedupe keys ("" for the applicant's email, as before)."""
        parts = ([SUPPORT_PERSON] if self.is_support_person else []) + (
            [SMS] if self.channel == SMS else []
        )
        return "".join(f":{part}" for part in parts)


def contacts_of(application: Application) -> list[Contact]:
    """The people to tell about `application`, each by their own channel (text messages
    only while the service sends them: SMS_PROVIDER is not "none")."""
    if application.anonymised_at is not None:
        return []
    found: list[Contact] = []
    if application.messages_to != SUPPORT_PERSON:
        _add(
            found,
            APPLICANT,
            application.contact,
            application.email,
            application.phone,
            application.name,
        )
    support = application.support_person
    if application.messages_to != APPLICANT and support is not None:
        _add(found, SUPPORT_PERSON, support.contact, support.email, support.phone, support.name)
    if not sms_in_use(current_app.config):
        found = [contact for contact in found if contact.channel != SMS]
    return found


def _add(found: list[Contact], who: str, channel: str, email: str, phone: str, name: str) -> None:
    address = phone if channel == SMS else email
    if address:
        found.append(Contact(who=who, channel=channel, address=address, name=name))


def message_language(application: Application) -> str:
    return application.language if application.language in LANGUAGES else LANGUAGES[0]


def public_url(path: str) -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def personal_links(application: Application) -> dict[str, str]:
    """The applicant's links for email; paths are fixed by the contract (API.md)."""
    token = personal_token(application)
    return {
        "personal": public_url(f"/my/{token}"),
        "join": public_url(f"/join/p/{token}"),
        "calendar": public_url(f"/calendar/p/{token}.ics"),
        "card": public_url(f"/my/{token}/card"),
    }


def short_links(application: Application) -> dict[str, str]:
    """The same pages through the short links that text messages carry."""
    code = short_code(application)
    return {"personal": public_url(f"/m/{code}"), "join": public_url(f"/j/{code}")}


def links_for(contact: Contact, application: Application) -> dict[str, str]:
    return short_links(application) if contact.channel == SMS else personal_links(application)


def phone_key(phone: str) -> str | None:
    """A keyed hash of an E.164 number, so an application can be found by its number
    without storing the number in clear (None for no number)."""
    if not phone:
        return None
    secret = current_app.config["SECRET_KEY"].encode("utf-8")
    return hmac.new(secret, f"phone:{phone}".encode(), hashlib.sha256).hexdigest()
