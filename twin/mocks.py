"""Pulumi mocks that create every resource in moto and answer with moto's own ids and ARNs."""

import uuid
from typing import Any

import boto3
import pulumi

from .provider import archive_bytes, partition_of, physical_name, service_principal


class MotoMocks(pulumi.runtime.Mocks):
    """Each `new_resource` is a boto3 call against moto (which must be active)."""

    def __init__(self, region: str):
        self.region = region
        self.partition = partition_of(region)
        self.created: list[tuple[str, str]] = []  # (type token, physical id), in creation order
        self._clients: dict[str, Any] = {}

    def client(self, service: str):
        if service not in self._clients:
            self._clients[service] = boto3.client(service, region_name=self.region)
        return self._clients[service]

    def call(self, args: pulumi.runtime.MockCallArgs):
        if args.token == "aws:index/getPartition:getPartition":
            return self.partition
        if args.token == "aws:index/getServicePrincipal:getServicePrincipal":
            return service_principal(args)
        if args.token == "aws:index/getRegion:getRegion":
            return {"id": self.region, "name": self.region, "region": self.region}
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            identity = self.client("sts").get_caller_identity()
            return {"accountId": identity["Account"], "arn": identity["Arn"], "userId": identity["UserId"], "id": identity["Account"]}
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
            "aws:s3/bucket:Bucket": self._bucket,
            "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": self._public_access_block,
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": self._bucket_encryption,
            "aws:s3/bucketVersioning:BucketVersioning": self._bucket_versioning,
            "aws:s3/bucketNotification:BucketNotification": self._bucket_notification,
            "aws:sqs/queue:Queue": self._queue,
            "aws:sqs/queuePolicy:QueuePolicy": self._queue_policy,
            "aws:cloudwatch/eventBus:EventBus": self._event_bus,
            "aws:cloudwatch/eventRule:EventRule": self._event_rule,
            "aws:cloudwatch/eventTarget:EventTarget": self._event_target,
            "aws:cloudwatch/metricAlarm:MetricAlarm": self._metric_alarm,
            "aws:lambda/eventSourceMapping:EventSourceMapping": self._event_source_mapping,
            "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": self._event_invoke_config,
        }.get(args.typ)
        if create is None:
            raise NotImplementedError(f"the offline runtime cannot create {args.typ} ({args.name})")
        name = physical_name(args)
        inputs = {**args.inputs, "name": name} if name else args.inputs
        physical_id, extra = create(inputs)
        self.created.append((args.typ, physical_id))
        return physical_id, {**inputs, **extra}

    def _table(self, i):
        attributes = [{"AttributeName": a["name"], "AttributeType": a["type"]} for a in i["attributes"]]
        kwargs = {}
        if i.get("globalSecondaryIndexes"):
            kwargs["GlobalSecondaryIndexes"] = [{
                "IndexName": g["name"],
                "KeySchema": [{"AttributeName": k["attributeName"], "KeyType": k["keyType"]} for k in g["keySchemas"]],
                "Projection": {"ProjectionType": g["projectionType"]},
            } for g in i["globalSecondaryIndexes"]]
        if i.get("streamEnabled"):
            kwargs["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": i["streamViewType"]}
        table = self.client("dynamodb").create_table(
            TableName=i["name"], AttributeDefinitions=attributes,
            KeySchema=[{"AttributeName": i["hashKey"], "KeyType": "HASH"},
                       *([{"AttributeName": i["rangeKey"], "KeyType": "RANGE"}] if i.get("rangeKey") else [])],
            BillingMode=i.get("billingMode", "PAY_PER_REQUEST"), **kwargs,
        )["TableDescription"]
        return i["name"], {"arn": table["TableArn"], "streamArn": table.get("LatestStreamArn")}

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
        statement = i["principal"].split(".")[0] + "-invoke"
        extra = {"SourceAccount": i["sourceAccount"]} if i.get("sourceAccount") else {}
        self.client("lambda").add_permission(
            FunctionName=i["function"], StatementId=statement, Action=i["action"],
            Principal=i["principal"], SourceArn=i["sourceArn"], **extra,
        )
        return statement, {"statementId": statement}

    def _bucket(self, i):
        name = i.get("bucket") or f"{i['bucketPrefix']}{uuid.uuid4().hex[:12]}"
        location = {} if self.region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": self.region}}
        self.client("s3").create_bucket(Bucket=name, **location)
        return name, {"bucket": name, "arn": f"arn:{self.partition['partition']}:s3:::{name}"}

    def _public_access_block(self, i):
        self.client("s3").put_public_access_block(Bucket=i["bucket"], PublicAccessBlockConfiguration={
            "BlockPublicAcls": i["blockPublicAcls"], "IgnorePublicAcls": i["ignorePublicAcls"],
            "BlockPublicPolicy": i["blockPublicPolicy"], "RestrictPublicBuckets": i["restrictPublicBuckets"]})
        return i["bucket"], {}

    def _bucket_encryption(self, i):
        rules = [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": r["applyServerSideEncryptionByDefault"]["sseAlgorithm"]}}
                 for r in i["rules"]]
        self.client("s3").put_bucket_encryption(Bucket=i["bucket"], ServerSideEncryptionConfiguration={"Rules": rules})
        return i["bucket"], {}

    def _bucket_versioning(self, i):
        self.client("s3").put_bucket_versioning(
            Bucket=i["bucket"], VersioningConfiguration={"Status": i["versioningConfiguration"]["status"]})
        return i["bucket"], {}

    def _bucket_notification(self, i):
        configurations = [{
            "LambdaFunctionArn": f["lambdaFunctionArn"], "Events": f["events"],
            **({"Filter": {"Key": {"FilterRules": [{"Name": "suffix", "Value": f["filterSuffix"]}]}}} if f.get("filterSuffix") else {}),
        } for f in i.get("lambdaFunctions", [])]
        self.client("s3").put_bucket_notification_configuration(
            Bucket=i["bucket"], NotificationConfiguration={"LambdaFunctionConfigurations": configurations})
        return i["bucket"], {}

    def _queue(self, i):
        sqs = self.client("sqs")
        url = sqs.create_queue(QueueName=i["name"])["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, {"arn": arn, "url": url}

    def _queue_policy(self, i):
        self.client("sqs").set_queue_attributes(QueueUrl=i["queueUrl"], Attributes={"Policy": i["policy"]})
        return i["queueUrl"], {}

    def _event_bus(self, i):
        arn = self.client("events").create_event_bus(Name=i["name"])["EventBusArn"]
        return i["name"], {"arn": arn}

    def _event_rule(self, i):
        arn = self.client("events").put_rule(
            Name=i["name"], EventBusName=i.get("eventBusName", "default"), EventPattern=i["eventPattern"])["RuleArn"]
        return i["name"], {"arn": arn}

    def _event_target(self, i):
        target_id = i.get("targetId") or "target-1"
        self.client("events").put_targets(Rule=i["rule"], EventBusName=i.get("eventBusName", "default"),
                                          Targets=[{"Id": target_id, "Arn": i["arn"]}])
        return f"{i['rule']}-{target_id}", {"targetId": target_id}

    def _metric_alarm(self, i):
        self.client("cloudwatch").put_metric_alarm(
            AlarmName=i["name"], Namespace=i["namespace"], MetricName=i["metricName"],
            Dimensions=[{"Name": k, "Value": v} for k, v in i["dimensions"].items()], Statistic=i["statistic"],
            Period=int(i["period"]), EvaluationPeriods=int(i["evaluationPeriods"]), Threshold=float(i["threshold"]),
            ComparisonOperator=i["comparisonOperator"], TreatMissingData=i.get("treatMissingData", "missing"),
            AlarmActions=i.get("alarmActions") or [])
        (alarm,) = self.client("cloudwatch").describe_alarms(AlarmNames=[i["name"]])["MetricAlarms"]
        return i["name"], {"arn": alarm["AlarmArn"]}

    def _event_source_mapping(self, i):
        mapping = self.client("lambda").create_event_source_mapping(
            EventSourceArn=i["eventSourceArn"], FunctionName=i["functionName"], StartingPosition=i["startingPosition"],
            BatchSize=int(i.get("batchSize", 100)), MaximumRetryAttempts=int(i.get("maximumRetryAttempts", -1)),
            BisectBatchOnFunctionError=i.get("bisectBatchOnFunctionError", False),
            DestinationConfig={"OnFailure": {"Destination": i["destinationConfig"]["onFailure"]["destinationArn"]}},
        )
        return mapping["UUID"], {"uuid": mapping["UUID"]}

    def _event_invoke_config(self, i):
        self.client("lambda").put_function_event_invoke_config(
            FunctionName=i["functionName"], MaximumRetryAttempts=int(i["maximumRetryAttempts"]),
            DestinationConfig={"OnFailure": {"Destination": i["destinationConfig"]["onFailure"]["destination"]}})
        return i["functionName"], {}
