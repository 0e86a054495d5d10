"""Where the repository, its samples and the shared data sets (../shared) are."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
SAMPLES = REPO / "samples"


def shared_path(*parts: str) -> Path:
    """A path under ../shared; skips the test when absent, fails in CI where it must exist."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        reason = f"{path} is not available (the shared data sets sit beside the repository)"
        if os.environ.get("CI"):
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)
    return path
