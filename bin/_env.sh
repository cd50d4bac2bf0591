# Sourced by bin/lottery and bin/test: make .venv beside the checkout and install requirements.txt
# into it when it is missing or requirements.txt changed since.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${LOTTERY_VENV:-$ROOT/.venv}"
STAMP="$VENV/.requirements.sha256"
WANT="$(sha256sum "$ROOT/requirements.txt" | cut -d' ' -f1)"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$WANT" ]; then
  echo "Setting up $VENV (once) ..." >&2
  python3 -m venv "$VENV" || exit 1
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$ROOT/requirements.txt" >&2 || exit 1
  echo "$WANT" > "$STAMP"
fi
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
# The component as other stacks install it (lottery_workflow), editable so the checkout is what runs.
if [ ! -f "$VENV/.component-installed" ]; then
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -e "$ROOT" >&2 || exit 1
  touch "$VENV/.component-installed"
fi
# `lottery` on the venv's PATH too, for `source .venv/bin/activate`.
[ -e "$VENV/bin/lottery" ] || ln -s "$ROOT/bin/lottery" "$VENV/bin/lottery"
