"""IAM policy documents of the lottery: exact actions on exact ARNs, one role each.

Pure functions of resolved ARNs, so tests and `parliament` can read the very documents deployed.
"""

VERSION = "2012-10-17"


def _allow(sid: str, actions: list[str], resources: list[str]) -> dict:
    return {"Sid": sid, "Effect": "Allow", "Action": sorted(actions), "Resource": sorted(resources)}


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


def function_policy(function: str, log_group_arn: str, arns: dict[str, str], tracing: bool = False) -> dict:
    """The policy of one Lambda function's role.

    `arns` holds employee_table, employee_index, winners_table and draws_table; for the API
    function, state_machine and winners_by_time_index. With `tracing` (Active X-Ray tracing),
    Lambda requires the trace write actions at CreateFunction.
    """
    statements = [_allow("WriteOwnLogs", ["logs:CreateLogStream", "logs:PutLogEvents"], [f"{log_group_arn}:log-stream:*"])]
    if tracing:
        statements.append(_allow("SendTraces", _TRACE_ACTIONS, ["*"]))
    if function == "RandomSelectWinners":
        statements += [
            _allow("HoldPool", ["dynamodb:GetItem", "dynamodb:UpdateItem"], [arns["draws_table"]]),
            _allow("FindEmployeeBySerial", ["dynamodb:Query"], [arns["employee_index"]]),
        ]
    elif function == "ValidateWinners":
        statements += [_allow("ReadPastWinners", ["dynamodb:BatchGetItem"], [arns["winners_table"]])]
    elif function == "RecordWinners":
        # TransactWriteItems is authorised action by action: Put and Update on each table.
        statements += [
            _allow("RecordDrawAndPool", ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], [arns["draws_table"]]),
            _allow("RecordWinners", ["dynamodb:PutItem"], [arns["winners_table"]]),
            _allow("MoveSerials", ["dynamodb:UpdateItem"], [arns["employee_table"]]),
        ]
    elif function == "Api":
        # `arns` holds state_machine and winners_by_time_index.
        executions = arns["state_machine"].replace(":stateMachine:", ":execution:") + ":*"
        statements += [
            _allow("StartDraws", ["states:StartExecution"], [arns["state_machine"]]),
            _allow("ReadDraws", ["states:DescribeExecution"], [executions]),
            _allow("ListWinners", ["dynamodb:Query"], [arns["winners_by_time_index"]]),
        ]
    elif function == "ImportRoster":
        statements += [
            _allow("ReadUploadedRosters", ["s3:GetObject", "s3:GetObjectVersion"], [f"{arns['roster_bucket']}/*"]),
            _allow("ReadRosterAndWinners", ["dynamodb:Scan"], [arns["employee_table"], arns["winners_table"]]),
            _allow("ReplaceRoster", ["dynamodb:BatchWriteItem"], [arns["employee_table"]]),
            _allow("OpenPool", ["dynamodb:PutItem"], [arns["draws_table"]]),
            _allow("RejectRosters", ["sns:Publish"], [arns["rejections_topic"]]),
            _allow("SendFailures", ["sqs:SendMessage"], [arns["dead_letters"]]),
        ]
    elif function == "PublishWinnerEvents":
        statements += [
            # The Winners table's streams (a stream's own ARN ends in a timestamp that changes if the
            # stream is ever turned off and on again).
            _allow("ReadWinnersStream", ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
                   [f"{arns['winners_table']}/stream/*"]),
            # The stream's event source mapping lists streams; ListStreams takes no resource-level permission.
            _allow("FindWinnersStream", ["dynamodb:ListStreams"], ["*"]),
            _allow("PublishWinnerEvents", ["events:PutEvents"], [arns["event_bus"]]),
            _allow("SendFailures", ["sqs:SendMessage"], [arns["dead_letters"]]),
        ]
    elif function != "InputWinners":
        raise ValueError(f"no policy for function {function}")
    return document(statements)


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
        _allow("InvokeLotteryFunctions", ["lambda:InvokeFunction"], function_arns),
        _allow("AnnounceWinners", ["sns:Publish"], [topic_arn]),
        _allow("RecordAnnouncement", ["dynamodb:UpdateItem"], [draws_table_arn]),
    ]
    if logging:
        # CloudWatch Logs delivery for Step Functions takes no resource-level permissions:
        # AWS documents these actions on "*" only.
        statements.append(_allow("DeliverExecutionLogs", [
            "logs:CreateLogDelivery", "logs:DeleteLogDelivery", "logs:DescribeLogGroups",
            "logs:DescribeResourcePolicies", "logs:GetLogDelivery", "logs:ListLogDeliveries",
            "logs:PutResourcePolicy", "logs:UpdateLogDelivery",
        ], ["*"]))
    if tracing:
        statements.append(_allow("SendTraces", ["xray:GetSamplingRules", "xray:GetSamplingTargets", *_TRACE_ACTIONS], ["*"]))
    return document(statements)
