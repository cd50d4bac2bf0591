"""Parse each state machine definition once, not at every StartExecution.

moto checks a definition with its ANTLR parser at CreateStateMachine and parses it again when
each execution starts: 16-20 ms of a 150 ms offline draw. The parse tree depends only on the
definition's text, so it is kept; the evaluation components are still built afresh from it for
every caller, as moto builds them, so no execution shares another's.
"""

import functools

try:
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
    from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor
except ImportError as error:  # pragma: no cover - the wrong moto pin
    raise RuntimeError(f"the offline runtime needs moto's ASL parser: {error}") from None

_parse = AmazonStateLanguageParser.parse


@functools.lru_cache(maxsize=32)
def _tree(definition: str):
    return _parse(definition)[1]  # raises ASLParserException as moto's parse does; not cached


def parse(definition: str):
    tree = _tree(definition)
    return Preprocessor().visit(tree), tree


def install() -> None:
    AmazonStateLanguageParser.parse = staticmethod(parse)
