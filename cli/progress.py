"""What a terminal sees while a command waits: the step, then a dot every quarter second."""

import contextlib
import sys
import threading


@contextlib.contextmanager
def progress(label: str):
    """The label, then a dot every quarter second, on stderr while the block runs, if stderr is a
    terminal; the line is wiped when the block ends."""
    out = sys.stderr
    if not out.isatty():
        yield
        return
    done = threading.Event()

    def tick():
        out.write(label)
        out.flush()
        while not done.wait(0.25):
            out.write(".")
            out.flush()
        out.write("\r" + " " * (len(label) + 40) + "\r")
        out.flush()

    ticker = threading.Thread(target=tick, daemon=True)
    ticker.start()
    try:
        yield
    finally:
        done.set()
        ticker.join()
