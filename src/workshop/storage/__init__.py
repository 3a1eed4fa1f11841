"""Storage: the only package that imports SQLAlchemy.

``Database`` owns the engine and every transaction; ``repository`` names every query.
"""

from .database import Database, make_database

__all__ = ["Database", "make_database"]
