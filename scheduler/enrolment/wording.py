"""Application states in plain words, for pages, emails and messages."""

from flask_babel import lazy_gettext as _l

# Short names of the states (staff pages, messages).
STATUS_WORDS = {
    "submitted": _l("sent, waiting for a decision"),
    "accepted": _l("accepted to the course"),
    "waitlisted": _l("on the waiting list"),
    "rejected": _l("not selected this time"),
    "withdrawn": _l("application cancelled"),
}

# What the state means for the applicant, in plain language (personal page).
STATUS_EXPLAINED = {
    "submitted": _l(
        "We have your application. The region will choose the participants after the "
        "application time. We will tell you the result."
    ),
    "accepted": _l("You have a place in the course. Welcome!"),
    "waitlisted": _l(
        "You are on the waiting list. If a place becomes free, you get it, and we will tell you."
    ),
    "rejected": _l(
        "This time you did not get a place in the course. You are welcome to apply for "
        "other courses."
    ),
    "withdrawn": _l("Your application is cancelled. You do not have a place in the course."),
}
