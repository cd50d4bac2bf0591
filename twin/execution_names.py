"""An execution started without a name gets one, as AWS gives it (a UUID).

moto's ASL interpreter backend keeps the name it is given, None included: the execution's ARN
then ends in ":None" and `$$.Execution.Name`, the draw's id, is null, so Input Lottery Winners
fails. Our own commands always name their executions; the AWS CLI's `start-execution` through
`lottery serve --aws` (the seed's tutorial) does not.
"""

import uuid
from collections.abc import Callable


def around_start_execution(moto_start_execution: Callable) -> Callable:
    def start_execution(self, state_machine_arn, name=None, *rest, **options):
        return moto_start_execution(self, state_machine_arn, str(uuid.uuid4()) if name is None else name, *rest, **options)

    return start_execution
