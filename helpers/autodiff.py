"""Automatic differentiation on scalars, in both modes.

- :class:`Dual` is **forward mode**: a number carries its value and a tangent, the
  derivative of that value along one chosen input direction. Every operation updates
  both, so one evaluation gives one directional derivative.
- :class:`Var` is **reverse mode**: every operation records a node of the computation
  graph (its inputs, its value and a ``_backward`` rule). ``out.backward()`` sets
  d out / d out = 1 and runs the rules in reverse topological order, which fills
  ``.grad`` = d out / d node on every node of the graph in one pass.

Both types mix freely with plain numbers on either side (``2 * v``, ``v + 1``,
``1 / v``). Each basic operation computes ``out`` and, right beside it, the rule for its
derivative; subtraction and division are built from the basic ones (``a - b`` is
``a + (-b)``, ``a / b`` is ``a * b ** -1``), once, in a base class both types share, so
each derivative rule is written once per mode.

The functions :func:`exp`, :func:`log`, :func:`sigmoid`, :func:`tanh` and :func:`relu`
accept a ``Var``, a ``Dual`` or a plain real number (and then return a float).
``relu`` uses the derivative 0 at exactly 0, as :mod:`helpers.activations` does.

The arithmetic is Python's float arithmetic, with IEEE's answer where Python would
raise instead: a result beyond float64's range is +-inf (``exp(1000)``), and NaN in
gives NaN out. What has no real value is refused with a ValueError that says why: the
log of a number <= 0, a negative number to a fractional power, 0 to a negative power
(also a ``ZeroDivisionError``, as in Python) and, in a backward pass, the infinite
derivative of ``v ** p`` at v = 0 for 0 < p < 1. A ``Var`` or a ``Dual`` has no truth
value: ``if v:`` raises a TypeError (compare ``v.value``), because a branch on a value
is invisible to its derivative.

:func:`count_ops` counts the elementary operations (one per basic operation on a
``Var`` or ``Dual``; derived ones count as the basic ones they are built from) and the
backward rules run, so the two modes' costs can be measured rather than asserted.
:func:`topological_order` lists a graph's nodes, inputs first. :func:`jacobian_forward`
(one pass per input) and :func:`jacobian_reverse` (one backward pass per output) give
the full Jacobian of a function of several numbers by either mode. What one pass of each
mode computes is a product with that Jacobian J: :func:`jvp` gives J v for a direction
v of the inputs (one forward-mode pass, every input's tangent seeded with its entry of
v), and :func:`vjp` gives u^T J for weights u of the outputs (one recorded evaluation
and one backward pass, every output's adjoint seeded with its entry of u).
"""

from __future__ import annotations

import itertools
import math
import numbers
import operator
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, NoReturn, Self, TypeGuard

import numpy as np

from ._checks import ArgumentTypeError, as_callable

# Running totals since import: forward ops, backward rules run, backward passes, Var
# nodes made. A counter reads the difference between two snapshots, so counting costs
# one increment per operation however many counters are open.
_FORWARD, _BACKWARD, _PASSES, _NODES, _FORWARD_PASSES = range(5)
_tally = [0, 0, 0, 0, 0]
_creation_order = itertools.count()
_by_creation = operator.attrgetter("_index")


class OpCounter:
    """Tallies of the work done inside a :func:`count_ops` block (live while it is open).

    forward: basic operations evaluated on ``Var`` or ``Dual`` values (a ``Dual``
        operation computes its value and its tangent together and counts once).
    backward: ``_backward`` rules run by ``Var.backward`` (one per recorded operation
        per pass; each pushes the adjoint of its output to its inputs).
    backward_passes: calls of ``Var.backward``.
    forward_passes: evaluations of the function made by :func:`jacobian_forward` (one
        per input) and :func:`jacobian_reverse` (one, which records the graph).
    nodes: ``Var`` nodes created (inputs, constants and operation results): the
        graph reverse mode records and keeps until its backward pass has run.
    """

    def __init__(self) -> None:
        self._start = list(_tally)
        self._end: list[int] | None = None

    def _since_start(self, index: int) -> int:
        end = _tally if self._end is None else self._end
        return end[index] - self._start[index]

    def _stop(self) -> None:
        self._end = list(_tally)

    @property
    def forward(self) -> int:
        return self._since_start(_FORWARD)

    @property
    def backward(self) -> int:
        return self._since_start(_BACKWARD)

    @property
    def backward_passes(self) -> int:
        return self._since_start(_PASSES)

    @property
    def forward_passes(self) -> int:
        return self._since_start(_FORWARD_PASSES)

    @property
    def nodes(self) -> int:
        return self._since_start(_NODES)

    @property
    def total(self) -> int:
        """Forward plus backward operations."""
        return self.forward + self.backward

    def __repr__(self) -> str:
        return (
            f"OpCounter(forward={self.forward}, backward={self.backward}, "
            f"total={self.total}, forward_passes={self.forward_passes}, "
            f"backward_passes={self.backward_passes}, nodes={self.nodes})"
        )


