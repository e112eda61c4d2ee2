"""The content pages' blueprint; views.py and translation_views.py add routes."""

from flask import Blueprint

bp = Blueprint("content", __name__)
