"""Tests for helpers.autodiff (forward and reverse mode); its graphs' drawing is
tests/test_graph_drawing.py.

Random expressions are differentiated three ways, by Dual numbers, by the Var graph and
by central differences (helpers.gradcheck), and the three must agree."""

from __future__ import annotations

import math
import subprocess
import sys
import warnings

import matplotlib
import matplotlib.text
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from helpers import autodiff
from helpers.autodiff import (
    Dual,
    Var,
    count_ops,
    exp,
    jacobian_forward,
    jacobian_reverse,
    jvp,
    log,
    relu,
    sigmoid,
    tanh,
    topological_order,
    vjp,
)
from helpers.gradcheck import numerical_grad, rel_error
from tests.support.expressions import logistic_steps

matplotlib.use("Agg")

N_INPUTS = 3

# --- random expressions -------------------------------------------------------------
# An expression is a nested tuple: ("x", i) is input i, ("c", value) a plain number,
# (op, a) or (op, a, b) an operation. Every operation is written once, generically, so
# the same tree evaluates on floats, Duals and Vars. log, sqrt and division get positive
# arguments (a * a + 0.5) so that every random tree is defined everywhere.
UNARY = {
    "neg": lambda a: -a,
    "exp": exp,
    "log": lambda a: log(a * a + 0.5),
    "sigmoid": sigmoid,
    "tanh": tanh,
    "relu": relu,
    "square": lambda a: a**2,
    "cube": lambda a: a**3,
    "sqrt": lambda a: (a * a + 0.5) ** 0.5,
    "number_over": lambda a: 2.0 / (a * a + 0.5),
    "number_minus": lambda a: 1.5 - a,
    "number_times": lambda a: 3 * a,
    "number_plus": lambda a: 1 + a,
}
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 0.5),
}

leaves = st.one_of(
    st.tuples(st.just("x"), st.integers(0, N_INPUTS - 1)),
    st.tuples(st.just("c"), st.floats(-2.0, 2.0)),
)
expressions = st.recursive(
    leaves,
    lambda sub: st.one_of(
        st.tuples(st.sampled_from(sorted(UNARY)), sub),
        st.tuples(st.sampled_from(sorted(BINARY)), sub, sub),
    ),
    max_leaves=10,
)
points = st.lists(st.floats(-1.5, 1.5), min_size=N_INPUTS, max_size=N_INPUTS)


def evaluate(expr, inputs, seen=None):
    """Value of ``expr``; ``seen`` collects (op, float argument) pairs when given."""
    kind = expr[0]
    if kind == "x":
        return inputs[expr[1]]
    if kind == "c":
        return expr[1]
    args = [evaluate(e, inputs, seen) for e in expr[1:]]
    out = (UNARY | BINARY)[kind](*args)
    if seen is not None:
        seen.append((kind, [float(a) for a in args], float(out)))
    return out


def well_behaved(expr, x) -> bool:
    """Moderate values everywhere and no relu argument near its kink."""
    seen = []
    try:
        evaluate(expr, list(x), seen)
    except OverflowError:
        return False
    for kind, args, out in seen:
        if abs(out) > 1e3 or any(abs(a) > 1e3 for a in args):
            return False
        if kind == "relu" and abs(args[0]) < 1e-3:
            return False
    return True


def grad_forward(expr, x) -> np.ndarray:
    return jacobian_forward(lambda inputs: evaluate(expr, inputs), x)[0]


def grad_reverse(expr, x) -> np.ndarray:
    inputs = [Var(v) for v in x]
    out = evaluate(expr, inputs)
    if isinstance(out, Var):
        out.backward()
    return np.array([v.grad for v in inputs])


@settings(deadline=None, max_examples=60, derandomize=True)
@given(expr=expressions, x=points)
def test_random_expressions_forward_reverse_and_numeric_agree(expr, x):
    assume(well_behaved(expr, x))
    forward, reverse = grad_forward(expr, x), grad_reverse(expr, x)
    numeric = numerical_grad(lambda p: evaluate(expr, list(p)), np.array(x))
    err_modes = rel_error(forward, reverse)
    err_numeric = rel_error(reverse, numeric)
    message = f"{expr}\nforward {forward}\nreverse {reverse}\nnumeric {numeric}"
    assert err_modes < 1e-10, message
    assert err_numeric < 1e-5, message