@contextmanager
def count_ops() -> Iterator[OpCounter]:
    """Count the operations done inside a ``with count_ops() as counter:`` block.

    Blocks may nest; each counter sees every operation done while it is open.
    """
    counter = OpCounter()
    try:
        yield counter
    finally:
        counter._stop()


def _is_real(x: object) -> TypeGuard[numbers.Real]:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _checked_real(x: object, name: str) -> float:
    if not _is_real(x):
        raise ArgumentTypeError(f"{name} must be a real number, got {type(x).__name__}")
    return float(x)


def _refuse(op: str, left: object, right: object, kind: str) -> TypeError:
    names = f"{type(left).__name__} {op} {type(right).__name__}"
    if isinstance(left, _Scalar) and isinstance(right, _Scalar):
        return ArgumentTypeError(
            f"{names} is not supported: a Var (reverse mode) and a Dual (forward mode) "
            "cannot be combined; use one mode for the whole computation"
        )
    return ArgumentTypeError(
        f"{names} is not supported: the other operand must be a {kind} or a real number "
        "(int or float)"
    )


def _fmt(x: float) -> str:
    return repr(float(f"{x:.6g}"))


def _check_exponent(exponent: object, base: object) -> float:
    if not _is_real(exponent):
        raise ArgumentTypeError(
            f"{type(base).__name__} ** {type(exponent).__name__} is not supported: the "
            "exponent must be a real number (write a ** b as exp(b * log(a)))"
        )
    return float(exponent)


class ZeroPowerError(ZeroDivisionError, ValueError):
    """0 to a negative power: Python's ZeroDivisionError, and a ValueError like every
    other refused argument of the package."""


def _power(value: float, exponent: float) -> float:
    if value < 0 and not exponent.is_integer():
        raise ValueError(
            f"a negative base ({value}) needs an integer exponent, got {exponent}: "
            "the result would not be real"
        )
    if value == 0 and exponent < 0:
        raise ZeroPowerError(
            f"0.0 ** {exponent} is undefined (a division by zero): the base is 0 and "
            "the exponent is negative"
        )
    try:
        return value**exponent
    except OverflowError:  # beyond float64: IEEE's answer is +-inf
        odd = exponent.is_integer() and exponent % 2 == 1
        return -math.inf if value < 0 and odd else math.inf


def _power_slope(value: float, p: float) -> float:
    """d(value ** p) / d value = p * value ** (p - 1); 0 when p is 0 (a constant)."""
    if p == 0:
        return 0.0
    if value == 0 and p < 1:
        raise ZeroPowerError(
            f"the derivative of v ** {p} at v = 0 is infinite (the base is 0 and the "
            "exponent p - 1 is negative)"
        )
    return p * _power(value, p - 1)


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:  # beyond float64: IEEE's answer is inf
        return math.inf


def _positive_for_log(value: float) -> float:
    if value <= 0:
        raise ValueError(f"log needs a positive argument, got {value}")
    return value


def _sigmoid(x: float) -> float:
    # exp of -|x| only, so no overflow in either tail.
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


