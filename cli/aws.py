"""`--target aws`: the same commands against a deployed stack, found from Pulumi's outputs or its ARN."""

import json
import shutil
import subprocess

import boto3
from botocore.exceptions import ClientError

from .siblings import Lottery

RECORD_STATE = "Record In Dynamodb"  # its function's settings name all three tables


class TargetError(Exception):
    """The deployed stack cannot be found or read."""


def stack_outputs(stack: str, project_dir) -> dict:
    pulumi = shutil.which("pulumi")
    if pulumi is None:
        raise TargetError("the pulumi CLI is not on PATH; pass --state-machine-arn instead of --stack")
    done = subprocess.run(
        [pulumi, "stack", "output", "--json", "--stack", stack], cwd=project_dir, capture_output=True, text=True,
    )
    if done.returncode != 0:
        raise TargetError(f"pulumi stack output --stack {stack} failed: {done.stderr.strip()}")
    return json.loads(done.stdout)


def outputs_from_state_machine(arn: str) -> dict:
    """The stack's outputs as far as the draw needs them, read from the deployed resources themselves."""
    region = arn.split(":")[3]
    sfn = boto3.client("stepfunctions", region_name=region)
    try:
        definition = json.loads(sfn.describe_state_machine(stateMachineArn=arn)["definition"])
        function = definition["States"][RECORD_STATE]["Parameters"]["FunctionName"]
        settings = boto3.client("lambda", region_name=region).get_function_configuration(FunctionName=function)
    except (ClientError, KeyError) as error:
        raise TargetError(f"{arn} is not a LotteryWorkflow state machine I can read: {error}") from None
    variables = settings["Environment"]["Variables"]
    return {
        "state_machine_arn": arn,
        "notification_topic_arn": definition["States"]["Send SNS"]["Parameters"]["TopicArn"],
        "employee_table": variables["EMPLOYEE_TABLE"],
        "winners_table": variables["WINNERS_TABLE"],
        "draws_table": variables["DRAWS_TABLE"],
        "ledger_table": variables["LEDGER_TABLE"],
    }


def connect(stack: str, project_dir, state_machine_arn: str | None = None) -> Lottery:
    outputs = outputs_from_state_machine(state_machine_arn) if state_machine_arn else stack_outputs(stack, project_dir)
    return Lottery(outputs, region=outputs["state_machine_arn"].split(":")[3])
