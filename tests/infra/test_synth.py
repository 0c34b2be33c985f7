"""The synthesized CloudFormation matches the catalog and the PynamoDB models."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from basis.models import ALL_MODELS
from infra.catalog import FUNCTIONS, GATEWAY_RESPONSES, QUEUES, SCHEDULES, STATE_MACHINES, function
from infra.constructs.state_machines import placeholders
from infra.summary import infra_summary
from infra.tables import all_table_specs
from tests.infra.conftest import Synth, synthesize

pytestmark = pytest.mark.infra


def test_synth_is_fast_enough_and_writes_three_stacks(synth: Synth) -> None:
    assert set(synth.templates) == {"data", "service", "observability"}
    assert synth.seconds < 60


def test_every_model_has_its_table(synth: Synth) -> None:
    tables = infra_summary(synth.templates["data"])["tables"]
    assert set(tables) == {model.table_suffix for model in ALL_MODELS}
    for spec in all_table_specs():
        table = tables[spec.suffix]
        assert table["billing"] == "PAY_PER_REQUEST"
        assert table["partition"] == (spec.partition.name, spec.partition.type)
        assert table["sort"] == ((spec.sort.name, spec.sort.type) if spec.sort else None)
        assert table["ttl"] == spec.ttl_attribute
        assert set(table["indexes"]) == {index.name for index in spec.indexes}
        for index in spec.indexes:
            assert table["indexes"][index.name]["partition"] == (index.partition.name, index.partition.type)
            assert table["indexes"][index.name]["projection"] == index.projection


def test_tables_are_named_for_the_stage_with_pitr(synth: Synth) -> None:
    template = Template.from_json(synth.templates["data"])
    template.resource_count_is("AWS::DynamoDB::Table", len(ALL_MODELS))
    template.has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "TableName": "basis-dev-users",
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        },
    )
    template.has_resource("AWS::DynamoDB::Table", {"DeletionPolicy": "Delete"})


def test_functions_follow_the_catalog(synth: Synth) -> None:
    functions = infra_summary(synth.templates["service"])["functions"]
    assert set(functions) == {fn.name for fn in FUNCTIONS}
    for fn in FUNCTIONS:
        assert functions[fn.name]["runtime"] == "python3.12"
        assert functions[fn.name]["layers"] == sorted(fn.layers)
        if "chain" not in fn.layers:
            assert "chain" not in functions[fn.name]["layers"]
    template = Template.from_json(synth.templates["service"])
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "FunctionName": "basis-dev-api",
            "Handler": "handler.handler",
            "Architectures": ["x86_64"],
            "TracingConfig": {"Mode": "Active"},
            "Timeout": 29,
        },
    )


def test_queues_have_dead_letter_queues_and_consumers(synth: Synth) -> None:
    queues = infra_summary(synth.templates["service"])["queues"]
    for queue in QUEUES:
        assert queues[queue.name]["dlq"] == f"{queue.name}-dlq"
        assert queues[queue.name]["max_receive_count"] == queue.max_receive_count
    template = Template.from_json(synth.templates["service"])
    template.resource_count_is("AWS::SQS::Queue", 2 * len(QUEUES))
    template.has_resource_properties("AWS::SQS::Queue", {"SqsManagedSseEnabled": True})
    template.has_resource_properties(
        "AWS::SQS::QueuePolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
                        )
                    ]
                )
            }
        },
    )
    consumers = [fn for fn in FUNCTIONS if fn.consumes]
    template.resource_count_is("AWS::Lambda::EventSourceMapping", len(consumers))
    template.has_resource_properties(
        "AWS::Lambda::EventSourceMapping", {"FunctionResponseTypes": ["ReportBatchItemFailures"]}
    )


def test_schedules_have_the_catalog_rates_and_targets(synth: Synth) -> None:
    schedules = infra_summary(synth.templates["service"])["schedules"]
    assert schedules == {s.name: {"rate_minutes": s.rate_minutes, "target": s.target} for s in SCHEDULES}


def test_state_machines_load_the_asl_with_function_arns(synth: Synth) -> None:
    template = synth.templates["service"]
    assert infra_summary(template)["state_machines"] == sorted(m.name for m in STATE_MACHINES)
    resources = template["Resources"]
    by_name = {
        r["Properties"]["StateMachineName"]: r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::StepFunctions::StateMachine"
    }
    for machine in STATE_MACHINES:
        props = by_name[f"basis-dev-{machine.name}"]
        # The ASL file is shipped as an asset, byte for byte; CloudFormation substitutes the ARNs.
        asset = synth.outdir / f"asset.{props['DefinitionS3Location']['Key']}"
        assert asset.read_text() == machine.path.read_text()
        substitutions = props["DefinitionSubstitutions"]
        assert set(substitutions) == placeholders(machine) == {f"Fn_{name}" for name in machine.functions}
        for key, value in substitutions.items():
            function = resources[value["Fn::GetAtt"][0]]
            assert function["Type"] == "AWS::Lambda::Function"
            assert function["Properties"]["FunctionName"] == f"basis-dev-{key.removeprefix('Fn_')}"
        assert props["TracingConfiguration"] == {"Enabled": True}
        assert props["LoggingConfiguration"]["Level"] == "ALL"


def test_api_routes_public_paths_without_the_authorizer(synth: Synth) -> None:
    template = Template.from_json(synth.templates["service"])
    template.has_resource_properties("AWS::ApiGateway::Authorizer", {"Type": "REQUEST"})
    methods = template.find_resources("AWS::ApiGateway::Method")
    auth = sorted(m["Properties"]["AuthorizationType"] for m in methods.values())
    assert auth == ["CUSTOM", "NONE", "NONE", "NONE"]
    paths = {
        r["Properties"]["PathPart"] for r in template.find_resources("AWS::ApiGateway::Resource").values()
    }
    assert {"api", "v1", "{proxy+}", "health", "openapi.json", "docs"} <= paths


def test_gateway_answers_its_own_errors_in_the_api_error_shape(synth: Synth) -> None:
    template = Template.from_json(synth.templates["service"])
    responses = {
        r["Properties"]["ResponseType"]: r["Properties"]
        for r in template.find_resources("AWS::ApiGateway::GatewayResponse").values()
    }
    assert set(responses) == {r.kind for r in GATEWAY_RESPONSES}
    unauthorized = responses["UNAUTHORIZED"]
    assert unauthorized["StatusCode"] == "401"
    body = json.loads(unauthorized["ResponseTemplates"]["application/json"])
    assert body == {"error": {"code": "unauthorized", "message": "a valid bearer token is required"}}
    assert "StatusCode" not in responses["DEFAULT_5XX"]  # keeps the status that happened


def test_cors_preflight_follows_the_configured_origins(tmp_path: Path) -> None:
    plain = Template.from_json(synthesize(tmp_path / "plain").templates["service"])
    assert not [
        m
        for m in plain.find_resources("AWS::ApiGateway::Method").values()
        if m["Properties"]["HttpMethod"] == "OPTIONS"
    ]
    origins = "https://app.example.com,https://beta.example.com"
    service = synthesize(tmp_path / "cors", {"cors_allowed_origins": origins}).templates["service"]
    template = Template.from_json(service)
    options = [
        m["Properties"]
        for m in template.find_resources("AWS::ApiGateway::Method").values()
        if m["Properties"]["HttpMethod"] == "OPTIONS"
    ]
    assert options and all(o["AuthorizationType"] == "NONE" for o in options)
    api_env = next(
        f["Properties"]["Environment"]["Variables"]
        for f in template.find_resources("AWS::Lambda::Function").values()
        if f["Properties"].get("FunctionName", "").endswith("-api")
    )
    assert api_env["BASIS_CORS_ALLOWED_ORIGINS"] == origins


def _role_statements(template: dict[str, Any], function_name: str) -> list[dict[str, Any]]:
    """Every statement of the inline policies attached to ``function_name``'s execution role."""
    resources = template["Resources"]
    function = next(
        r for r in resources.values() if r["Properties"].get("FunctionName") == f"basis-dev-{function_name}"
    )
    role = function["Properties"]["Role"]["Fn::GetAtt"][0]
    return [
        statement
        for r in resources.values()
        if r["Type"] == "AWS::IAM::Policy" and {"Ref": role} in r["Properties"]["Roles"]
        for statement in r["Properties"]["PolicyDocument"]["Statement"]
    ]


