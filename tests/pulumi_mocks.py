"""Pulumi mocks that record every resource and answer with ARNs of the stack's own partition and region."""

import pulumi

from twin.provider import partition_of, physical_name, service_principal

ACCOUNT = "123456789012"
ARNS = {  # type token: (service, resource part of the ARN)
    "aws:dynamodb/table:Table": ("dynamodb", "table/{name}"),
    "aws:sns/topic:Topic": ("sns", "{name}"),
    "aws:cloudwatch/logGroup:LogGroup": ("logs", "log-group:{name}"),
    "aws:iam/role:Role": ("iam", "role/{name}"),
    "aws:lambda/function:Function": ("lambda", "function:{name}"),
    "aws:sfn/stateMachine:StateMachine": ("states", "stateMachine:{name}"),
    "aws:sqs/queue:Queue": ("sqs", "{name}"),
    "aws:cloudwatch/eventBus:EventBus": ("events", "event-bus/{name}"),
    "aws:cloudwatch/eventRule:EventRule": ("events", "rule/{eventBusName}/{name}"),
}


class RecordingMocks(pulumi.runtime.Mocks):
    def __init__(self, region: str):
        self.region, self.partition = region, partition_of(region)
        self.resources: list[pulumi.runtime.MockResourceArgs] = []
        self.states: dict[tuple[str, str], dict] = {}  # (type, logical name): the state answered

    def call(self, args):
        if args.token == "aws:index/getServicePrincipal:getServicePrincipal":
            return service_principal(args)
        if args.token == "aws:index/getRegion:getRegion":
            return {"id": self.region, "name": self.region, "region": self.region}
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": ACCOUNT, "arn": f"arn:{self.partition['partition']}:iam::{ACCOUNT}:user/test",
                    "id": ACCOUNT, "userId": "AIDTEST"}
        assert args.token == "aws:index/getPartition:getPartition", args.token
        return self.partition

    def new_resource(self, args):
        self.resources.append(args)
        state = dict(args.inputs)
        physical_id = physical_name(args) or args.inputs.get("name", args.name)
        if physical_id != args.name:
            state["name"] = physical_id
        if args.typ in ARNS:
            service, resource = ARNS[args.typ]
            region = "" if service == "iam" else self.region
            state["arn"] = f"arn:{self.partition['partition']}:{service}:{region}:{ACCOUNT}:{resource.format(**state)}"
        elif args.typ == "aws:s3/bucket:Bucket":
            physical_id = f"{args.inputs['bucketPrefix']}0001"
            state.update(bucket=physical_id, arn=f"arn:{self.partition['partition']}:s3:::{physical_id}")
        elif args.typ == "aws:apigatewayv2/api:Api":
            physical_id = "a1b2c3"
            state["executionArn"] = f"arn:{self.partition['partition']}:execute-api:{self.region}:{ACCOUNT}:{physical_id}"
            state["apiEndpoint"] = f"https://{physical_id}.execute-api.{self.region}.{self.partition['dnsSuffix']}"
        elif args.typ == "aws:apigatewayv2/stage:Stage":
            state["invokeUrl"] = f"https://{args.inputs['apiId']}.execute-api.{self.region}.{self.partition['dnsSuffix']}/"
        elif args.typ == "aws:apigatewayv2/integration:Integration":
            physical_id = "int123"
        if args.typ == "aws:sqs/queue:Queue":
            state["url"] = f"https://sqs.{self.region}.{self.partition['dnsSuffix']}/{ACCOUNT}/{physical_id}"
        if args.typ == "aws:dynamodb/table:Table" and args.inputs.get("streamEnabled"):
            state["streamArn"] = f"{state['arn']}/stream/2026-11-23T00:00:00.000"
        self.states[(args.typ, args.name)] = state
        return physical_id, state

    def of_type(self, token: str) -> list:
        return [r for r in self.resources if r.typ == token]

    def one(self, token: str, logical_suffix: str):
        """The one resource of type `token` whose logical name ends with `logical_suffix` (any case)."""
        (found,) = [r for r in self.of_type(token) if r.name.lower().endswith(logical_suffix.lower())]
        return found

    def state(self, token: str, logical_suffix: str) -> dict:
        """What the mocks answered for that one resource: its inputs, physical name and ARN."""
        return self.states[(token, self.one(token, logical_suffix).name)]
