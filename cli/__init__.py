"""The `lottery` command: draws, rosters, winners and the workflow's graph, on the offline twin of a
stack (twin/, the default) or on the deployed stack (`--target aws`), and `lottery serve`, the
stack's HTTP API on 127.0.0.1."""
