"""IAM policy documents of the lottery: exact actions on exact ARNs, one role each.

Pure functions of resolved ARNs, so tests and `parliament` can read the very documents deployed.
"""

VERSION = "2012-10-17"


def allow(sid: str, actions: list[str], resources: list[str], condition: dict | None = None) -> dict:
    return {"Sid": sid, "Effect": "Allow", "Action": sorted(actions), "Resource": sorted(resources),
            **({"Condition": condition} if condition else {})}


def document(statements: list[dict]) -> dict:
    return {"Version": VERSION, "Statement": statements}


def assume_role(service_principal: str, account: str, source_arn: str | None = None) -> dict:
    """A service may take the role only on behalf of this account (and, given `source_arn`, of those
    resources): the confused-deputy guard AWS recommends for service roles."""
    condition = {"StringEquals": {"aws:SourceAccount": account}}
    if source_arn:
        condition["ArnLike"] = {"aws:SourceArn": source_arn}
    return document([{"Effect": "Allow", "Principal": {"Service": service_principal}, "Action": "sts:AssumeRole",
                      "Condition": condition}])


# X-Ray's write actions take no resource-level permissions: AWS documents them on "*" only.
_TRACE_ACTIONS = ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]


def function_policy(log_group_arn: str, statements: list[dict], tracing: bool = False) -> dict:
    """A Lambda function's role: write its own log group's streams, the statements of its spec and,
    with Active tracing, X-Ray's write actions (Lambda requires them at CreateFunction)."""
    own = [allow("WriteOwnLogs", ["logs:CreateLogStream", "logs:PutLogEvents"], [f"{log_group_arn}:log-stream:*"])]
    if tracing:
        own.append(allow("SendTraces", _TRACE_ACTIONS, ["*"]))
    return document(own + statements)


def queue_policy(queue_arn: str, service_principal: str, source_arn: str) -> dict:
    """Let one AWS service send to the queue, for one source (a rule, a topic) only."""
    return document([{
        "Sid": "AllowOneSource", "Effect": "Allow", "Principal": {"Service": service_principal},
        "Action": "sqs:SendMessage", "Resource": queue_arn,
        "Condition": {"ArnEquals": {"aws:SourceArn": source_arn}},
    }])


def state_machine_policy(function_arns: list[str], topic_arn: str, draws_table_arn: str, logging: bool, tracing: bool) -> dict:
    """The state machine's role: invoke the four functions, publish to the topic, mark the draw
    announced; log and trace if asked."""
    statements = [
        allow("InvokeLotteryFunctions", ["lambda:InvokeFunction"], function_arns),
        allow("AnnounceWinners", ["sns:Publish"], [topic_arn]),
        allow("RecordAnnouncement", ["dynamodb:UpdateItem"], [draws_table_arn]),
    ]
    if logging:
        # CloudWatch Logs delivery for Step Functions takes no resource-level permissions:
        # AWS documents these actions on "*" only.
        statements.append(allow("DeliverExecutionLogs", [
            "logs:CreateLogDelivery", "logs:DeleteLogDelivery", "logs:DescribeLogGroups",
            "logs:DescribeResourcePolicies", "logs:GetLogDelivery", "logs:ListLogDeliveries",
            "logs:PutResourcePolicy", "logs:UpdateLogDelivery",
        ], ["*"]))
    if tracing:
        statements.append(allow("SendTraces", ["xray:GetSamplingRules", "xray:GetSamplingTargets", *_TRACE_ACTIONS], ["*"]))
    return document(statements)
