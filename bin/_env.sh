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
# The package as other stacks install it (lottery_workflow: the component, the command, the twin),
# editable so the checkout is what runs; again whenever pyproject.toml, which maps it, changes.
PACKAGED="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)"
if [ "$(cat "$VENV/.component-installed" 2>/dev/null)" != "$PACKAGED" ]; then
  rm -f "$VENV/bin/lottery"  # the link below: pip writes its own `lottery` there, never through the link
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -e "$ROOT" >&2 || exit 1
  echo "$PACKAGED" > "$VENV/.component-installed"
fi
# `lottery` on the venv's PATH too, for `source .venv/bin/activate`: this script rather than pip's,
# so the checkout's command starts as bin/lottery does (python -m cli).
[ -L "$VENV/bin/lottery" ] || ln -sfn "$ROOT/bin/lottery" "$VENV/bin/lottery"