@settings(deadline=None, max_examples=40, derandomize=True)
@given(expr=expressions, x=points)
def test_values_agree_across_types(expr, x):
    assume(well_behaved(expr, x))
    plain = evaluate(expr, list(x))
    as_dual = evaluate(expr, [Dual(v) for v in x])
    as_var = evaluate(expr, [Var(v) for v in x])
    for other in (as_dual, as_var):
        value = other.value if isinstance(other, Dual | Var) else other
        assert value == pytest.approx(plain, rel=1e-12, abs=1e-12), (expr, plain, value)


# --- the chapter's function ---------------------------------------------------------


def test_logistic_example_by_hand():
    """f(x; w, b) = 1 / (exp(-(wx + b)) + 1) at x=1, w=0, b=0: df/dw = df/db = 1/4, df/dx = 0."""
    x, w, b = Var(1.0, "x"), Var(0.0, "w"), Var(0.0, "b")
    f = logistic_steps(x, w, b)[-1]
    f.backward()
    assert f.value == 0.5
    assert (w.grad, b.grad, x.grad) == (0.25, 0.25, 0.0)
    tangent = logistic_steps(Dual(1.0), Dual(0.0, 1.0), Dual(0.0))[-1].tangent
    assert tangent == 0.25
    # Same graph size as the chapter's table: 6 operations, x, w, b and the constant 1.
    assert len(topological_order(f)) == 10
    assert [n.op for n in topological_order(f) if n.op] == ["*", "+", "neg", "exp", "+", "**-1"]


@settings(deadline=None, max_examples=40)
@given(x=st.floats(-3, 3), w=st.floats(-3, 3), b=st.floats(-3, 3))
def test_logistic_matches_sigmoid_derivative(x, w, b):
    xs, ws, bs = Var(x), Var(w), Var(b)
    f = logistic_steps(xs, ws, bs)[-1]
    f.backward()
    s = 1.0 / (1.0 + math.exp(-(w * x + b)))
    expected = np.array([w, x, 1.0]) * s * (1 - s)
    got = np.array([xs.grad, ws.grad, bs.grad])
    # Both sides are exact formulas, but 1 - s loses digits when s is near 1 (about
    # 1e-12 relative at w x + b = 10), so allow a few hundred ulps more than that.
    assert rel_error(got, expected) < 1e-9, (got, expected)


# --- backward() ---------------------------------------------------------------------


@settings(deadline=None, max_examples=30, derandomize=True)
@given(expr=expressions, x=points)
def test_backward_twice_gives_the_same_grads(expr, x):
    assume(well_behaved(expr, x))
    inputs = [Var(v) for v in x]
    out = evaluate(expr, inputs)
    assume(isinstance(out, Var))
    out.backward()
    first = [n.grad for n in topological_order(out)]
    out.backward()
    second = [n.grad for n in topological_order(out)]
    assert first == second


def test_reused_node_accumulates_and_backward_is_idempotent():
    x = Var(3.0, "x")
    y = x * x + x  # dy/dx = 2x + 1 = 7, reached along three edges
    for _ in range(3):
        y.backward()
        assert x.grad == 7.0, x.grad
        assert y.grad == 1.0


def test_backward_on_a_deep_graph_needs_no_recursion():
    x = Var(0.5)
    y = x
    for _ in range(5000):
        y = y * 1.0
    y.backward()
    assert x.grad == 1.0
    assert len(topological_order(y)) == 1 + 2 * 5000  # x, 5000 constants, 5000 products


