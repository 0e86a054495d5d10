"""The OpenAPI document (webapp/openapi.py): valid OpenAPI 3.1, true to the app's routes, and
every operation fuzzed against it with schemathesis in-process (no 5xx, every answer as
documented)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis.specs.openapi.checks import positive_data_acceptance

from helpers.records import build_index
from webapp import create_app
from webapp.openapi import PATHS, document

UNDOCUMENTED = {"/static/{filename}"}  # the stylesheet and scripts: files, not an API
EXAMPLES_PER_OPERATION = 100  # 12 operations: 1,200 cases


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    index_dir = build_index(tmp_path_factory.mktemp("openapi"))[1]
    app = create_app({"TESTING": True, "INDEX_DIR": str(index_dir)})
    yield app
    app.extensions["newsdesk"].close()


def openapi_path(rule: str) -> str:
    """A Flask rule as an OpenAPI path: /articles/<article_id> -> /articles/{article_id}."""
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def test_document_is_valid_openapi_3_1(app: Flask) -> None:
    served = app.test_client().get("/api/openapi.json")
    assert served.status_code == 200
    spec = served.get_json()
    assert spec["openapi"].startswith("3.1")
    validate(spec)  # raises on any error
    assert spec == document()


def test_paths_are_exactly_the_routes(app: Flask) -> None:
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        methods = {m.lower() for m in rule.methods or ()} - {"head", "options"}
        routes.setdefault(openapi_path(rule.rule), set()).update(methods)
    documented = {path: set(ops) for path, ops in PATHS.items()}
    assert set(routes) - UNDOCUMENTED == set(documented), "document every route, and only those"
    for path, methods in documented.items():
        assert routes[path] == methods, path


def test_every_path_parameter_is_documented(app: Flask) -> None:
    spec = document()
    parameters = spec["components"]["parameters"]
    for path, operations in spec["paths"].items():
        names = set(re.findall(r"{(\w+)}", path))
        for operation in operations.values():
            declared = {
                parameters[p["$ref"].rsplit("/", 1)[1]]["name"] if "$ref" in p else p["name"]
                for p in operation.get("parameters", [])
            }
            assert names <= declared, path


def operations(app: Flask) -> list[schemathesis.APIOperation]:
    api = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    return [result.ok() for result in api.get_all_operations()]


@pytest.mark.slow
def test_api_fuzzed_against_its_document(app: Flask) -> None:
    """Generated requests for every operation: no 5xx, status, content type and body as
    documented (schemathesis' checks), run in-process through the WSGI app."""
    cases: Counter[str] = Counter()
    every = operations(app)  # schemathesis leaves out the document's own path
    assert len(every) == sum(len(ops) for ops in PATHS.values()) - 1
    for operation in every:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            derandomize=True,
        )
        def fuzz(case: schemathesis.Case) -> None:
            cases[case.operation.label] += 1
            # A schema-valid request may still be a documented 400 (page * per_page over the
            # depth limit, `from` after `to`, an unparseable q): not a failure.
            case.call_and_validate(excluded_checks=[positive_data_acceptance])

        fuzz()
    assert len(cases) == len(every), cases
    assert sum(cases.values()) >= 1000, cases
