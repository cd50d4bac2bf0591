"""The policy pack (policy/), without the engine: each policy runs on the resources the stack
program registers under Pulumi's mocks, as `pulumi preview --policy-pack policy` would run it.
The us stack passes every policy and dev all but the two its policy config makes advisory; a stack
broken on purpose fails each policy once; a preview's unknowns are never read."""

import copy
import json
import sys

import pulumi.runtime.mocks
import pytest
from pulumi_policy import (
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from conftest import ROOT
from pulumi_mocks import RecordingMocks
from twin.program import run_program

sys.path.insert(0, str(ROOT / "policy"))
import invariants  # noqa: E402

STACKS = {"dev": "cn-northwest-1", "us": "us-east-1"}
POLICIES = {p.name: p for p in invariants.POLICIES}
SCREEN = ["GET /", "GET /qrcode.js", "GET /night", "POST /night/checkin"]


def registered(stack: str, config: dict | None = None, monkeypatch=None) -> list[PolicyResource]:
    """The resources stack `stack`'s program registers, as the engine hands them to a policy pack:
    their inputs and outputs, their protect option, the AWS provider's region."""
    protected: dict[tuple[str, str], bool] = {}
    register = pulumi.runtime.mocks.MockMonitor.RegisterResource

    def recording(self, request):
        protected[(request.type, request.name)] = bool(request.protect)
        return register(self, request)

    monkeypatch.setattr(pulumi.runtime.mocks.MockMonitor, "RegisterResource", recording)
    mocks = RecordingMocks(STACKS[stack])
    if config:
        monkeypatch.setattr("twin.program.read_config", _with(config))
    run_program(ROOT, stack, mocks)
    provider = PolicyProviderResource("pulumi:providers:aws", {"region": STACKS[stack]}, "urn:provider", "default")
    resources = []
    for r in mocks.resources:
        options = PolicyResourceOptions(protected.get((r.typ, r.name), False), [], None, [], None, [])
        resources.append(PolicyResource(r.typ, mocks.states[(r.typ, r.name)], f"urn:{r.typ}::{r.name}", r.name, options,
                                        provider, None, [], {}))
    return resources


def _with(extra: dict):
    from twin import program

    read = program.read_config

    def read_config(project_dir, stack):
        project, config = read(project_dir, stack)
        return project, {**config, **extra}
    return read_config


def violations(resources: list[PolicyResource], config: dict | None = None) -> dict[str, list[str]]:
    """Each policy's violation messages over `resources`."""
    found: dict[str, list[str]] = {}
    for name, policy in POLICIES.items():
        messages: list[str] = []

        def report(message, urn=None, messages=messages):
            messages.append(message)
        if isinstance(policy, ResourceValidationPolicy):
            for r in resources:
                policy.validate(ResourceValidationArgs(r.resource_type, r.props, r.urn, r.name, r.opts, r.provider,
                                                       (config or {}).get(name, {})), report)
        else:
            policy.validate(StackValidationArgs(resources, {}), report)
        found[name] = messages
    return {name: messages for name, messages in found.items() if messages}


def test_the_us_stack_keeps_every_invariant_and_dev_waives_only_what_its_config_makes_advisory(monkeypatch):
    assert violations(registered("us", monkeypatch=monkeypatch)) == {}
    # Pulumi.dev.yaml turns protectWinners off (a stack to throw away); policy/dev.json, given as
    # --policy-pack-config, makes the two protection policies advisory for it, and only those.
    waived = json.loads((ROOT / "policy" / "dev.json").read_text())
    assert set(violations(registered("dev", monkeypatch=monkeypatch))) == set(waived) == {
        "winners-table-protected", "ledger-table-protected"}
    assert set(waived.values()) == {"advisory"}


def test_every_policy_has_its_enforcement_level_and_the_pack_names_them_all():
    assert {name: str(p.enforcement_level.value) for name, p in POLICIES.items()} == {
        "winners-table-protected": "mandatory", "ledger-table-protected": "advisory",
        "no-wildcard-iam-action": "mandatory", "roster-bucket-private-and-encrypted": "mandatory",
        "api-routes-signed": "mandatory", "no-lambda-tracing-in-china": "mandatory"}
    assert "PolicyPack(" in (ROOT / "policy" / "__main__.py").read_text()


def _one(resources, token: str, suffix: str) -> PolicyResource:
    (found,) = [r for r in resources if r.resource_type == token and r.name.lower().endswith(suffix.lower())]
    return found


def _unprotected(resources, suffix):
    table = _one(resources, invariants.TABLE, suffix)
    table.opts.protect = False
    table.props["deletionProtectionEnabled"] = False


def _wildcard(resources):
    policy = _one(resources, invariants.ROLE_POLICY, "-recordwinners-policy")
    policy.props["policy"] = policy.props["policy"].replace('"dynamodb:PutItem"', '"dynamodb:*"', 1)


def _public_bucket(resources):
    for r in resources:
        if r.resource_type == invariants.PUBLIC_ACCESS_BLOCK:
            r.props["blockPublicPolicy"] = False


def _unencrypted_bucket(resources):
    resources[:] = [r for r in resources if r.resource_type != invariants.ENCRYPTION]


def _public_route(resources):
    _one(resources, invariants.ROUTE, "-route-start-draw").props["authorizationType"] = "NONE"


def _traced_in_china(resources):
    for r in resources:  # the us stack (traced), moved to Ningxia with one function still traced
        if r.resource_type == invariants.FUNCTION:
            r.props["tracingConfig"] = {"mode": "PassThrough"}
        r.provider.props["region"] = "cn-northwest-1"
    _one(resources, invariants.FUNCTION, "-inputwinners").props["tracingConfig"] = {"mode": "Active"}


@pytest.mark.parametrize("break_it, policy, message", [
    # Two messages: Pulumi's protect and DynamoDB's deletion protection are both off.
    (lambda r: _unprotected(r, "-winners"), "winners-table-protected", "must be protected (Pulumi protect"),
    (lambda r: _unprotected(r, "-ledger"), "ledger-table-protected", "must be protected"),
    (_wildcard, "no-wildcard-iam-action", "allows 'dynamodb:*' (Action): list the exact actions"),
    (_public_bucket, "roster-bucket-private-and-encrypted", "must block public access"),
    (_unencrypted_bucket, "roster-bucket-private-and-encrypted", "must encrypt by default"),
    (_public_route, "api-routes-signed", "route 'POST /draws' must use AWS_IAM authorisation (it has 'NONE')"),
    (_traced_in_china, "no-lambda-tracing-in-china", "Active X-Ray tracing, which Lambda does not offer in the China"),
])
def test_a_stack_broken_on_purpose_fails_that_policy_once(break_it, policy, message, monkeypatch):
    resources = registered("us", monkeypatch=monkeypatch)
    broken = copy.deepcopy(resources)
    break_it(broken)
    found = violations(broken)
    assert list(found) == [policy] and message in found[policy][0], found
    assert len(found[policy]) == (2 if policy.endswith("-protected") else 1), found


def test_a_public_screen_passes_only_with_its_routes_listed_in_the_policy_config(monkeypatch):
    resources = registered("us", {"lottery:publicScreen": "true"}, monkeypatch)
    unlisted = violations(resources)
    assert list(unlisted) == ["api-routes-signed"] and len(unlisted["api-routes-signed"]) == len(SCREEN)
    assert violations(resources, {"api-routes-signed": {"publicRoutes": SCREEN}}) == {}


def test_tracing_is_allowed_outside_china(monkeypatch):
    resources = registered("us", monkeypatch=monkeypatch)
    _one(resources, invariants.FUNCTION, "-inputwinners").props["tracingConfig"] = {"mode": "Active"}
    assert violations(resources) == {}


def test_a_preview_of_a_new_stack_checks_what_it_can_know(monkeypatch):
    """In a preview, generated names and ARNs are unknown (the engine's markers, behind pulumi-policy's
    proxy): the bucket is matched to its access block and encryption by their inputs' dependencies,
    and a function's partition comes from the provider's region; neither policy gives up."""
    resources = registered("dev", monkeypatch=monkeypatch)
    bucket = _one(resources, invariants.BUCKET, "-roster")
    bucket.props = unknown_checking_proxy({**bucket.props, "bucket": UNKNOWN_STRING_VALUE, "id": UNKNOWN_STRING_VALUE})
    for r in resources:
        if r.resource_type in (invariants.PUBLIC_ACCESS_BLOCK, invariants.ENCRYPTION):
            r.props = unknown_checking_proxy({**r.props, "bucket": UNKNOWN_STRING_VALUE})
            r.property_dependencies = {"bucket": [bucket]}
        if r.resource_type == invariants.FUNCTION:
            r.props = unknown_checking_proxy({**r.props, "role": UNKNOWN_STRING_VALUE})
        if r.resource_type == invariants.ROLE_POLICY:  # a document built from ARNs: checked at `pulumi up`
            r.props = unknown_checking_proxy({**r.props, "policy": UNKNOWN_STRING_VALUE})
    assert set(violations(resources)) == {"winners-table-protected", "ledger-table-protected"}  # dev's waived two
    _public_bucket(resources)
    _one(resources, invariants.FUNCTION, "-inputwinners").props = unknown_checking_proxy(
        {"role": UNKNOWN_STRING_VALUE, "tracingConfig": {"mode": "Active"}})
    found = violations(resources)
    assert "must block public access" in found["roster-bucket-private-and-encrypted"][0]
    assert "Active X-Ray tracing" in found["no-lambda-tracing-in-china"][0]
