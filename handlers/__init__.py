"""Lambda code of the lottery: one module per state of the workflow, plus the roster import.

Only the standard library and the Lambda runtime's boto3 are used, so the deployed zip holds
nothing but these files.
"""
