"""The offline twin of a lottery stack: the real stack program under Pulumi mocks, deployed into
moto in-process, its state machine run by moto and its functions run from the deployed zip."""

from .startup import route_http_apis_to_v2, share_botocore_loader, skip_batch_backend

skip_batch_backend()
route_http_apis_to_v2()
share_botocore_loader()
