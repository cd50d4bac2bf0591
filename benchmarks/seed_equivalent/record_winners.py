# The seed's Lottery-RecordWinners; region and table from the environment.
import os

import boto3


def lambda_handler(event, context):
    # variables
    winner_details = event['winner_details']

    # retrieve the winners' employee id
    employee_ids = [winner['employee_id'] for winner in winner_details]

    # save the records in dynamodb
    dynamodb = boto3.resource('dynamodb', region_name=os.environ["AWS_REGION"])
    table = dynamodb.Table(os.environ["WINNERS_TABLE"])

    for employee_id in employee_ids:
        table.put_item(Item={
            'employee_id': employee_id
        })

    return {
        "body": {
            "winners": winner_details
        },
        "status_code": "SUCCESS"
    }
