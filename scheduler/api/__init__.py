"""JSON API v1: one blueprint, owned here; each domain adds its routes in its own api module
(`scheduler.<domain>.api`), which scheduler.web imports when it registers the blueprint."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# The modules that attach routes to `bp`, in the order they are imported.
ROUTE_MODULES = (
    "scheduler.api.docs",
    "scheduler.courses.api",
    "scheduler.regions.api",
    "scheduler.hosting.api",
    "scheduler.enrolment.api",
    "scheduler.content.api",
    "scheduler.reports.api",
    "scheduler.followup.api",
    "scheduler.lifecycle.api",
    "scheduler.desk.api",
    "scheduler.accounts.api",
)
