"""Shared fixtures. Data from ../shared is read in place, never copied into the repository."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from webapp import create_app

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SAMPLES = REPO / "samples"
SEED = SHARED / "seed" / "000_efa5ca277fb82a80.txt"


def shared_path(*parts: str) -> Path:
    """A path under ../shared; skips the test when absent, fails in CI where it must exist."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        reason = f"{path} is not available (the shared data sets sit beside the repository)"
        if os.environ.get("CI"):
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)
    return path


@pytest.fixture
def app(index_dir: Path) -> Iterator[Flask]:
    """The app over the requesting module's `index_dir` (each test module builds its own)."""
    app = create_app({"TESTING": True, "INDEX_DIR": str(index_dir)})
    yield app
    app.extensions["newsdesk"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def seed_path() -> Path:
    return shared_path("seed", "000_efa5ca277fb82a80.txt")
