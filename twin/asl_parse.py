"""Parse each state machine definition once, not at every StartExecution; one parse at a time.

moto checks a definition with its ANTLR parser at CreateStateMachine and parses it all again
when each execution starts (ANTLR in pure Python: not cheap). The parse tree depends only on the
definition's text, so it is kept; the evaluation components are still built afresh from it for
every caller, as moto builds them, so no execution shares another's.

Executions start their parse in threads of their own, and moto's parsing is not thread-safe:
- moto 5.2.5's Preprocessor keeps its stack of QueryLanguage scopes in a class attribute, one
  list for every instance in every thread; two executions starting together push and pop on each
  other's stack, and a definition that fails to preprocess leaves its scopes on it for every
  later parse (which then inherits a query language that is not its own). Each Preprocessor made
  here gets a list of its own, and what moto's own pass leaves on the class's is cleared.
- ANTLR's Python runtime shares each grammar's DFA cache between all its parsers and lexers
  without a lock; the preprocessing parses intrinsic functions and JSONPath with it. So the whole
  parse (a miss of the cache, or building the components from a kept tree: a few ms) runs under
  one lock.
"""

import functools
import threading

from . import seams

with seams.needs("moto's ASL parser"):
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
    from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor

# moto's own: this module is imported before seams.py replaces it (and checks the Preprocessor's
# class attribute this module works around).
_parse = AmazonStateLanguageParser.parse
_lock = threading.Lock()


@functools.lru_cache(maxsize=32)
def _tree(definition: str):
    try:
        return _parse(definition)[1]  # raises ASLParserException as moto's parse does; not cached
    finally:
        Preprocessor._query_language_per_scope.clear()  # what moto's own pass left there when it failed


def parse(definition: str):
    """moto's AmazonStateLanguageParser.parse, as seams.py replaces it for a session."""
    with _lock:
        tree = _tree(definition)
        preprocessor = Preprocessor()
        preprocessor._query_language_per_scope = []  # its own, not the class's
        return preprocessor.visit(tree), tree
