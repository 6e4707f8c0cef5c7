"""Whether a path expression provably names a file with an extension.

matplotlib's `savefig(fname)` (pyplot's and a Figure's) writes `fname` itself when it has
an extension, and otherwise the name with one added (`"out"` becomes `"out.png"`, the
format coming from its settings). The file a savefig wrote is known, so it can be
published after it (families/publish_after.py), exactly when its path provably has an
extension, or the call says the format itself (`format="png"`: no extension is added
then, whatever the name).

A path expression has an extension when the last component of what it evaluates to
surely has one (`os.path.splitext` of it is not empty), whatever the parts it does not
know are:
- a str or bytes literal whose last component has one (`"plots/loss.png"`);
- an f-string whose literal tail's last component has one (`f"{name}_curve.png"`; not
  `f"{title}.png"`, whose title may be empty, leaving `.png`, which has none);
- `x / <one of these>` and `x + <one of these>` (`save_dir / "labels.jpg"`): the last
  component comes from the right operand (a `/` or `+` that makes anything else raised
  before the writer ran);
- `os.path.join(..., <one of these>)`, `Path(..., <one of these>)`, `str(<one>)`,
  `os.fspath(<one>)`, `x.with_suffix(".png")` (a literal suffix: the stem before it is
  never empty);
- a function's local name whose binding that holds at the read is one of these (`fname
  = self.save_dir / "results.png"` then `plt.savefig(fname)`): bound once in the
  function, or the binding analysis/dominance.py proves; never a module's or a class's
  name (a test may set it to anything) nor a parameter (its caller's value).
Anything else (a parameter, an attribute, a call of another function, a conditional) is
not known to have one.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable

import libcst as cst

#: The callee's qualified names -> the path is its last positional argument.
_LAST_ARGUMENT = frozenset(
    {
        "os.path.join",
        "posixpath.join",
        "ntpath.join",
        "pathlib.Path",
        "pathlib.PurePath",
        "pathlib.PosixPath",
        "pathlib.PurePosixPath",
    }
)
#: The callee's qualified names -> the path is its one argument, unchanged.
_SAME_PATH = frozenset({"builtins.str", "os.fspath"})
_SEPARATORS = re.compile(r"[/\\]")
_DEPTH = 4

Names = Callable[[cst.BaseExpression], frozenset[str]]
ValueOf = Callable[[cst.Name], cst.BaseExpression | None]


def format_given(call: cst.Call) -> bool:
    """`savefig(p, format="png")`: a non-empty literal format, so nothing is added."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == "format":
            text = _literal(arg.value)
            return isinstance(text, str) and bool(text)
    return False


def has_extension(
    node: cst.BaseExpression, names: Names, value_of: ValueOf, depth: int = 0
) -> bool:
    """True when `node` provably evaluates to a path whose last component has an
    extension (see the module docstring)."""
    if depth > _DEPTH:
        return False
    text = _literal(node)
    if text is not None:
        return _component_has_extension(text)
    if isinstance(node, cst.FormattedString):
        return _tail_has_extension(node)
    if isinstance(node, cst.BinaryOperation) and isinstance(
        node.operator, (cst.Divide, cst.Add)
    ):
        return has_extension(node.right, names, value_of, depth + 1)
    if isinstance(node, cst.Call):
        return _call_has_extension(node, names, value_of, depth)
    if isinstance(node, cst.Name):
        value = value_of(node)
        return value is not None and has_extension(value, names, value_of, depth + 1)
    return False


def _call_has_extension(
    call: cst.Call, names: Names, value_of: ValueOf, depth: int
) -> bool:
    if any(arg.star for arg in call.args):
        return False
    positional = [arg.value for arg in call.args if arg.keyword is None]
    if len(positional) != len(call.args) or not positional:
        return False
    if (
        isinstance(call.func, cst.Attribute)
        and call.func.attr.value == "with_suffix"
        and len(positional) == 1
    ):
        suffix = _literal(positional[0])
        # pathlib refuses a suffix without a leading dot, or "." alone
        return (
            isinstance(suffix, str)
            and suffix.startswith(".")
            and _component_has_extension("x" + suffix)
        )
    called = names(call.func)
    if not called:
        return False
    if called <= _LAST_ARGUMENT:
        return has_extension(positional[-1], names, value_of, depth + 1)
    if called <= _SAME_PATH and len(positional) == 1:
        return has_extension(positional[0], names, value_of, depth + 1)
    return False


def _literal(node: cst.BaseExpression) -> str | None:
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        try:
            value = node.evaluated_value
        except Exception:  # noqa: BLE001 - an odd literal proves nothing
            return None
        if isinstance(value, bytes):
            return value.decode("latin-1")
        return value if isinstance(value, str) else None
    return None


def _component_has_extension(text: str) -> bool:
    """The last component of `text` (either separator) has an extension: a dot with a
    character other than a dot before it and something after it (`"loss."`: matplotlib
    takes the empty extension for none and writes `loss.png`)."""
    return len(os.path.splitext(_SEPARATORS.split(text)[-1])[1]) > 1


def _tail_has_extension(node: cst.FormattedString) -> bool:
    """`f"{name}_loss.png"`: the literal text after the last replacement field holds the
    whole extension and a character before its dot, so whatever the fields give, the
    last component has it. Text with escapes or doubled braces is not read."""
    if not node.parts or not isinstance(node.parts[-1], cst.FormattedStringText):
        return False
    tail = node.parts[-1].value
    if any(c in tail for c in "\\{}"):
        return False
    return _component_has_extension(tail)
