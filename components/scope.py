"""What every part of one LotteryWorkflow shares: its parent, names, tags, retention and account facts."""

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws


@dataclass
class Scope:
    """The component a part is built in. Each part takes the scope and returns what it made."""

    parent: pulumi.ComponentResource
    name: str
    """The component's name: the start of every logical name (`<name>-employee`, ...)."""
    prefix: pulumi.Input[str] | None
    """`name_prefix`: fixed physical names when given, Pulumi's auto-names when not."""
    tags: pulumi.Input | None
    retention: pulumi.Input[int]
    tracing: bool
    partition: pulumi.Output[str] = field(init=False)
    account: pulumi.Output[str] = field(init=False)
    region: pulumi.Output[str] = field(init=False)
    lambda_tracing: pulumi.Output[bool] = field(init=False)
    """Active X-Ray tracing of the functions: asked for, and outside the China regions (no Lambda X-Ray there)."""
    _principals: dict = field(init=False, default_factory=dict)

    def __post_init__(self):
        invoke = pulumi.InvokeOutputOptions(parent=self.parent)
        self.partition = aws.get_partition_output(opts=invoke).partition
        self.account = aws.get_caller_identity_output(opts=invoke).account_id
        self.region = aws.get_region_output(opts=invoke).region
        self.lambda_tracing = self.partition.apply(lambda p: self.tracing and p != "aws-cn")
        if self.tracing:
            self.partition.apply(lambda p: p == "aws-cn" and pulumi.log.warn(
                "tracing: X-Ray for Lambda is not available in the China regions; only the state machine is traced",
                resource=self.parent))

    def opts(self, **kwargs) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self.parent, **kwargs)

    def named(self, suffix: str) -> dict:
        """`name=<prefix>-<suffix>` with a name prefix; nothing (Pulumi's auto-name) without one."""
        if self.prefix is None:
            return {}
        return {"name": pulumi.Output.from_input(self.prefix).apply(lambda p: f"{p}-{suffix}")}

    def log_group_named(self, path: str, suffix: str) -> dict:
        """A log group's name under `path`: `<path><prefix>-<suffix>`, or unique from Pulumi."""
        if self.prefix is None:
            return {"name_prefix": f"{path}{self.name}-{suffix.lower()}-"}
        return {"name": pulumi.Output.from_input(self.prefix).apply(lambda p: f"{path}{p}-{suffix}")}

    def log_group(self, slug: str, path: str, suffix: str) -> aws.cloudwatch.LogGroup:
        return aws.cloudwatch.LogGroup(slug, **self.log_group_named(path, suffix), retention_in_days=self.retention,
                                       tags=self.tags, opts=self.opts())

    def principal(self, service: str) -> pulumi.Output[str]:
        """The service principal of `service` in this stack's partition and region (looked up once)."""
        if service not in self._principals:
            self._principals[service] = aws.get_service_principal_output(
                service_name=service, opts=pulumi.InvokeOutputOptions(parent=self.parent)).name
        return self._principals[service]

    def subscribe_emails(self, topic: aws.sns.Topic, slug: str, emails) -> None:
        for i, email in enumerate(emails or []):
            aws.sns.TopicSubscription(f"{self.name}-{slug}-{i}", topic=topic.arn, protocol="email", endpoint=email,
                                      opts=self.opts())
