"""The policy pack the engine runs: `pulumi preview --policy-pack policy` (invariants.py holds the policies)."""

from invariants import POLICIES
from pulumi_policy import PolicyPack

PolicyPack(name="lottery-invariants", policies=POLICIES,
           description="Winners kept, no wildcard IAM action, the roster bucket private and encrypted, signed API"
                       " routes, no Lambda X-Ray in the China regions")