def test_topological_order_puts_inputs_first():
    a, b = Var(1.0), Var(2.0)
    c = a * b
    d = c + a
    e = tanh(d) * c
    order = topological_order(e)
    assert order[-1] is e
    assert len(order) == len({id(n) for n in order})
    position = {id(n): k for k, n in enumerate(order)}
    for node in order:
        for i in node.inputs:
            assert position[id(i)] < position[id(node)]


# --- Jacobian-vector and vector-Jacobian products ----------------------------------

vectors = st.lists(st.floats(-2.0, 2.0), min_size=N_INPUTS, max_size=N_INPUTS)


def as_map(exprs):
    """The function inputs -> [expr(inputs) for expr in exprs], R^3 -> R^m."""
    return lambda inputs: [evaluate(e, inputs) for e in exprs]


@settings(deadline=None, max_examples=40, derandomize=True)
@given(
    exprs=st.lists(expressions, min_size=1, max_size=3),
    x=points,
    v=vectors,
    u=vectors,
)
def test_jvp_and_vjp_are_products_with_the_jacobian(exprs, x, v, u):
    assume(all(well_behaved(e, x) for e in exprs))
    fn, u = as_map(exprs), np.array(u[: len(exprs)])
    jac = jacobian_reverse(fn, x)
    j_v, u_j = jvp(fn, x, v), vjp(fn, x, u)
    scale = max(1.0, float(np.abs(jac).max()))
    assert j_v.shape == (len(exprs),) and u_j.shape == (N_INPUTS,)
    assert np.allclose(j_v, jac @ v, rtol=1e-12, atol=1e-12 * scale), (j_v, jac @ v)
    assert np.allclose(u_j, u @ jac, rtol=1e-12, atol=1e-12 * scale), (u_j, u @ jac)
    # The dot-product test: both are the same bilinear form u^T J v.
    assert math.isclose(u @ j_v, u_j @ v, rel_tol=1e-10, abs_tol=1e-10 * scale)


@settings(deadline=None, max_examples=30, derandomize=True)
@given(expr=expressions, x=points, v=vectors)
def test_jvp_is_a_directional_derivative(expr, x, v):
    assume(well_behaved(expr, x))
    x, v = np.array(x), np.array(v)
    h = 1e-5
    central = (evaluate(expr, list(x + h * v)) - evaluate(expr, list(x - h * v))) / (2 * h)
    assert abs(jvp(as_map([expr]), x, v)[0] - central) < 1e-5 * max(1.0, abs(central))


def test_one_pass_each():
    x = [0.3, -0.2, 0.5]
    with count_ops() as forward_mode:
        jvp(reader, x, [1.0, 2.0, 3.0])
    with count_ops() as reverse_mode:
        vjp(reader, x, [2.0])
    assert (forward_mode.forward_passes, forward_mode.backward_passes) == (1, 0)
    assert (reverse_mode.forward_passes, reverse_mode.backward_passes) == (1, 1)
    assert forward_mode.forward == reverse_mode.forward == reverse_mode.backward == 5


def test_vjp_seeds_every_output_once_per_listing():
    def fn(p):
        a = p[0] * p[1]
        return [a, a, exp(a), p[0], 2.0]

    x, u = [0.5, -1.5], np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    a = x[0] * x[1]
    da = np.array([x[1], x[0]])
    expected = (u[0] + u[1] + u[2] * math.exp(a)) * da + [u[3], 0.0]
    assert np.allclose(vjp(fn, x, u), expected, rtol=1e-15)
    assert np.allclose(vjp(fn, x, u), u @ jacobian_reverse(fn, x), rtol=1e-15)
    assert np.allclose(jvp(fn, x, [1.0, 0.0]), jacobian_forward(fn, x)[:, 0], rtol=1e-15)


def test_jvp_and_vjp_name_a_wrong_vector():
    with pytest.raises(ValueError, match=r"v must hold one number per input of x \(3\), got 2"):
        jvp(reader, [1.0, 2.0, 3.0], [1.0, 2.0])
    with pytest.raises(ValueError, match=r"u must hold one number per output of fn \(1\), got 2"):
        vjp(reader, [1.0, 2.0, 3.0], [1.0, 2.0])
    with pytest.raises(TypeError, match="u must be a number or a 1-D sequence"):
        vjp(reader, [1.0, 2.0], "ab")
    with pytest.raises(TypeError, match="v must be a number or a 1-D sequence"):
        jvp(reader, [1.0, 2.0], [[1.0, 2.0]])
    with pytest.raises(TypeError, match="fn must be"):
        vjp(3, [1.0], [1.0])


