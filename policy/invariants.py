"""The lottery's invariants, as CrossGuard policies: any stack that uses LotteryWorkflow (or builds
the same resources by hand) is checked against them at `pulumi preview --policy-pack policy`.

Each validation function takes the engine's arguments and a `report` callable; the tests run them
on the resources the stack program registers under Pulumi's mocks.
"""

import json

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

TABLE, ROLE_POLICY, POLICY = "aws:dynamodb/table:Table", "aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy"
BUCKET = "aws:s3/bucket:Bucket"
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
ENCRYPTION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
ROUTE, FUNCTION = "aws:apigatewayv2/route:Route", "aws:lambda/function:Function"
BLOCKS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")


def _kept(table: str, holds: str):
    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        if args.resource_type != TABLE or not args.name.lower().endswith(f"-{table.lower()}"):
            return
        if not args.opts.protect:
            report(f"the {table} table {args.name} must be protected (Pulumi protect: lottery:protectWinners true):"
                   f" `pulumi destroy` or a replacement would delete {holds}", None)
        if args.props.get("deletionProtectionEnabled") is not True:
            report(f"the {table} table {args.name} must have DynamoDB deletion protection (deletionProtectionEnabled)", None)
    return validate


def _actions(document) -> list[str]:
    """Every Action and NotAction of an IAM policy document (a JSON string or an object)."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return []
    statements = document.get("Statement", []) if isinstance(document, dict) else []
    found = []
    for statement in statements if isinstance(statements, list) else [statements]:
        for key in ("Action", "NotAction"):
            value = statement.get(key, [])
            found += [f"{key}:{v}" for v in ([value] if isinstance(value, str) else value)]
    return found


def no_wildcard_action(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in (ROLE_POLICY, POLICY):
        return
    try:
        document = args.props.get("policy")
    except UnknownValueError:  # built from ARNs a preview does not know yet: checked at `pulumi up`
        return
    for action in _actions(document):
        key, _, value = action.partition(":")
        if key == "NotAction" or "*" in value:
            report(f"{args.name} allows {value!r} ({key}): list the exact actions the role needs", None)


def bucket_private_and_encrypted(args: StackValidationArgs, report: ReportViolation) -> None:
    by_type: dict[str, list] = {}
    for resource in args.resources:
        by_type.setdefault(resource.resource_type, []).append(resource)

    def of(bucket, token: str) -> list:
        """The resources of type `token` that configure `bucket`: by their `bucket` input's dependency
        (what a preview knows, before the bucket's generated name is), else by that name."""
        linked = [r for r in by_type.get(token, []) if any(d.urn == bucket.urn for d in r.property_dependencies.get("bucket", []))]
        if linked:
            return linked
        try:
            names = {bucket.props.get("bucket"), bucket.props.get("id")} - {None}
            return [r for r in by_type.get(token, []) if r.props.get("bucket") in names]
        except UnknownValueError:
            return []

    for bucket in by_type.get(BUCKET, []):
        blocks = of(bucket, PUBLIC_ACCESS_BLOCK)
        if not any(all(b.props.get(flag) is True for flag in BLOCKS) for b in blocks):
            report(f"bucket {bucket.name} must block public access: a BucketPublicAccessBlock with {', '.join(BLOCKS)} true",
                   bucket.urn)
        rules = [rule for e in of(bucket, ENCRYPTION) for rule in e.props.get("rules") or []]
        if not any((rule.get("applyServerSideEncryptionByDefault") or {}).get("sseAlgorithm") in ("AES256", "aws:kms")
                   for rule in rules):
            report(f"bucket {bucket.name} must encrypt by default: a BucketServerSideEncryptionConfiguration"
                   " (AES256 or aws:kms)", bucket.urn)


def routes_signed(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != ROUTE:
        return
    public = set((args.get_config() or {}).get("publicRoutes") or [])
    route, authorization = args.props.get("routeKey"), args.props.get("authorizationType")
    if authorization != "AWS_IAM" and route not in public:
        report(f"route {route!r} must use AWS_IAM authorisation (it has {authorization!r}); a route meant to be public"
               " is listed in this policy's publicRoutes", None)


def _in_china(args: ResourceValidationArgs) -> bool:
    """By the provider's region, which a preview knows; else by the role's ARN, once it is known."""
    region = str((args.provider.props.get("region") if args.provider else None) or "")
    if region:
        return region.startswith("cn-")
    try:
        return str(args.props.get("role") or "").startswith("arn:aws-cn:")
    except UnknownValueError:
        return False


def no_tracing_in_china(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != FUNCTION or (args.props.get("tracingConfig") or {}).get("mode") != "Active":
        return
    if _in_china(args):
        report(f"function {args.name} has Active X-Ray tracing, which Lambda does not offer in the China regions:"
               " set its tracing mode to PassThrough (LotteryWorkflow does for aws-cn)", None)


POLICIES = [
    ResourceValidationPolicy(
        name="winners-table-protected", enforcement_level=EnforcementLevel.MANDATORY, validate=_kept("Winners", "the record of who won"),
        description="The Winners table is protected by Pulumi and by DynamoDB: it is the record of who won."),
    ResourceValidationPolicy(
        name="ledger-table-protected", enforcement_level=EnforcementLevel.ADVISORY, validate=_kept("Ledger", "every draw's record"),
        description="The Ledger table is protected too: verifying past draws needs every record."),
    ResourceValidationPolicy(
        name="no-wildcard-iam-action", enforcement_level=EnforcementLevel.MANDATORY, validate=no_wildcard_action,
        description="Every IAM policy lists exact actions: no `*`, no `service:*`, no NotAction."),
    StackValidationPolicy(
        name="roster-bucket-private-and-encrypted", enforcement_level=EnforcementLevel.MANDATORY,
        validate=bucket_private_and_encrypted,
        description="Every bucket (the roster bucket holds names) blocks public access and encrypts by default."),
    ResourceValidationPolicy(
        name="api-routes-signed", enforcement_level=EnforcementLevel.MANDATORY, validate=routes_signed,
        description="Every API route uses AWS_IAM, unless this policy's publicRoutes lists it.",
        config_schema=PolicyConfigSchema(properties={"publicRoutes": {
            "type": "array", "items": {"type": "string"}, "default": [],
            "description": "Route keys allowed without signing (lottery:publicScreen's: GET /, GET /qrcode.js,"
                           " GET /night, POST /night/checkin)"}})),
    ResourceValidationPolicy(
        name="no-lambda-tracing-in-china", enforcement_level=EnforcementLevel.MANDATORY, validate=no_tracing_in_china,
        description="No function asks for Active X-Ray tracing in aws-cn, where Lambda does not offer it."),
]
