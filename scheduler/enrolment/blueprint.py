"""The enrolment pages' blueprint; views.py and staff_views.py add routes."""

from flask import Blueprint

bp = Blueprint("enrolment", __name__)