class _Scalar:
    """What Var and Dual share: the derived operations, each built in one line from the
    basic ones that both modes define (``+``, ``*``, ``**`` a real number, unary ``-``),
    so that each mode writes each derivative rule once, beside its basic operation.

    A plain real number on either side becomes a constant of the same mode; a numpy
    array on the right gets ``NotImplemented``, so that numpy applies the operation
    elementwise; anything else is refused with a message naming both operands.
    """

    __slots__ = ()

    if TYPE_CHECKING:  # what Var and Dual each define

        def __init__(self, value: float) -> None: ...
        def __add__(self, other: object) -> Self: ...
        def __mul__(self, other: object) -> Self: ...
        def __pow__(self, exponent: object) -> Self: ...
        def __neg__(self) -> Self: ...

    def _coerce(self, other: object, op: str, reflected: bool = False) -> Self:
        """``other`` as an operand of this mode, for the operation ``op``."""
        kind = type(self)
        if isinstance(other, kind):
            return other
        if isinstance(other, np.ndarray) and not reflected:
            return NotImplemented
        if _is_real(other):
            return kind(float(other))  # a constant: a leaf of the graph, or tangent 0
        left, right = (other, self) if reflected else (self, other)
        raise _refuse(op, left, right, kind.__name__)

    # The derived operations, built from the basic ones.

    def __radd__(self, other: object) -> Self:
        return self._coerce(other, "+", reflected=True) + self

    def __rmul__(self, other: object) -> Self:
        return self._coerce(other, "*", reflected=True) * self

    def __sub__(self, other: object) -> Self:
        other = self._coerce(other, "-")
        return other if other is NotImplemented else self + (-other)

    def __rsub__(self, other: object) -> Self:
        return self._coerce(other, "-", reflected=True) + (-self)

    def __truediv__(self, other: object) -> Self:
        other = self._coerce(other, "/")
        return other if other is NotImplemented else self * other**-1

    def __rtruediv__(self, other: object) -> Self:
        return self._coerce(other, "/", reflected=True) * self**-1

    def __bool__(self) -> NoReturn:
        kind = type(self).__name__
        raise ArgumentTypeError(
            f"a {kind} has no truth value: compare its .value instead (a branch on a "
            "value is invisible to the derivative)"
        )

    def __rpow__(self, base: object) -> NoReturn:
        kind = type(self).__name__
        x = kind[0].lower()  # v for a Var, d for a Dual
        raise ArgumentTypeError(
            f"{type(base).__name__} ** {kind} is not supported: the exponent must be a real "
            f"number (write a ** {x} as exp({x} * log(a)))"
        )


class Var(_Scalar):
    """A scalar node of a computation graph, for reverse-mode differentiation.

    value: the number this node holds.
    name: an optional label, shown by ``repr`` and by the graph drawings.
    ``.grad`` is d(root)/d(this node) after ``root.backward()``, 0.0 before.
    """

    __slots__ = ("value", "grad", "name", "_prev", "_op", "_backward", "_index")

    def __init__(self, value: float, name: str = "") -> None:
        if type(value) is not float:
            value = _checked_real(value, "value")
        if type(name) is not str:
            raise ArgumentTypeError(f"name must be a string, got {type(name).__name__}")
        self.value = value
        self.grad = 0.0
        self.name = name
        self._prev: tuple[Var, ...] = ()
        self._op = ""
        self._backward: Callable[[], None] | None = None
        self._index = next(_creation_order)
        _tally[_NODES] += 1

    @property
    def op(self) -> str:
        """The operation that made this node: '' for an input or a constant."""
        return self._op

    @property
    def inputs(self) -> tuple[Var, ...]:
        """The nodes this node was computed from (empty for an input or a constant)."""
        return self._prev

    def __repr__(self) -> str:
        parts = [f"value={_fmt(self.value)}", f"grad={_fmt(self.grad)}"]
        if self.name:
            parts.append(f"name={self.name!r}")
        if self._op:
            parts.append(f"op={self._op!r}")
        return f"Var({', '.join(parts)})"

    # The basic operations: the forward rule, then the derivative rule beside it.

    def __add__(self, other: object) -> Var:
        other = self._coerce(other, "+")
        if other is NotImplemented:
            return other
        out = _record(self.value + other.value, (self, other), "+")

        def _backward() -> None:
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other: object) -> Var:
        other = self._coerce(other, "*")
        if other is NotImplemented:
            return other
        out = _record(self.value * other.value, (self, other), "*")

        def _backward() -> None:
            self.grad += other.value * out.grad
            other.grad += self.value * out.grad

        out._backward = _backward
        return out

    def __pow__(self, exponent: object) -> Var:
        p = _check_exponent(exponent, self)
        out = _record(_power(self.value, p), (self,), f"**{exponent}")

        def _backward() -> None:
            self.grad += _power_slope(self.value, p) * out.grad

        out._backward = _backward
        return out

    def __neg__(self) -> Var:
        out = _record(-self.value, (self,), "neg")

        def _backward() -> None:
            self.grad -= out.grad

        out._backward = _backward
        return out

    def exp(self) -> Var:
        out = _record(_exp(self.value), (self,), "exp")

        def _backward() -> None:
            self.grad += out.value * out.grad

        out._backward = _backward
        return out

    def log(self) -> Var:
        out = _record(math.log(_positive_for_log(self.value)), (self,), "log")

        def _backward() -> None:
            self.grad += out.grad / self.value

        out._backward = _backward
        return out

    def sigmoid(self) -> Var:
        out = _record(_sigmoid(self.value), (self,), "sigmoid")

        def _backward() -> None:
            self.grad += out.value * (1.0 - out.value) * out.grad

        out._backward = _backward
        return out

    def tanh(self) -> Var:
        out = _record(math.tanh(self.value), (self,), "tanh")

        def _backward() -> None:
            self.grad += (1.0 - out.value * out.value) * out.grad

        out._backward = _backward
        return out

    def relu(self) -> Var:
        out = _record(max(self.value, 0.0), (self,), "relu")

        def _backward() -> None:
            self.grad += (self.value > 0) * out.grad

        out._backward = _backward
        return out

    def backward(self) -> None:
        """Fill ``.grad`` = d self / d node for every node of this node's graph.

        The graph's gradients are reset first, so calling it twice gives the same
        result; they hold the derivatives of the last node ``backward`` was called on.
        Nodes outside this node's graph are not touched.
        """
        _backward_pass([self], [1.0])


