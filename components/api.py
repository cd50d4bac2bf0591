"""The HTTP API: its routes (the draw night's page among them) to the API function, a $default stage with access logs and throttling."""

import json

import pulumi
import pulumi_aws as aws

from . import functions
from .draw import WINNERS_BY_TIME_INDEX, Draw
from .scope import Scope

try:  # installed: handlers/ is inside this package (lottery_workflow.handlers)
    from .handlers.api import SCREEN_ROUTES
except ImportError:  # a checkout: handlers/ beside components/
    from handlers.api import SCREEN_ROUTES

ROUTES = {"POST /commitments": "commit-draw", "POST /draws": "start-draw", "GET /draws/{id}": "get-draw",
          "GET /draws/{id}/proof": "get-proof", "GET /winners": "list-winners",
          "GET /night": "get-night", "POST /night": "open-night", "POST /night/checkin": "check-in",
          "POST /night/exclude": "exclude", "GET /night/results": "night-results", "GET /night/code": "checkin-code",
          "GET /": "night-page", "GET /qrcode.js": "night-page-qrcode"}

AUTHORIZATIONS = ("AWS_IAM", "NONE")
ACCESS_LOG_FORMAT = json.dumps({
    "requestId": "$context.requestId", "ip": "$context.identity.sourceIp",
    "caller": "$context.identity.caller", "requestTime": "$context.requestTime",
    "routeKey": "$context.routeKey", "status": "$context.status",
    "responseLength": "$context.responseLength", "error": "$context.integrationErrorMessage",
})


def build(scope: Scope, code: functions.Code, draw: Draw, *, authorization: str, public_screen: bool,
          throttle_rate: pulumi.Input[float],
          throttle_burst: pulumi.Input[int]) -> tuple[pulumi.Output[str], pulumi.Output[str], aws.lambda_.Function]:
    """The API and its function; the base URL, the API's id and the function."""
    name = scope.name
    handler = functions.build(
        scope, functions.API, code,
        {**draw.settings, "STATE_MACHINE_ARN": draw.machine.arn,
         "COMMIT_DRAW_FUNCTION": draw.functions["CommitDraw"].name},
        {**draw.table_arns, "state_machine": draw.machine.arn, "commit_draw": draw.functions["CommitDraw"].arn,
         "winners_by_time_index": draw.winners.arn.apply(lambda a: f"{a}/index/{WINNERS_BY_TIME_INDEX}")},
    )
    api = aws.apigatewayv2.Api(
        f"{name}-api", **scope.named("Api"), protocol_type="HTTP",
        description="Commit to lottery draws, start them, read their results and proofs, list the winners",
        tags=scope.tags, opts=scope.opts(),
    )
    integration = aws.apigatewayv2.Integration(
        f"{name}-api-integration", api_id=api.id, integration_type="AWS_PROXY",
        integration_uri=handler.arn, payload_format_version="2.0", opts=scope.opts(),
    )
    for route_key, slug in ROUTES.items():
        aws.apigatewayv2.Route(
            f"{name}-route-{slug}", api_id=api.id, route_key=route_key,
            authorization_type="NONE" if public_screen and route_key in SCREEN_ROUTES else authorization,
            target=integration.id.apply(lambda i: f"integrations/{i}"), opts=scope.opts(),
        )
    # Delivered by log delivery: a /aws/vendedlogs/ name keeps the log resource policy small.
    access_logs = scope.log_group(f"{name}-api-access-logs", "/aws/vendedlogs/apigateway/", "Api")
    stage = aws.apigatewayv2.Stage(
        f"{name}-api-stage", api_id=api.id, name="$default", auto_deploy=True,
        access_log_settings={"destination_arn": access_logs.arn, "format": ACCESS_LOG_FORMAT},
        default_route_settings={"throttling_rate_limit": throttle_rate, "throttling_burst_limit": throttle_burst},
        tags=scope.tags, opts=scope.opts(),
    )
    aws.lambda_.Permission(
        f"{name}-api-permission", action="lambda:InvokeFunction", function=handler.name,
        principal=scope.principal("apigateway"),
        # This API only, any stage, method and route.
        source_arn=api.execution_arn.apply(lambda a: f"{a}/*/*"), opts=scope.opts(),
    )
    return stage.invoke_url, api.id, handler