# --- operation counts, as chapter 3 states them -------------------------------------


def reader(xs):
    """R^n -> R: s_1 = tanh(x_1), s_k = tanh(s_{k-1} + x_k); 2n - 1 operations."""
    s = tanh(xs[0])
    for x in xs[1:]:
        s = tanh(s + x)
    return s


def generator(t, n):
    """R -> R^n: y_1 = tanh(t), y_k = tanh(y_{k-1} + t); 2n - 1 operations."""
    y = [tanh(t)]
    for _ in range(n - 1):
        y.append(tanh(y[-1] + t))
    return y


@pytest.mark.parametrize("n", [1, 2, 7, 30])
def test_cost_of_a_gradient_r_n_to_r(n, rng):
    x = rng.uniform(-1, 1, n)
    with count_ops() as forward_mode:
        jac_fwd = jacobian_forward(reader, x)
    with count_ops() as reverse_mode:
        jac_rev = jacobian_reverse(reader, x)
    assert jac_fwd.shape == jac_rev.shape == (1, n)
    assert rel_error(jac_fwd, jac_rev) < 1e-12
    assert (forward_mode.forward_passes, forward_mode.backward_passes) == (n, 0)
    assert (forward_mode.forward, forward_mode.backward) == (n * (2 * n - 1), 0)
    assert (reverse_mode.forward_passes, reverse_mode.backward_passes) == (1, 1)
    assert (reverse_mode.forward, reverse_mode.backward) == (2 * n - 1, 2 * n - 1)
    assert reverse_mode.nodes == n + 2 * n - 1  # inputs plus one node per operation


@pytest.mark.parametrize("n", [1, 2, 7, 30])
def test_cost_of_a_jacobian_r_to_r_n(n):
    def g(inputs):
        return generator(inputs[0], n)

    with count_ops() as forward_mode:
        jac_fwd = jacobian_forward(g, [0.3])
    with count_ops() as reverse_mode:
        jac_rev = jacobian_reverse(g, [0.3])
    assert jac_fwd.shape == jac_rev.shape == (n, 1)
    assert rel_error(jac_fwd, jac_rev) < 1e-12
    assert (forward_mode.forward_passes, forward_mode.backward_passes) == (1, 0)
    assert (forward_mode.forward, forward_mode.backward) == (2 * n - 1, 0)
    assert (reverse_mode.forward_passes, reverse_mode.backward_passes) == (1, n)
    # Output k depends on 2k - 1 operations; the sum over k is n ** 2.
    assert (reverse_mode.forward, reverse_mode.backward) == (2 * n - 1, n * n)
    assert reverse_mode.nodes == 1 + 2 * n - 1


def test_derived_operations_count_as_their_parts():
    a, b = Var(1.0), Var(2.0)
    counts = {}
    for name, fn in {
        "add": lambda: a + b,
        "sub": lambda: a - b,  # neg, add
        "div": lambda: a / b,  # pow, mul
        "number_over": lambda: 1 / a,  # pow, mul by the constant 1
        "exp": lambda: exp(a),
    }.items():
        with count_ops() as counter:
            fn()
        counts[name] = counter.forward
    assert counts == {"add": 1, "sub": 2, "div": 2, "number_over": 2, "exp": 1}
    with count_ops() as counter:
        exp(Dual(1.0, 1.0)) - 2.0  # exp, neg, add
        tanh(0.3)  # plain numbers are not counted
    assert counter.forward == 3 and counter.total == 3


DERIVED = ("__radd__", "__rmul__", "__sub__", "__rsub__", "__truediv__", "__rtruediv__")