def _backward_pass(roots: list[Var], seeds: list[float]) -> None:
    """One reverse sweep over the graph of ``roots``: every node's grad reset, each root's
    adjoint seeded (a root listed twice gets both seeds), then the rules run in reverse
    topological order."""
    order = _reachable(roots)
    for node in order:
        node.grad = 0.0
    for root, seed in zip(roots, seeds, strict=True):
        root.grad += seed
    _tally[_PASSES] += 1
    for node in reversed(order):
        if node._backward is not None:
            _tally[_BACKWARD] += 1
            node._backward()


def _record(value: float, inputs: tuple[Var, ...], op: str) -> Var:
    """A new node holding an operation's result, remembering where it came from."""
    _tally[_FORWARD] += 1
    out = Var(value)
    out._prev = inputs
    out._op = op
    return out


def topological_order(root: Var) -> list[Var]:
    """Every node ``root`` depends on, each after all of its inputs; ``root`` is last.

    root: the output node of a graph.
    returns: the list of nodes, each once, in the order they were created. A node is
    always created after its inputs, so creation order is a topological order; sorting
    by it avoids a recursive search, which would hit Python's recursion limit on a
    graph thousands of operations deep.
    """
    if not isinstance(root, Var):
        raise ArgumentTypeError(f"root must be a Var, got {type(root).__name__}")
    return _reachable([root])


def _reachable(roots: list[Var]) -> list[Var]:
    """Every node the roots depend on, the roots included, in creation order."""
    found = set(roots)
    stack = list(found)
    while stack:
        for node in stack.pop()._prev:
            if node not in found:
                found.add(node)
                stack.append(node)
    return sorted(found, key=_by_creation)


