"""Host LotteryWorkflow as a Pulumi component provider (run by the engine through PulumiPlugin.yaml)."""

import importlib
import sys
from pathlib import Path

from pulumi.provider.experimental import component_provider_host

# The engine runs this file as a script; import the folder it lies in as the package it is
# (`components` in a checkout, `lottery_workflow` once installed), so relative imports work.
_HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(_HERE.parent))
package = importlib.import_module(_HERE.name)

if __name__ == "__main__":
    component_provider_host(name="lottery", components=[package.LotteryWorkflow], version=package.__version__)