def test_derived_operations_are_written_once_for_both_modes():
    for name in (*DERIVED, "__rpow__"):
        assert getattr(Var, name) is getattr(Dual, name), name
    # ...and each mode's result is built from its own basic operations.
    for x in (Var(2.0), Dual(2.0, 1.0)):
        results = [1 + x, 3 * x, x - 1, 1 - x, x / 4, 1 / x]
        assert all(type(r) is type(x) for r in results)
        assert [r.value for r in results] == [3.0, 6.0, 1.0, -1.0, 0.5, 0.5]
    d = Dual(2.0, 1.0)
    assert [(1 - d).tangent, (d / 4).tangent, (1 / d).tangent] == [-1.0, 0.25, -0.25]


@pytest.mark.parametrize(("kind", "letter"), [(Var, "v"), (Dual, "d")])
def test_a_number_to_the_power_of_either_mode_names_the_way_out(kind, letter):
    message = rf"int \*\* {kind.__name__} .*write a \*\* {letter} as exp\({letter} \* log\(a\)\)"
    with pytest.raises(TypeError, match=message):
        2 ** kind(1.0)


def test_counters_nest_and_freeze_when_closed():
    with count_ops() as outer:
        Var(1.0) + 1
        with count_ops() as inner:
            Var(1.0) * 2
        Var(1.0).exp()
    Var(1.0).exp()  # after both blocks: seen by neither
    assert (outer.forward, inner.forward) == (3, 1)
    assert (outer.nodes, inner.nodes) == (3 + 3 + 2, 3)  # inputs, constants, results
    assert "forward=3" in repr(outer)


# --- errors -------------------------------------------------------------------------

OPERATORS = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
}


@pytest.mark.parametrize("kind", [Var, Dual])
@pytest.mark.parametrize("op", sorted(OPERATORS))
@pytest.mark.parametrize("bad", ["2", None, [1.0], True, {"x": 1}])
def test_unsupported_operands_raise_type_error(kind, op, bad):
    value = kind(1.0)
    with pytest.raises(TypeError, match="not supported.*real number"):
        OPERATORS[op](value, bad)
    with pytest.raises(TypeError, match="not supported.*real number"):
        OPERATORS[op](bad, value)


@pytest.mark.parametrize("op", sorted(OPERATORS))
def test_mixing_modes_is_refused(op):
    with pytest.raises(TypeError, match="Var.*Dual.*cannot be combined"):
        OPERATORS[op](Var(1.0), Dual(1.0))
    with pytest.raises(TypeError, match="cannot be combined"):
        OPERATORS[op](Dual(1.0), Var(1.0))


@pytest.mark.parametrize("kind", [Var, Dual])
def test_bad_exponents_and_constructors(kind):
    with pytest.raises(TypeError, match="exponent must be a real number"):
        kind(2.0) ** kind(2.0)
    with pytest.raises(TypeError, match="exponent must be a real number"):
        2 ** kind(2.0)
    with pytest.raises(TypeError, match="value must be a real number"):
        kind("1.0")
    with pytest.raises(ValueError, match="negative base"):
        kind(-2.0) ** 0.5
    with pytest.raises(ValueError, match="log needs a positive argument"):
        log(kind(0.0))
    with pytest.raises(ZeroDivisionError):
        kind(0.0) ** -1


def test_functions_refuse_other_types():
    for fn in (exp, log, sigmoid, tanh, relu):
        with pytest.raises(TypeError, match="takes a Var, a Dual or a real number"):
            fn("1.0")
    with pytest.raises(TypeError, match="name must be a string"):
        Var(1.0, name=3)
    with pytest.raises(TypeError, match="root must be a Var"):
        topological_order(Dual(1.0))
    with pytest.raises(TypeError, match="x must be a number or a 1-D sequence"):
        jacobian_forward(reader, [[1.0, 2.0]])


# --- plain numbers, edge cases and repr ----------------------------------------------


