"""The follow-up package's services, for views, the API and the command line.

The rules live in small modules (reminders, attendance, feedback, summary); this module
is the one place the outer layers import them from.
"""

from scheduler.followup.access import check_may_read_reports
from scheduler.followup.attendance import (
    check_may_mark,
    course_counts,
    get_session,
    may_mark,
    parse_present,
    record_attendance,
    record_viewing,
    session_counts,
    sheet,
)
from scheduler.followup.feedback import (
    NO_REGION,
    answer_open,
    answer_with_invite,
    open_course_for_feedback,
    open_invite,
    parse_feedback,
    send_invites,
)
from scheduler.followup.reminders import reminder_due_from, send_reminders
from scheduler.followup.summary import MIN_ANSWERS, feedback_summary

__all__ = [
    "MIN_ANSWERS",
    "NO_REGION",
    "answer_open",
    "answer_with_invite",
    "check_may_mark",
    "check_may_read_reports",
    "course_counts",
    "feedback_summary",
    "get_session",
    "may_mark",
    "open_course_for_feedback",
    "open_invite",
    "parse_feedback",
    "parse_present",
    "record_attendance",
    "record_viewing",
    "reminder_due_from",
    "send_invites",
    "send_reminders",
    "session_counts",
    "sheet",
]
