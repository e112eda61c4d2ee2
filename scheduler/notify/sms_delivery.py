"""Delivering queued text messages, each sent and recorded on its own.

Like email: a message the provider does not accept is tried again after the back-off and
given up after OUTBOX_MAX_ATTEMPTS; a message that can never be sent (no number, longer
than MAX_SEGMENTS) is given up at once; one bad message never holds up the others. When
the provider cannot be reached at all, the rest of the batch waits for the next round
instead of each waiting for its own timeout. A sent message is committed as sent before
the next one is tried, so nothing is sent twice.
"""

from __future__ import annotations

from flask import current_app

from scheduler.extensions import db
from scheduler.notify.claims import claim_due, give_up, mark_sent, postpone, still_ours
from scheduler.notify.models import OutboxMessage
from scheduler.notify.sms import MAX_SEGMENTS, measure
from scheduler.notify.sms_providers import SmsNotSent, SmsProvider, make_provider

CHANNEL = "sms"


def deliver_sms(limit: int, provider: SmsProvider | None = None) -> tuple[int, int]:
    """Send due text messages; returns (sent, failed)."""
    provider = provider or make_provider(current_app.config)
    sent = failed = 0
    while True:
        claim, batch = claim_due(CHANNEL, limit)
        if not batch:
            break
        for index, message in enumerate(batch):
            if not still_ours(message, claim):
                continue
            try:
                _send_one(provider, message)
            except SmsNotSent as error:
                waiting = batch[index:] if error.unreachable else [message]
                postpone(waiting, f"sms: {error.reason}")
                db.session.commit()
                failed += len(waiting)
                if error.unreachable:
                    return sent, failed
                continue
            except _Hopeless as error:
                give_up(message, f"sms: {error}")
                db.session.commit()
                failed += 1
                continue
            mark_sent(message)
            db.session.commit()
            sent += 1
        if len(batch) < limit:
            break
    return sent, failed


class _Hopeless(Exception):
    """This message can never be sent as it is."""


def _send_one(provider: SmsProvider, message: OutboxMessage) -> None:
    phone = message.phone
    if not phone or not phone.startswith("+") or not phone[1:].isdigit():
        raise _Hopeless("no phone number")
    length = measure(message.body)
    if length.segments > MAX_SEGMENTS:
        raise _Hopeless(f"too long: {length.segments} segments")
    provider.send(phone, message.body)
