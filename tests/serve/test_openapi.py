"""The API keeps to what /openapi.json says of it: schemathesis posts what the description allows (files of any
bytes, any dates, periods and thresholds) to a real server and checks that no answer is a server error and every
answer — findings, refusals, their headers — has the documented shape."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_headers_conformance, response_schema_conformance

schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def api_schema(plain):
    return schemathesis.openapi.from_url(f"{plain.url}/openapi.json")


def test_the_description_covers_every_api_route(plain):
    with plain.client() as client:
        document = client.get("/openapi.json").json()
    api_routes = sorted(route.path for route in plain.app.routes if route.path.startswith("/api/"))
    assert document["openapi"] == "3.0.3" and sorted(document["paths"]) == api_routes == ["/api/check"]
    assert sorted(document["paths"]["/api/check"]["post"]["responses"]) == [
        "200", "401", "403", "413", "422", "429", "500", "503"]


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_to_its_description(case):
    case.call_and_validate(checks=[not_a_server_error, response_schema_conformance, response_headers_conformance])
