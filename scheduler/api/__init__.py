"""JSON API v1: one blueprint; each domain adds its routes in its own api module."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def register_routes() -> Blueprint:
    """Import the domain route modules (they attach to `bp`) and return the blueprint."""
    from scheduler.api import docs  # noqa: F401
    from scheduler.courses import api as courses_api  # noqa: F401
    from scheduler.regions import api as regions_api  # noqa: F401

    for module in (
        "hosting",
        "enrolment",
        "content",
        "reports",
        "followup",
        "lifecycle",
        "desk",
        "accounts",
    ):
        try:
            __import__(f"scheduler.{module}.api")
        except ModuleNotFoundError as error:
            if error.name != f"scheduler.{module}.api":
                raise
    return bp