class Dual(_Scalar):
    """A dual number value + tangent * epsilon (epsilon ** 2 = 0), for forward mode.

    value: the number.
    tangent: its derivative along the chosen input direction; seed an input with
        tangent 1.0 (and every other input with 0.0) to differentiate with respect to it.
    """

    __slots__ = ("value", "tangent")

    def __init__(self, value: float, tangent: float = 0.0) -> None:
        if type(value) is not float:
            value = _checked_real(value, "value")
        if type(tangent) is not float:
            tangent = _checked_real(tangent, "tangent")
        self.value = value
        self.tangent = tangent

    def __repr__(self) -> str:
        return f"Dual(value={_fmt(self.value)}, tangent={_fmt(self.tangent)})"

    # The basic operations: the value, then its tangent (the derivative rule) beside it.

    def __add__(self, other: object) -> Dual:
        if type(other) is not Dual:
            other = self._coerce(other, "+")
            if other is NotImplemented:
                return other
        return _dual(self.value + other.value, self.tangent + other.tangent)

    def __mul__(self, other: object) -> Dual:
        if type(other) is not Dual:
            other = self._coerce(other, "*")
            if other is NotImplemented:
                return other
        return _dual(
            self.value * other.value,
            self.tangent * other.value + self.value * other.tangent,
        )

    def __pow__(self, exponent: object) -> Dual:
        p = _check_exponent(exponent, self)
        return _dual(_power(self.value, p), _power_slope(self.value, p) * self.tangent)

    def __neg__(self) -> Dual:
        return _dual(-self.value, -self.tangent)

    def exp(self) -> Dual:
        value = _exp(self.value)
        return _dual(value, value * self.tangent)

    def log(self) -> Dual:
        value = math.log(_positive_for_log(self.value))
        return _dual(value, self.tangent / self.value)

    def sigmoid(self) -> Dual:
        value = _sigmoid(self.value)
        return _dual(value, value * (1.0 - value) * self.tangent)

    def tanh(self) -> Dual:
        value = math.tanh(self.value)
        return _dual(value, (1.0 - value * value) * self.tangent)

    def relu(self) -> Dual:
        return _dual(max(self.value, 0.0), (self.value > 0) * self.tangent)


def _dual(value: float, tangent: float) -> Dual:
    """A new Dual holding an operation's result (one counted operation)."""
    _tally[_FORWARD] += 1
    out = Dual.__new__(Dual)
    out.value = value
    out.tangent = tangent
    return out


Number = Var | Dual | float


def _outputs(out: object, kind: type) -> list[object]:
    outs = list(out) if isinstance(out, list | tuple) else [out]
    for k, o in enumerate(outs):
        if not (isinstance(o, kind) or _is_real(o)):
            raise ArgumentTypeError(
                f"fn must return a {kind.__name__}, a number or a list of them; "
                f"output {k} is a {type(o).__name__}"
            )
    return outs


def _point(x: object, name: str = "x") -> list[float]:
    try:
        arr = None if isinstance(x, str | bytes) else np.asarray(x)
    except ValueError:  # ragged nested lists
        arr = None
    if arr is None or arr.ndim > 1 or arr.dtype.kind not in "fiu":
        raise ArgumentTypeError(f"{name} must be a number or a 1-D sequence of numbers, got {x!r}")
    return arr.astype(np.float64).reshape(-1).tolist()


def _weights(u: object, name: str, size: int, of: str) -> list[float]:
    """``u`` as ``size`` floats, one per entry of ``of``, or a ValueError naming it."""
    values = _point(u, name)
    if len(values) != size:
        raise ValueError(f"{name} must hold one number per {of} ({size}), got {len(values)}")
    return values


def jacobian_forward(fn: Callable[[list[Dual]], object], x: object) -> np.ndarray:
    """The Jacobian of ``fn`` at ``x`` by forward mode: one evaluation per input.

    fn: maps a list of n numbers to a number or a list of m numbers, using operations
        that Dual supports.
    x: (n,) the point.
    returns: (m, n) array J[i, j] = d out_i / d x_j; pass j seeds input j's tangent with 1
        and fills column j.
    """
    fn = as_callable(fn, "fn", "a function of a list of numbers")
    point = _point(x)
    constants = [Dual(v) for v in point]  # tangent 0; a Dual is never modified, so reuse
    columns = []
    for j in range(len(point)):
        _tally[_FORWARD_PASSES] += 1
        seeded = constants.copy()
        seeded[j] = Dual(point[j], 1.0)
        outs = _outputs(fn(seeded), Dual)
        columns.append([o.tangent if type(o) is Dual else 0.0 for o in outs])
    return np.array(columns, dtype=np.float64).T.reshape(-1, len(point))


