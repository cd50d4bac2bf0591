"""What the AWS provider answers that the lottery's program reads: the partition of a region, the
name a resource gets when the program names none, service principals, the zip of a code archive.
Shared by the twin's mocks and the tests' recording mocks."""

import hashlib
import io
import zipfile

import pulumi

# Region to partition, as the provider's getPartition answers.
CHINA_REGIONS = ("cn-north-1", "cn-northwest-1")


def partition_of(region: str) -> dict:
    china = region in CHINA_REGIONS
    return {
        "id": "aws-cn" if china else "aws",
        "partition": "aws-cn" if china else "aws",
        "dnsSuffix": "amazonaws.com.cn" if china else "amazonaws.com",
        "reverseDnsPrefix": "cn.com.amazonaws" if china else "com.amazonaws",
    }


# Resources the provider names itself when the program gives no name (Pulumi's auto-naming).
AUTO_NAMED = (
    "aws:dynamodb/table:Table", "aws:sns/topic:Topic", "aws:cloudwatch/logGroup:LogGroup", "aws:iam/role:Role",
    "aws:lambda/function:Function", "aws:sfn/stateMachine:StateMachine", "aws:apigatewayv2/api:Api",
    "aws:sqs/queue:Queue", "aws:cloudwatch/eventBus:EventBus", "aws:cloudwatch/eventRule:EventRule",
    "aws:cloudwatch/metricAlarm:MetricAlarm",
)


def physical_name(args: pulumi.runtime.MockResourceArgs) -> str | None:
    """The name `pulumi up` would give: the program's own, else its prefix or the resource's logical
    name followed by a suffix; the suffix is derived from the logical name, so the same stack keeps
    its names from run to run, as a deployed stack keeps them from update to update."""
    if args.typ not in AUTO_NAMED:
        return None
    if args.inputs.get("name"):
        return args.inputs["name"]
    suffix = hashlib.sha256(f"{args.typ}/{args.name}".encode()).hexdigest()[:7]
    return f"{args.inputs['namePrefix']}{suffix}" if args.inputs.get("namePrefix") else f"{args.name}-{suffix}"


def service_principal(args: pulumi.runtime.MockCallArgs) -> dict:
    """getServicePrincipal's answer: `<service>.amazonaws.com` for every service the lottery uses,
    in both partitions."""
    service = args.args["serviceName"]
    return {"id": f"{service}.amazonaws.com", "name": f"{service}.amazonaws.com", "serviceName": service,
            "suffix": "com", "region": args.args.get("region") or ""}


def archive_bytes(archive) -> bytes:
    """The zip `pulumi up` would upload for a Lambda `code` AssetArchive of FileAssets."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, asset in sorted(archive.assets.items()):
            if not isinstance(asset, pulumi.FileAsset):
                raise TypeError(f"offline deploys take FileAssets in a code archive, not {type(asset).__name__} ({name})")
            zf.write(asset.path, name)
    return buffer.getvalue()