# Provisioning (the policy ids and key quorum of new wallets) and the API (withdrawal addresses:
# which signer of a wallet is the platform's, and its shared policy).
PRIVY_IDS_READERS = ("provision_wallets", "api")


def test_only_provisioning_and_the_api_read_the_privy_ids_parameter(synth: Synth) -> None:
    template = synth.templates["service"]
    for name in PRIVY_IDS_READERS:
        ssm = [s for s in _role_statements(template, name) if "ssm:GetParameter" in str(s["Action"])]
        assert len(ssm) == 1 and ssm[0]["Action"] == "ssm:GetParameter" and ssm[0]["Effect"] == "Allow"
        arn = json.dumps(ssm[0]["Resource"])
        assert ":ssm:" in arn and ":parameter/basis/dev/privy" in arn and "*" not in arn
    # Nobody else reads it.
    for fn in FUNCTIONS:
        if fn.name not in PRIVY_IDS_READERS:
            assert "ssm:" not in json.dumps(_role_statements(template, fn.name))


def test_consumer_batch_sizes_follow_the_catalog(synth: Synth) -> None:
    mappings = Template.from_json(synth.templates["service"]).find_resources(
        "AWS::Lambda::EventSourceMapping"
    )
    sizes = {m["Properties"]["FunctionName"]["Ref"]: m["Properties"]["BatchSize"] for m in mappings.values()}
    assert sorted(sizes.values()) == sorted(fn.batch_size for fn in FUNCTIONS if fn.consumes)
    assert function("provision_wallets").batch_size == 1
    assert [size for ref, size in sizes.items() if ref.startswith("ProvisionWallets")] == [1]


def test_authorizer_cache_does_not_outlive_a_service_token(synth: Synth) -> None:
    authorizers = Template.from_json(synth.templates["service"]).find_resources("AWS::ApiGateway::Authorizer")
    (authorizer,) = authorizers.values()
    ttl = authorizer["Properties"].get("AuthorizerResultTtlInSeconds", 300)  # CloudFormation's default
    assert 0 <= ttl <= 60
