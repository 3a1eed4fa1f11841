"""Storage: the only package that imports SQLAlchemy.

``Database`` owns the engine and every transaction; ``repository`` names every query.
"""

from .database import Database, WriteConflict, make_database

__all__ = ["Database", "WriteConflict", "make_database"]
