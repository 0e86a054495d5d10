"""Plain data and functions shared by the test modules (fixtures are in tests/conftest.py).

Nothing here is collected: the test modules import what they need from these modules, never
from one another.
"""
