"""The hosting pages' blueprint; views.py and ledger_views.py add routes."""

from flask import Blueprint

bp = Blueprint("hosting", __name__)