def jacobian_reverse(fn: Callable[[list[Var]], object], x: object) -> np.ndarray:
    """The Jacobian of ``fn`` at ``x`` by reverse mode: one backward pass per output.

    fn: maps a list of n numbers to a number or a list of m numbers, using operations
        that Var supports.
    x: (n,) the point.
    returns: (m, n) array J[i, j] = d out_i / d x_j; the graph is recorded once, and the
        backward pass from output i fills row i.
    """
    fn = as_callable(fn, "fn", "a function of a list of numbers")
    point = _point(x)
    inputs = [Var(v) for v in point]
    _tally[_FORWARD_PASSES] += 1
    rows = []
    for out in _outputs(fn(inputs), Var):
        for v in inputs:
            v.grad = 0.0  # an input that this output does not depend on has derivative 0
        if type(out) is Var:
            out.backward()
        rows.append([v.grad for v in inputs])
    return np.array(rows, dtype=np.float64).reshape(-1, len(point))


def _plain(x: object, name: str) -> float:
    if not _is_real(x):
        raise ArgumentTypeError(
            f"{name} takes a Var, a Dual or a real number, got {type(x).__name__}"
        )
    return float(x)


def exp(x: Number) -> Number:
    """e ** x; derivative e ** x.  x: a Var, a Dual or a real number."""
    if type(x) is Dual or type(x) is Var:
        return x.exp()
    return _exp(_plain(x, "exp"))


def log(x: Number) -> Number:
    """Natural logarithm of x > 0; derivative 1 / x.  x: a Var, a Dual or a real number."""
    if type(x) is Dual or type(x) is Var:
        return x.log()
    return math.log(_positive_for_log(_plain(x, "log")))


def sigmoid(x: Number) -> Number:
    """1 / (1 + e ** -x), stable for any x; derivative s (1 - s)."""
    if type(x) is Dual or type(x) is Var:
        return x.sigmoid()
    return _sigmoid(_plain(x, "sigmoid"))


def tanh(x: Number) -> Number:
    """Hyperbolic tangent; derivative 1 - tanh(x) ** 2."""
    if type(x) is Dual or type(x) is Var:
        return x.tanh()
    return math.tanh(_plain(x, "tanh"))


def relu(x: Number) -> Number:
    """max(x, 0); derivative 1 for x > 0 and 0 for x <= 0 (the left derivative at 0)."""
    if type(x) is Dual or type(x) is Var:
        return x.relu()
    return max(_plain(x, "relu"), 0.0)


def jvp(fn: Callable[[list[Dual]], object], x: object, v: object) -> np.ndarray:
    """The Jacobian-vector product J v of ``fn`` at ``x``: one forward-mode pass.

    fn: maps a list of n numbers to a number or a list of m numbers, using operations
        that Dual supports.
    x: (n,) the point.
    v: (n,) a direction of the inputs; input j starts with tangent v[j].
    returns: (m,) J v, the outputs' tangents: how fast each output moves when the inputs
        move along v. v = e_j gives column j of J, which is what
        :func:`jacobian_forward` does n times.
    """
    fn = as_callable(fn, "fn", "a function of a list of numbers")
    point = _point(x)
    direction = _weights(v, "v", len(point), "input of x")
    _tally[_FORWARD_PASSES] += 1
    outs = _outputs(fn([Dual(p, t) for p, t in zip(point, direction, strict=True)]), Dual)
    return np.array([o.tangent if type(o) is Dual else 0.0 for o in outs], dtype=np.float64)


def vjp(fn: Callable[[list[Var]], object], x: object, u: object) -> np.ndarray:
    """The vector-Jacobian product u^T J of ``fn`` at ``x``: one reverse-mode pass.

    fn: maps a list of n numbers to a number or a list of m numbers, using operations
        that Var supports.
    x: (n,) the point.
    u: (m,) a weight for each output; output i starts the backward pass with adjoint
        u[i] instead of 1.
    returns: (n,) u^T J = sum_i u[i] * d out_i / d x: the gradient of the weighted sum
        of the outputs. u = e_i gives row i of J, which is what :func:`jacobian_reverse`
        does m times.
    """
    fn = as_callable(fn, "fn", "a function of a list of numbers")
    point = _point(x)
    inputs = [Var(p) for p in point]
    _tally[_FORWARD_PASSES] += 1
    outs = _outputs(fn(inputs), Var)
    weights = _weights(u, "u", len(outs), "output of fn")
    roots = [(o, w) for o, w in zip(outs, weights, strict=True) if type(o) is Var]
    _backward_pass([o for o, _ in roots], [w for _, w in roots])
    return np.array([v.grad for v in inputs], dtype=np.float64)
