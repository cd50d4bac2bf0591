"""One writer per offline state directory: concurrent `lottery` commands, and `lottery serve`, lose no draw.

The slow tests run the command as `bin/lottery` does (`python -m cli` from the checkout) in
processes of their own; the quick ones call `cli.main` here, against a lock this process holds.
"""

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from cli import commands as cli
from conftest import ROOT, saved_items
from twin import state
from twin.state_lock import StateLock

WAITING = re.compile(r"Waiting for pid (\d+) \(lottery (\w+)(?: at (\S+))?\), which holds (\S+)")


def start(*args, state_dir, **popen):
    return subprocess.Popen([sys.executable, "-m", "cli", *args, "--state-dir", str(state_dir)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


def finish(process, timeout=180) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out, err


def whole(state_dir, lease_left=False) -> dict[str, list[str]]:
    """The state as the next command loads it, checked: every winner in exactly one draw record and
    each record's winners in Winners, the pool's counts as the tables say, no lease left unless a draw
    died holding it (`lease_left`). Draw id -> its winners."""
    saved = saved_items(state_dir / "dev.sqlite")
    employees = {e["employee_id"] for e in saved["employee_table"]}
    winners = {w["employee_id"]: w["draw_id"] for w in saved["winners_table"]}
    pool = next(d for d in saved["draws_table"] if d["draw_id"] == "#pool")
    records = {d["draw_id"]: [w["employee_id"] for w in d["winners"]] for d in saved["draws_table"] if d["draw_id"] != "#pool"}
    drawn = Counter(e for ids in records.values() for e in ids)
    assert set(drawn.values()) <= {1}, f"won twice: {drawn}"
    assert {e: d for d, ids in records.items() for e in ids} == winners
    assert set(winners) <= employees
    assert (pool["pool_size"], pool["eligible"]) == (len(employees), len(employees - set(winners)))
    assert lease_left or "holder" not in pool
    return records


def draw_id(result: dict) -> str:
    return result["execution"].rsplit(":", 1)[-1]


# Quick: the lock itself, and what each command does when it finds the state held.

def test_one_holder_at_a_time_and_it_says_who_it_is(tmp_path):
    first, second = StateLock(tmp_path, "dev"), StateLock(tmp_path, "dev")
    assert first.take(command="draw")
    assert not second.take(command="draw")
    assert second.holder() == {"pid": os.getpid(), "command": "draw"}
    assert StateLock(tmp_path, "us").take(command="draw")  # a lock per stack
    first.release()
    assert second.holder() is None and second.take(command="import")
    second.release(remove=True)  # as `lottery reset` does: the next holder locks a new file
    assert not (tmp_path / "dev.lock").exists()
    assert first.take(command="draw") and not second.take(command="draw")
    first.release()


def test_a_killed_holder_lets_go_at_once(tmp_path):
    hold = ("import sys, time\nfrom pathlib import Path\nfrom twin.state_lock import StateLock\n"
            "assert StateLock(Path(sys.argv[1]), 'dev').take(command='draw')\nprint('held', flush=True)\ntime.sleep(120)")
    holder = subprocess.Popen([sys.executable, "-c", hold, str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        lock = StateLock(tmp_path, "dev")
        assert not lock.take(command="draw") and lock.holder()["pid"] == holder.pid
    finally:
        holder.kill()
        holder.wait()
    assert lock.take(command="draw")  # no waiting, no stale lock to clear
    lock.release()


@pytest.mark.parametrize("command", [["import", "roster.csv"], ["notify", "--execution", "Lottery-1"], ["reset"], ["serve"]])
def test_write_commands_refuse_while_serve_holds_the_state(tmp_path, capsys, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "roster.csv").write_text("employee_id,employee_name\n001,Ann\n")  # a good one: refused for the lock
    (tmp_path / "dev.sqlite").write_text("left alone")
    server = StateLock(tmp_path, "dev")
    assert server.take(command="serve", url="http://127.0.0.1:8080")
    try:
        assert cli.main([*command, "--state-dir", str(tmp_path)]) == 2
    finally:
        server.release()
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("StateBusy: ")
    assert f"pid {os.getpid()} (lottery serve at http://127.0.0.1:8080)" in err
    assert (tmp_path / "dev.sqlite").read_text() == "left alone"


def test_a_command_waits_for_a_one_shot_holder_and_says_once_for_whom(tmp_path, capsys, monkeypatch):
    ran = []
    monkeypatch.setattr(cli, "_run", lambda args: ran.append((args.command, args.lock.holder())) or 0)
    other = StateLock(tmp_path, "dev")
    assert other.take(command="import")
    threading.Timer(0.5, other.release).start()
    started = time.monotonic()
    assert cli.main(["draw", "--state-dir", str(tmp_path)]) == 0
    assert time.monotonic() - started >= 0.5
    assert ran == [("draw", {"pid": os.getpid(), "command": "draw"})]  # run holding the lock
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert WAITING.match(err).groups() == (str(os.getpid()), "import", None, str(tmp_path / "dev.lock"))


class FakeServe(BaseHTTPRequestHandler):
    """POST /draws and GET /draws/{id} answered as the API answers them: running once, then drawn."""
    polls = 0

    def do_POST(self):
        assert json.loads(self.rfile.read(int(self.headers["Content-Length"]))) == {"winners": 3}
        self.answer(202, {"draw_id": "Lottery-1", "status": "RUNNING", "winners": 3}, Location="/draws/Lottery-1")

    def do_GET(self):
        assert self.path == "/draws/Lottery-1"
        FakeServe.polls += 1
        self.answer(200, {"draw_id": "Lottery-1", "status": "RUNNING" if FakeServe.polls == 1 else "SUCCEEDED",
                          "winners": [{"employee_id": "007", "employee_name": "Ann"}], "announcement": "Congrats! [Ann]",
                          "error": None, "cause": None})

    def answer(self, status, body, **headers):
        data = json.dumps(body).encode()
        self.send_response(status)
        for key, value in {"Content-Type": "application/json", "Content-Length": str(len(data)), **headers}.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def draw_while_serving(handler, state_dir) -> tuple[int, str]:
    """`lottery draw --winners 3` while a fake serve answering as `handler` holds the state: exit status, its URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    serve = StateLock(state_dir, "dev")
    assert serve.take(command="serve", url=url)
    try:
        return cli.main(["draw", "--winners", "3", "--state-dir", str(state_dir)]), url
    finally:
        serve.release()
        server.shutdown()
        server.server_close()


def test_a_draw_goes_through_the_server_that_holds_the_state(tmp_path, capsys):
    code, url = draw_while_serving(FakeServe, tmp_path)
    assert code == 0
    out = capsys.readouterr().out
    assert out.splitlines() == ["Draw Lottery-1", "Winners:", "  007  Ann", "Announcement: Congrats! [Ann]",
                                f"Drawn through pid {os.getpid()} (lottery serve at {url}), which holds stack dev's state in {tmp_path}"]
    assert FakeServe.polls == 2 and sorted(p.name for p in tmp_path.iterdir()) == ["dev.lock"]  # nothing deployed here


class ForgetfulServe(FakeServe):
    """Takes the draw, then no longer knows it (404), as a server that lost its state would."""

    def do_GET(self):
        self.answer(404, {"error": "NotFound", "message": "no draw Lottery-1"})


def test_a_draw_the_server_loses_sight_of_is_a_clear_failure_not_a_traceback(tmp_path, capsys):
    assert draw_while_serving(ForgetfulServe, tmp_path)[0] == 1
    err = capsys.readouterr().err
    assert "Lost sight of Lottery-1" in err and "404 NotFound" in err and "Traceback" not in err


def test_a_draw_waits_for_a_server_that_is_stopping_then_draws_itself(tmp_path, monkeypatch, capsys):
    ran = []
    monkeypatch.setattr(cli, "_run", lambda args: ran.append(args.lock.held) or 0)
    closed = ThreadingHTTPServer(("127.0.0.1", 0), FakeServe)
    url = f"http://127.0.0.1:{closed.server_address[1]}"
    closed.server_close()  # its port refuses, as a stopping serve's does
    serve = StateLock(tmp_path, "dev")
    assert serve.take(command="serve", url=url)
    threading.Timer(0.3, serve.release).start()
    assert cli.main(["draw", "--state-dir", str(tmp_path)]) == 0
    assert ran == [True] and capsys.readouterr().out == ""


# Slow: real draws in processes of their own.

@pytest.mark.slow  # four draws take turns: about 15 s
def test_concurrent_draws_on_one_state_directory_are_all_recorded(tmp_path):
    draws = [start("draw", "--json", state_dir=tmp_path) for _ in range(4)]
    ended = [finish(draw) for draw in draws]
    assert [code for code, _, _ in ended] == [0] * 4, ended
    results = [json.loads(out) for _, out, _ in ended]
    assert [r["status"] for r in results] == ["SUCCEEDED"] * 4
    records = whole(tmp_path)
    assert records == {draw_id(r): [w["employee_id"] for w in r["winners"]] for r in results}
    assert len({e for ids in records.values() for e in ids}) == 8
    waits = [WAITING.match(line) for _, _, err in ended for line in err.splitlines() if line.startswith("Waiting")]
    assert waits and all(w and int(w[1]) in {d.pid for d in draws} and w[2] == "draw" for w in waits)
    for result in results:  # each path is kept for `lottery graph --execution`
        assert state.find_execution(tmp_path, "dev", draw_id(result)) == [t["state"] for t in result["transitions"]]


def _post_and_poll(url, results):
    request = urllib.request.Request(f"{url}/draws", data=b'{"winners": 1}', method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        location = answer.headers["Location"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with urllib.request.urlopen(url + location, timeout=30) as answer:
            draw = json.loads(answer.read())
        if draw["status"] != "RUNNING":
            break
        time.sleep(0.25)
    results.append(draw)


@pytest.mark.slow  # about 15 s
def test_draws_while_serve_runs_go_through_it_and_are_all_kept(tmp_path):
    # Ctrl-C's SIGINT, even where this test runs with SIGINT ignored (as a background job's is).
    serve = start("serve", "--port", "0", state_dir=tmp_path, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        url = re.search(r"http://127\.0\.0\.1:\d+", serve.stdout.readline())[0]
        draws = [start("draw", "--json", state_dir=tmp_path) for _ in range(2)]
        posted = []
        clients = [threading.Thread(target=_post_and_poll, args=(url, posted)) for _ in range(2)]
        for client in clients:
            client.start()
        ended = [finish(draw) for draw in draws]
        for client in clients:
            client.join(90)
        refused = finish(start("import", str(ROOT / "data" / "request-items.json"), state_dir=tmp_path))
    finally:
        serve.send_signal(signal.SIGINT)
        code, _, err = finish(serve, timeout=90)
    assert code == 0, err
    results = [json.loads(out) for _, out, _ in ended]
    assert [c for c, _, _ in ended] == [0 if r["status"] == "SUCCEEDED" else 1 for r in results], ended
    assert all(r["server"] == url for r in results)  # drawn through the server, not beside it
    assert refused[0] == 2 and f"(lottery serve at {url})" in refused[2] and f"pid {serve.pid}" in refused[2]
    # Side by side in the server's one moto, every draw succeeds and is kept, none twice.
    outcomes = [(r["status"], r["error"]) for r in results] + [(d["status"], d.get("error")) for d in posted]
    assert [s for s, _ in outcomes] == ["SUCCEEDED"] * 4, outcomes
    succeeded = {r["execution"]: [w["employee_id"] for w in r["winners"]] for r in results}
    succeeded.update({d["draw_id"]: [w["employee_id"] for w in d["winners"]] for d in posted})
    records = whole(tmp_path)  # nobody twice, no lease left
    assert succeeded.items() <= records.items()  # nothing lost
    assert set(records) == set(succeeded)


def _holding(draw, state_dir, then=0.0):
    """Until the draw holds the lock (it is about to deploy and load the state), and `then` seconds more."""
    while draw.poll() is None and (StateLock(state_dir, "dev").holder() or {}).get("pid") != draw.pid:
        time.sleep(0.005)
    time.sleep(then)


def _saving(draw, state_dir):
    """Until the draw's save is under way: its journal is there (or the draw has ended)."""
    while draw.poll() is None and not (state_dir / "dev.sqlite-journal").exists():
        time.sleep(0.001)


def _saved(draw, state_dir):
    """Until the draw's save is written into the state file (or the draw has ended)."""
    before = (state_dir / "dev.sqlite").stat().st_mtime_ns
    while draw.poll() is None and (state_dir / "dev.sqlite").stat().st_mtime_ns == before:
        time.sleep(0.001)


MOMENTS = {  # from its start to its end: each kill lands later in the draw than the one before
    "starting": lambda draw, state_dir: time.sleep(0.2),
    "holding": _holding,
    "deploying": lambda draw, state_dir: _holding(draw, state_dir, then=0.5),
    "drawing": lambda draw, state_dir: _holding(draw, state_dir, then=2.0),
    "saving": _saving,
    "saved": _saved,
}


@pytest.mark.slow  # seven draws: about 25 s
def test_a_draw_killed_at_any_moment_leaves_the_state_whole_and_the_lock_free(tmp_path):
    code, out, err = finish(start("draw", "--json", state_dir=tmp_path))
    assert code == 0, err
    records = whole(tmp_path)
    # Wherever the kill lands, the state is the one before the draw or the one after it.
    for moment, wait in MOMENTS.items():
        draw = start("draw", "--winners", "1", state_dir=tmp_path)
        wait(draw, tmp_path)
        draw.kill()
        draw.wait()
        after = whole(tmp_path)
        assert after == records or (len(after) == len(records) + 1 and records.items() <= after.items()), moment
        records = after
        lock = StateLock(tmp_path, "dev")
        assert lock.take(command="test"), "the dead draw's lock is free at once"
        lock.release()
    code, out, err = finish(start("draw", "--winners", "1", "--json", state_dir=tmp_path))
    assert code == 0 and "Waiting" not in err, err
    result = json.loads(out)
    assert whole(tmp_path) == {**records, draw_id(result): [w["employee_id"] for w in result["winners"]]}
    # What a killed save left is gone: its journal rolled back, no half-written new file.
    assert not list(tmp_path.glob(".dev.sqlite.tmp-*")) and not (tmp_path / "dev.sqlite-journal").exists()
    assert state.find_execution(tmp_path, "dev", draw_id(result)) == [t["state"] for t in result["transitions"]]
