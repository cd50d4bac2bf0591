"""Pulumi mocks that create every resource in moto and answer with moto's own ids and ARNs."""

import io
import json
import zipfile

import boto3
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


def archive_bytes(archive) -> bytes:
    """The zip `pulumi up` would upload for a Lambda `code` AssetArchive of FileAssets."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, asset in sorted(archive.assets.items()):
            if not isinstance(asset, pulumi.FileAsset):
                raise TypeError(f"offline deploys take FileAssets in a code archive, not {type(asset).__name__} ({name})")
            zf.write(asset.path, name)
    return buffer.getvalue()


class MotoMocks(pulumi.runtime.Mocks):
    """Each `new_resource` is a boto3 call against moto (which must be active)."""

    def __init__(self, region: str):
        self.region = region
        self.partition = partition_of(region)
        self.created: list[tuple[str, str]] = []  # (type token, physical id), in creation order
        self._clients = {}

    def client(self, service: str):
        if service not in self._clients:
            self._clients[service] = boto3.client(service, region_name=self.region)
        return self._clients[service]

    def call(self, args: pulumi.runtime.MockCallArgs):
        if args.token == "aws:index/getPartition:getPartition":
            return self.partition
        raise NotImplementedError(f"the offline runtime does not answer {args.token}")

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        if not args.custom:  # a component: nothing to create
            return args.name, args.inputs
        create = {
            "aws:dynamodb/table:Table": self._table,
            "aws:sns/topic:Topic": self._topic,
            "aws:sns/topicSubscription:TopicSubscription": self._topic_subscription,
            "aws:cloudwatch/logGroup:LogGroup": self._log_group,
            "aws:iam/role:Role": self._role,
            "aws:iam/rolePolicy:RolePolicy": self._role_policy,
            "aws:lambda/function:Function": self._function,
            "aws:sfn/stateMachine:StateMachine": self._state_machine,
            "aws:apigatewayv2/api:Api": self._http_api,
            "aws:apigatewayv2/integration:Integration": self._integration,
            "aws:apigatewayv2/route:Route": self._route,
            "aws:apigatewayv2/stage:Stage": self._stage,
            "aws:lambda/permission:Permission": self._permission,
        }.get(args.typ)
        if create is None:
            raise NotImplementedError(f"the offline runtime cannot create {args.typ} ({args.name})")
        physical_id, extra = create(args.inputs)
        self.created.append((args.typ, physical_id))
        return physical_id, {**args.inputs, **extra}

    def _table(self, i):
        attributes = [{"AttributeName": a["name"], "AttributeType": a["type"]} for a in i["attributes"]]
        kwargs = {}
        if i.get("globalSecondaryIndexes"):
            kwargs["GlobalSecondaryIndexes"] = [{
                "IndexName": g["name"],
                "KeySchema": [{"AttributeName": k["attributeName"], "KeyType": k["keyType"]} for k in g["keySchemas"]],
                "Projection": {"ProjectionType": g["projectionType"]},
            } for g in i["globalSecondaryIndexes"]]
        table = self.client("dynamodb").create_table(
            TableName=i["name"], AttributeDefinitions=attributes,
            KeySchema=[{"AttributeName": i["hashKey"], "KeyType": "HASH"}],
            BillingMode=i.get("billingMode", "PAY_PER_REQUEST"), **kwargs,
        )["TableDescription"]
        return i["name"], {"arn": table["TableArn"]}

    def _topic(self, i):
        arn = self.client("sns").create_topic(Name=i["name"], Attributes={"DisplayName": i.get("displayName", "")})["TopicArn"]
        return arn, {"arn": arn}

    def _topic_subscription(self, i):
        arn = self.client("sns").subscribe(TopicArn=i["topic"], Protocol=i["protocol"], Endpoint=i["endpoint"])["SubscriptionArn"]
        return arn, {"arn": arn}

    def _log_group(self, i):
        logs = self.client("logs")
        logs.create_log_group(logGroupName=i["name"])
        if i.get("retentionInDays"):
            logs.put_retention_policy(logGroupName=i["name"], retentionInDays=int(i["retentionInDays"]))
        arn = logs.describe_log_groups(logGroupNamePrefix=i["name"])["logGroups"][0]["arn"]
        return i["name"], {"arn": arn.removesuffix(":*")}  # as the provider reports it

    def _role(self, i):
        role = self.client("iam").create_role(RoleName=i["name"], AssumeRolePolicyDocument=i["assumeRolePolicy"])["Role"]
        return i["name"], {"arn": role["Arn"], "uniqueId": role["RoleId"]}

    def _role_policy(self, i):
        name = f"{i['role']}-policy"
        self.client("iam").put_role_policy(RoleName=i["role"], PolicyName=name, PolicyDocument=i["policy"])
        return f"{i['role']}:{name}", {"name": name}

    def _function(self, i):
        function = self.client("lambda").create_function(
            FunctionName=i["name"], Role=i["role"], Runtime=i["runtime"], Handler=i["handler"],
            Code={"ZipFile": archive_bytes(i["code"])},
            Timeout=int(i.get("timeout", 3)), MemorySize=int(i.get("memorySize", 128)),
            Environment={"Variables": (i.get("environment") or {}).get("variables", {})},
        )
        return i["name"], {"arn": function["FunctionArn"], "invokeArn": function["FunctionArn"]}

    def _state_machine(self, i):
        arn = self.client("stepfunctions").create_state_machine(
            name=i["name"], definition=i["definition"], roleArn=i["roleArn"], type=i.get("type", "STANDARD"),
        )["stateMachineArn"]
        return arn, {"arn": arn}

    def _http_api(self, i):
        api = self.client("apigatewayv2").create_api(Name=i["name"], ProtocolType=i["protocolType"])
        account = self.client("sts").get_caller_identity()["Account"]
        arn = f"arn:{self.partition['partition']}:execute-api:{self.region}:{account}:{api['ApiId']}"
        return api["ApiId"], {"apiEndpoint": api["ApiEndpoint"], "executionArn": arn}

    def _integration(self, i):
        integration = self.client("apigatewayv2").create_integration(
            ApiId=i["apiId"], IntegrationType=i["integrationType"], IntegrationUri=i["integrationUri"],
            PayloadFormatVersion=i.get("payloadFormatVersion", "2.0"),
        )
        return integration["IntegrationId"], {}

    def _route(self, i):
        route = self.client("apigatewayv2").create_route(
            ApiId=i["apiId"], RouteKey=i["routeKey"], AuthorizationType=i.get("authorizationType", "NONE"),
            Target=i["target"],
        )
        return route["RouteId"], {}

    def _stage(self, i):
        self.client("apigatewayv2").create_stage(ApiId=i["apiId"], StageName=i["name"], AutoDeploy=i.get("autoDeploy", False))
        endpoint = self.client("apigatewayv2").get_api(ApiId=i["apiId"])["ApiEndpoint"]
        return i["name"], {"invokeUrl": f"{endpoint}/"}

    def _permission(self, i):
        statement = "apigateway-invoke"
        self.client("lambda").add_permission(
            FunctionName=i["function"], StatementId=statement, Action=i["action"],
            Principal=i["principal"], SourceArn=i["sourceArn"],
        )
        return statement, {"statementId": statement}
