"""The accounts pages' blueprint; views.py, password_views.py and user_views.py add routes."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)