def test_functions_on_plain_numbers_match_math():
    assert exp(1.0) == math.exp(1.0)
    assert log(2) == math.log(2.0)
    assert tanh(0.3) == math.tanh(0.3)
    assert sigmoid(0.0) == 0.5
    assert (relu(-2.0), relu(3)) == (0.0, 3.0)


def test_extreme_inputs_stay_finite_and_quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for kind in (Var, Dual):
            assert sigmoid(kind(-1000.0)).value == 0.0
            assert sigmoid(kind(1000.0)).value == 1.0
            assert tanh(kind(-1000.0)).value == -1.0
        assert sigmoid(-1000.0) == 0.0


def test_relu_uses_derivative_zero_at_zero():
    v = Var(0.0)
    relu(v).backward()
    assert v.grad == 0.0
    assert relu(Dual(0.0, 1.0)).tangent == 0.0


def test_numbers_on_either_side():
    v = Var(2.0)
    results = {"2*v": 2 * v, "v+1": v + 1, "1/v": 1 / v, "1-v": 1 - v, "v/4": v / 4}
    expected = {"2*v": (4.0, 2.0), "v+1": (3.0, 1.0), "1/v": (0.5, -0.25), "1-v": (-1.0, -1.0)}
    expected["v/4"] = (0.5, 0.25)
    for key, out in results.items():
        out.backward()
        assert (out.value, v.grad) == expected[key], key
        tangent = {"2*v": 2 * Dual(2.0, 1.0), "v+1": Dual(2.0, 1.0) + 1}.get(key)
        if tangent is not None:
            assert (tangent.value, tangent.tangent) == expected[key]


def test_numpy_arrays_of_vars_work_elementwise():
    vs = np.array([Var(1.0), Var(2.0)], dtype=object)
    total = (vs * 3.0 + 1).sum()
    total.backward()
    assert total.value == 11.0
    assert [v.grad for v in vs] == [3.0, 3.0]


def test_repr():
    x = Var(0.0, "x")
    s = sigmoid(x)
    s.backward()
    assert repr(s) == "Var(value=0.5, grad=1.0, op='sigmoid')"
    assert repr(x) == "Var(value=0.0, grad=0.25, name='x')"
    assert repr(Dual(2.0, 1.0) ** 2) == "Dual(value=4.0, tangent=4.0)"


def test_module_exports():
    names = ("Var", "Dual", "exp", "log", "sigmoid", "tanh", "relu", "count_ops", "jvp", "vjp")
    for name in names:
        assert hasattr(autodiff, name)


def test_importing_autodiff_alone_leaves_matplotlib_out():
    """helpers imports its modules when they are first used: the engine needs numpy only."""
    probe = "import sys, helpers.autodiff; print('matplotlib' in sys.modules)"
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "False"


# --- corner cases of the arithmetic -------------------------------------------------------


def test_the_derivative_of_a_zeroth_power_is_zero_even_at_zero():
    v = autodiff.Var(0.0)
    (v**0).backward()
    assert v.grad == 0.0
    d = autodiff.Dual(0.0, 1.0) ** 0
    assert d.value == 1.0 and d.tangent == 0.0


def test_an_infinite_derivative_and_a_division_by_zero_are_named():
    v = autodiff.Var(0.0)
    with pytest.raises(ValueError, match="derivative of v \\*\\* 0.5 at v = 0 is infinite"):
        (v**0.5).backward()
    with pytest.raises(ZeroDivisionError, match="the base is 0"):
        autodiff.Var(0.0) ** -1


def test_overflow_is_inf_as_in_ieee_not_an_exception():
    assert autodiff.Var(1000.0).exp().value == math.inf
    assert autodiff.exp(1000.0) == math.inf
    assert (autodiff.Var(2.0) ** 1e308).value == math.inf
    assert (autodiff.Dual(-2.0) ** 1025).value == -math.inf


@pytest.mark.parametrize("value", [autodiff.Var(0.0), autodiff.Dual(0.0)])
def test_var_and_dual_have_no_truth_value(value):
    with pytest.raises(TypeError, match="no truth value"):
        bool(value)
