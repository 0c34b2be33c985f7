"""Typed service results read as the JSON objects they stand for, nested results included."""

from __future__ import annotations

import json

from pydantic import BaseModel

from basis.platform.dependencies import HealthReport, Probe


class ProbeBody(BaseModel):
    ok: bool
    latency_ms: float
    detail: str


class ReportBody(BaseModel):
    status: str
    stage: str
    dependencies: dict[str, ProbeBody]


REPORT = HealthReport("degraded", "dev", {"privy": Probe(False, 2.5, "HTTP 503")})


def test_a_result_is_its_json_object() -> None:
    assert dict(REPORT) == {"status": "degraded", "stage": "dev", "dependencies": REPORT.dependencies}
    assert REPORT["dependencies"]["privy"]["detail"] == "HTTP 503"


def test_a_json_validator_takes_a_result_as_is() -> None:
    body = ReportBody.model_validate(REPORT)
    assert json.loads(body.model_dump_json()) == {
        "status": "degraded",
        "stage": "dev",
        "dependencies": {"privy": {"ok": False, "latency_ms": 2.5, "detail": "HTTP 503"}},
    }
