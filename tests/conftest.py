"""Shared fixtures, as in flaskr's tests/conftest.py: an index over RECORDS for each test module,
the app over a module's `index_dir` and its test client, a search handle without Flask.

Plain data and functions shared by the test modules are in tests/helpers/. Data from ../shared
is read in place, never copied into the repository.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from helpers.paths import REPO, shared_path
from helpers.records import build_index
from webapp import create_app
from webapp.search import IndexHandle


@pytest.fixture(scope="session", autouse=True)
def processes_run_this_checkout() -> Iterator[None]:
    """`newsdesk` and Python processes started by the tests import this checkout's code, not the
    checkout the virtualenv's editable install points to (a git worktree shares its venv)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYTHONPATH", str(REPO), prepend=os.pathsep)
        yield


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index over RECORDS, built once per test module; a module over other records
    defines its own `index_dir`."""
    return build_index(tmp_path_factory.mktemp("records"))[1]


@pytest.fixture
def app(index_dir: Path) -> Iterator[Flask]:
    """The app over the requesting module's `index_dir`."""
    app = create_app({"TESTING": True, "INDEX_DIR": str(index_dir)})
    yield app
    app.extensions["newsdesk"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def handle(index_dir: Path) -> Iterator[IndexHandle]:
    """webapp.search's handle on the requesting module's `index_dir`, without Flask."""
    handle = IndexHandle(str(index_dir))
    yield handle
    handle.close()


@pytest.fixture
def seed_path() -> Path:
    return shared_path("seed", "000_efa5ca277fb82a80.txt")
