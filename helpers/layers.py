"""Layers with one shared protocol.

Every layer has

- ``params``: dict name -> array, the values an optimiser updates in place;
- ``grads``: dict with the same keys, filled by ``backward`` with dL/dparam;
- ``training``: bool; ``train()`` and ``eval()`` set it (dropout and batch norm care);
- ``forward(x)``: computes the output and keeps in a small cache what backward needs;
- ``backward(dout)``: takes dL/dout and returns dL/dx, using only that cache.

:class:`Layer` states this protocol for mypy and for ``isinstance``; :class:`LayerBase`
is the bookkeeping the layers here (and those of :mod:`helpers.norm`) share: a layer
writes ``_forward`` and ``_backward``, the arithmetic, and the base class around them

- works on its own float64 copies of ``x`` and ``dout``, so that a caller who changes
  an array after passing it (or changes an output it got back) changes nothing the
  layer keeps;
- refuses a NaN or an infinity in ``x`` or ``dout`` with a ValueError naming it, and
  a result (output, dx or a gradient) that overflows float64 with a ValueError naming
  the input that is too large (:class:`helpers._checks.NonFiniteError`, the package's
  policy); a container checks the results of its whole tree, once;
- checks that ``dout`` has the output's shape, and that backward does not run before
  a forward pass that succeeded.

A layer object keeps the cache of its last forward pass, so it appears at most once in
a model: a container refuses the same object twice (weight tying needs one layer that
uses its weight twice in its own forward pass).
Shapes: N is the batch size, D a feature count: x: (N, D_in) -> out: (N, D_out).
Calling a layer, ``layer(x)``, is ``layer.forward(x)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol, runtime_checkable

import numpy as np

from . import init as init_schemes
from . import optim
from ._checks import (
    ArgumentTypeError,
    NonFiniteError,
    as_bool,
    as_finite_array,
    as_fraction,
    as_int,
    as_positive_int,
    as_real,
    check_finite,
    check_ndim,
    check_rng,
    optional,
)
from .activations import ACTIVATIONS, _rrelu_bounds, sample_rrelu_slopes

Array = np.ndarray


@runtime_checkable
class Layer(Protocol):
    """What a model, a gradient check and a training loop may rely on (see above)."""

    params: dict[str, Array]
    grads: dict[str, Array]
    training: bool

    def forward(self, x: Array) -> Array: ...

    def backward(self, dout: Array) -> Array: ...


#: The members of :class:`Layer`, in the order an error message names a missing one.
LAYER_MEMBERS = ("forward", "backward", "params", "grads", "training")


def as_layer(layer: object, name: str) -> Layer:
    """Return ``layer`` if it follows the :class:`Layer` protocol, else name what it lacks."""
    # LayerBase first: the Protocol's own test reads every member, and a container's
    # params and grads are built anew on each read
    if not (isinstance(layer, LayerBase) or isinstance(layer, Layer)):
        missing = ", ".join(f".{m}" for m in LAYER_MEMBERS if not hasattr(layer, m))
        raise ArgumentTypeError(
            f"{name} must be a layer (see helpers.layers.Layer), "
            f"got {type(layer).__name__}, which has no {missing}"
        )
    return layer


def _own_copy(x: object, name: str) -> Array:
    """x as a finite float64 array that belongs to the layer (never the caller's)."""
    arr = as_finite_array(x, name)
    return arr.copy() if arr is x else arr


class LayerBase(Layer):
    """Base class: the protocol's bookkeeping around a layer's ``_forward`` and
    ``_backward`` (see the module docstring)."""

    def __init__(self) -> None:
        self.params: dict[str, Array] = {}
        self.grads: dict[str, Array] = {}
        self._training = True
        self._cache: Any = None  # what _forward keeps for _backward
        self._out_shape: tuple[int, ...] | None = None  # None until a forward succeeds

    @property
    def training(self) -> bool:
        return self._training

    @training.setter
    def training(self, mode: bool) -> None:
        self._training = as_bool(mode, "training")

    def forward(self, x: Array) -> Array:
        x = _own_copy(x, "x")
        with np.errstate(over="ignore", invalid="ignore"):
            return self._forward_pass(x)

    def backward(self, dout: Array) -> Array:
        self._need_forward()
        dout = _own_copy(dout, "dout")
        with np.errstate(over="ignore", invalid="ignore"):
            return self._backward_pass(dout)

    # What a container calls for its children (check=False): the arguments are float64
    # arrays that no caller keeps, the container's errstate is in force, and the
    # container checks its own output, dx and every gradient of its tree. (A value that
    # overflowed inside and was then saturated, tanh(inf) = 1, is the right limit.)

    def _forward_pass(self, x: Array, check: bool = True) -> Array:
        self._out_shape = None
        out = self._forward(x)
        if check:
            self._check_output(out, "output", "x", x)
        self._out_shape = out.shape
        return out

    def _backward_pass(self, dout: Array, check: bool = True) -> Array:
        self._need_forward()
        if dout.shape != self._out_shape:
            raise ValueError(
                f"dout must have the output's shape {self._out_shape}, got {dout.shape}"
            )
        dx = self._backward(dout)
        if check:
            self._check_output(dx, "gradient dx", "dout", dout)
            for name, g in self.grads.items():
                self._check_output(g, f"gradient grads[{name!r}]", "dout", dout, " (or x was)")
        return dx

    def _need_forward(self) -> None:
        if self._out_shape is None:
            raise RuntimeError(
                f"{type(self).__name__}.backward called before forward (or after a "
                "forward pass that failed)"
            )

    def _forward(self, x: Array) -> Array:
        """The layer's arithmetic on its own finite copy of x."""
        raise NotImplementedError

    def _backward(self, dout: Array) -> Array:
        """dL/dx from dL/dout (finite, of the output's shape); fills grads."""
        raise NotImplementedError

    def _check_output(
        self, out: Array, what: str, cause: str, given: Array, also: str = ""
    ) -> None:
        """Refuse a non-finite result, naming a non-finite parameter or the input."""
        if np.isfinite(out).all():
            return
        for name, p in self.params.items():  # a parameter set to NaN by hand, say
            check_finite(np.asarray(p), f"{type(self).__name__}.params[{name!r}]")
        largest = np.max(np.abs(given), initial=0)
        raise NonFiniteError(
            f"{self!r}: its {what} overflows float64 (beyond about 1.8e308); {cause} is "
            f"too large for it{also} (largest |{cause}| {largest:.3g})"
        )

    def __call__(self, x: Array) -> Array:
        return self.forward(x)

    def train(self) -> LayerBase:
        self.training = True
        return self

    def eval(self) -> LayerBase:
        self.training = False
        return self

    def zero_grad(self) -> None:
        for name, p in self.params.items():
            self.grads[name] = np.zeros_like(p)


class Linear(LayerBase):
    """out = x @ W + b.

    n_in, n_out: feature counts. W: (n_in, n_out), b: (n_out,).
    init: a scheme name from helpers.init (zeros, normal, xavier_normal, he_normal, ...).
    rng: numpy Generator for the initial weights; only the random schemes need one
        (not zeros or constant), and they refuse a missing one by name.
    bias: whether the layer has the bias b.
    """

    def __init__(
        self,
        n_in: int,
        n_out: int,
        init: str = "xavier_normal",
        rng: np.random.Generator | None = None,
        bias: bool = True,
        **init_kwargs: Any,
    ) -> None:
        super().__init__()
        scheme = init_schemes.get(init)
        bias = as_bool(bias, "bias")
        self.n_in, self.n_out = as_positive_int(n_in, "n_in"), as_positive_int(n_out, "n_out")
        self.init = init
        self.params["W"] = scheme(self.n_in, self.n_out, rng, **init_kwargs)
        if bias:
            self.params["b"] = np.zeros(self.n_out)
        self.zero_grad()

    def _forward(self, x: Array) -> Array:
        """x: (N, n_in) -> (N, n_out)."""
        check_ndim(x, "x", (2,), f"(N, {self.n_in})")
        if x.shape[1] != self.n_in:
            raise ValueError(f"x must have shape (N, {self.n_in}) for {self!r}, got {x.shape}")
        self._cache = x
        out = x @ self.params["W"]
        return out + self.params["b"] if "b" in self.params else out

    def _backward(self, dout: Array) -> Array:
        """dout: (N, n_out) -> dx: (N, n_in); fills grads W (n_in, n_out), b (n_out,)."""
        x = self._cache
        self.grads["W"] = x.T @ dout
        if "b" in self.params:
            self.grads["b"] = dout.sum(axis=0)
        return dout @ self.params["W"].T

    def __repr__(self) -> str:
        return f"Linear({self.n_in} -> {self.n_out}, init={self.init})"


class ActivationLayer(LayerBase):
    """An elementwise activation from helpers.activations, with fixed parameters.

    x: any shape -> same shape.
    """

    def __init__(self, name: str, **act_params: Any) -> None:
        super().__init__()
        self.activation = ACTIVATIONS[name]
        self.name = name
        self.act_params = act_params
        self.activation.fn(np.zeros(1), **act_params)  # validate parameters now
        # x is finite here, so the rules can be called directly with these
        self._rule_params = self.activation._params(act_params)
        self._per_element = any(isinstance(v, np.ndarray) for v in act_params.values())

    def _forward(self, x: Array) -> Array:
        self._cache = x
        if self._per_element:  # a per-element parameter is checked against x's shape
            return self.activation.fn(x, **self.act_params)
        return self.activation._fn(x, **self._rule_params)

    def _backward(self, dout: Array) -> Array:
        if self._per_element:
            return dout * self.activation.grad(self._cache, **self.act_params)
        return dout * self.activation._grad(self._cache, **self._rule_params)

    def __repr__(self) -> str:
        args = "".join(f", {k}={v!r}" for k, v in self.act_params.items())
        return f"{type(self).__name__}({self.name!r}{args})"


# Functions named like classes, so that a model reads as a list of layers.
def Sigmoid() -> ActivationLayer:
    return ActivationLayer("sigmoid")


def Tanh() -> ActivationLayer:
    return ActivationLayer("tanh")


def ReLU() -> ActivationLayer:
    return ActivationLayer("relu")


def LeakyReLU(alpha: float = 0.01) -> ActivationLayer:
    """alpha: the negative slope, a real number (PReLU learns one per feature)."""
    return ActivationLayer("leaky_relu", alpha=as_real(alpha, "alpha"))


class PReLU(LayerBase):
    """Leaky ReLU whose negative slope alpha is learned: one alpha per feature.

    x: (N, D) -> (N, D). params: alpha (D,), or a scalar alpha (shape ()) if D is None.
    """

    def __init__(self, num_features: int | None = None, alpha: float = 0.25) -> None:
        super().__init__()
        alpha = as_real(alpha, "alpha")
        num_features = optional(as_positive_int, num_features, "num_features")
        shape = () if num_features is None else (num_features,)
        self.params["alpha"] = np.full(shape, alpha)
        self.zero_grad()

    def _forward(self, x: Array) -> Array:
        alpha = self.params["alpha"]
        if alpha.ndim and (x.ndim != 2 or x.shape[1] != alpha.shape[0]):
            raise ValueError(f"x must have shape (N, {alpha.shape[0]}), got {x.shape}")
        self._cache = x
        return ACTIVATIONS["prelu"].fn(x, alpha=alpha)

    def _backward(self, dout: Array) -> Array:
        x, alpha = self._cache, self.params["alpha"]
        dalpha = dout * ACTIVATIONS["prelu"].param_grad(x, "alpha", alpha=alpha)
        # alpha is shared by every sample (and by every feature if scalar): sum over those.
        self.grads["alpha"] = dalpha.sum(axis=0) if alpha.ndim else np.sum(dalpha)
        return dout * ACTIVATIONS["prelu"].grad(x, alpha=alpha)

    def __repr__(self) -> str:
        return f"PReLU(alpha shape {self.params['alpha'].shape})"


class RReLU(LayerBase):
    """Randomised leaky ReLU: in training each element's negative slope is drawn from
    U(lower, upper); in evaluation the slope is the mean, (lower + upper) / 2."""

    def __init__(
        self, rng: np.random.Generator, lower: float = 1 / 8, upper: float = 1 / 3
    ) -> None:
        super().__init__()
        self.rng = check_rng(rng)
        self.lower, self.upper = _rrelu_bounds(lower, upper)

    def _forward(self, x: Array) -> Array:
        slope = (
            sample_rrelu_slopes(x.shape, self.rng, self.lower, self.upper)
            if self.training
            else None
        )
        self._cache = (x, slope)
        return ACTIVATIONS["rrelu"].fn(x, lower=self.lower, upper=self.upper, slope=slope)

    def _backward(self, dout: Array) -> Array:
        x, slope = self._cache
        return dout * ACTIVATIONS["rrelu"].grad(x, lower=self.lower, upper=self.upper, slope=slope)

    def __repr__(self) -> str:
        return f"RReLU(lower={self.lower:g}, upper={self.upper:g})"


class Dropout(LayerBase):
    """Inverted dropout: in training each unit's output is zeroed with probability p and
    the survivors are scaled by 1 / (1 - p), so the expected output equals the input;
    in evaluation it is the identity (its output is a copy of x).

    It drops units' outputs, not weights (dropping weights is DropConnect).
    x: any shape -> same shape. ``freeze_mask = True`` reuses the last mask, so that a
    gradient check sees a deterministic function.
    """

    def __init__(self, p: float, rng: np.random.Generator) -> None:
        super().__init__()
        self.p = as_fraction(p, "p")
        self.rng = check_rng(rng)
        self._freeze_mask = False
        self.mask: Array | None = None

    @property
    def freeze_mask(self) -> bool:
        return self._freeze_mask

    @freeze_mask.setter
    def freeze_mask(self, value: bool) -> None:
        self._freeze_mask = as_bool(value, "freeze_mask")

    def _forward(self, x: Array) -> Array:
        if not self.training or self.p == 0.0:
            self._cache = None  # the identity: no mask (x is already the layer's copy)
            return x
        if not (self.freeze_mask and self.mask is not None and self.mask.shape == x.shape):
            self.mask = (self.rng.random(x.shape) >= self.p) / (1.0 - self.p)
        self._cache = self.mask
        return x * self.mask

    def _backward(self, dout: Array) -> Array:
        mask = self._cache
        return dout if mask is None else dout * mask

    def __repr__(self) -> str:
        return f"Dropout(p={self.p:g})"


class RandomShift(LayerBase):
    """Data augmentation by shifting, as a layer: in training each sample, a row of
    x: (N, L), is rotated along its L points by s, drawn uniformly from
    -max_shift..max_shift for each sample and each forward pass (``np.roll``: what
    leaves one end comes back at the other); in evaluation it is the identity.

    MNIST-1D moves its digits the same way when it makes them (a rotation of the
    signal, :func:`helpers.data.mnist1d_signals`), so a shifted training signal looks
    like one the generator could have made. Placed first in a model, it shows every
    epoch another shift of each training sample, and none at test time.

    max_shift: an integer in [0, L); 0 is the identity. backward rotates dout back
    by -s. ``freeze_shifts = True`` reuses the last shifts, so that a gradient check
    sees a deterministic function.
    """

    def __init__(self, max_shift: int, rng: np.random.Generator) -> None:
        super().__init__()
        self.max_shift = as_int(max_shift, "max_shift", minimum=0)
        self.rng = check_rng(rng)
        self._freeze_shifts = False
        self.shifts: Array | None = None  # (N,) the last shifts drawn

    @property
    def freeze_shifts(self) -> bool:
        return self._freeze_shifts

    @freeze_shifts.setter
    def freeze_shifts(self, value: bool) -> None:
        self._freeze_shifts = as_bool(value, "freeze_shifts")

    def _forward(self, x: Array) -> Array:
        check_ndim(x, "x", (2,), "(N, L)")
        if not self.training or self.max_shift == 0:
            self._cache = None
            return x
        n, length = x.shape
        if self.max_shift >= length:
            raise ValueError(
                f"max_shift must be below the signals' length L = {length}, got "
                f"{self.max_shift} (a shift by L is no shift)"
            )
        shifts = self.shifts
        if not (self.freeze_shifts and shifts is not None and len(shifts) == n):
            shifts = np.asarray(self.rng.integers(-self.max_shift, self.max_shift + 1, size=n))
            self.shifts = shifts
        # out[i, j] = x[i, (j - s_i) mod L]
        source = (np.arange(length) - shifts[:, None]) % length
        self._cache = source
        return np.take_along_axis(x, source, axis=1)

    def _backward(self, dout: Array) -> Array:
        source = self._cache
        if source is None:
            return dout
        dx = np.empty_like(dout)
        np.put_along_axis(dx, source, dout, axis=1)  # each row's source is a permutation
        return dx

    def __repr__(self) -> str:
        return f"RandomShift(max_shift={self.max_shift})"


class _Container(LayerBase):
    """Bookkeeping for layers made of layers: prefixed params/grads, shared mode, and
    the check that no layer object appears twice in the tree.

    The params, grads and mode are the children's, so the empty dicts that
    LayerBase.__init__ assigns are accepted and dropped.
    """

    def _children(self) -> Iterator[tuple[str, Layer]]:
        raise NotImplementedError

    def _label(self, key: str) -> str:
        """How an error message names the child with this key."""
        return key

    def forward(self, x: Array) -> Array:
        self._check_tree()  # a chapter may have replaced a layer since construction
        return super().forward(x)

    def _check_tree(self) -> None:
        """Refuse a child that is no layer, and a layer object that appears twice (or a
        container inside itself), naming where; fast when neither happens."""
        seen = {id(self)}

        def visit(layer: object) -> bool:
            if id(layer) in seen or not hasattr(layer, "_forward_pass"):
                return False  # a repeat, or a layer of another kind: look closer
            seen.add(id(layer))
            children = getattr(layer, "_children", None)
            return children is None or all(visit(child) for _, child in children())

        if not all(visit(child) for _, child in self._children()):
            self._check_tree_slowly()

    def _check_tree_slowly(self) -> None:
        seen: dict[int, str] = {id(self): f"the {type(self).__name__} itself"}

        def visit(layer: Layer, path: str) -> None:
            as_layer(layer, path)
            if id(layer) in seen:
                raise ValueError(
                    f"{path} is the same layer object as {seen[id(layer)]}: a layer keeps "
                    "the cache of its last forward pass, so it can appear once in a model "
                    "(to share weights, write one layer that uses them twice)"
                )
            seen[id(layer)] = path
            if isinstance(layer, _Container):
                for key, child in layer._children():
                    visit(child, f"{path}.{layer._label(key)}")

        for key, child in self._children():
            visit(child, self._label(key))

    @property
    def params(self) -> dict[str, Array]:
        return {f"{p}.{k}": v for p, layer in self._children() for k, v in layer.params.items()}

    @params.setter
    def params(self, value: dict[str, Array]) -> None:
        if value:
            raise AttributeError("set the parameters of the inner layers instead")

    @property
    def grads(self) -> dict[str, Array]:
        return {f"{p}.{k}": v for p, layer in self._children() for k, v in layer.grads.items()}

    @grads.setter
    def grads(self, value: dict[str, Array]) -> None:
        if value:
            raise AttributeError("grads are filled by the inner layers' backward")

    @property
    def training(self) -> bool:
        return all(layer.training for _, layer in self._children())

    @training.setter
    def training(self, mode: bool) -> None:
        mode = as_bool(mode, "training")
        for _, layer in self._children():
            layer.training = mode

    def zero_grad(self) -> None:
        for _, layer in self._children():
            if isinstance(layer, LayerBase):  # zero_grad is bookkeeping, not the protocol
                layer.zero_grad()


class Sequential(_Container):
    """Layers applied in order; backward runs them in reverse.

    layers: one or more layers, each object once (see the module docstring).
    params and grads are keyed "<index>.<name>", e.g. "0.W", "2.b".
    """

    def __init__(self, *layers: Layer) -> None:
        super().__init__()
        if not layers:
            raise ValueError("Sequential needs at least one layer, got none")
        self.layers = [as_layer(layer, f"layers[{i}]") for i, layer in enumerate(layers)]
        self._check_tree()

    def _children(self) -> Iterator[tuple[str, Layer]]:
        return ((str(i), layer) for i, layer in enumerate(self.layers))

    def _label(self, key: str) -> str:
        return f"layers[{key}]"

    def _forward(self, x: Array) -> Array:
        for layer in self.layers:
            x = _child_forward(layer, x)
        return x

    def _backward(self, dout: Array) -> Array:
        for layer in reversed(self.layers):
            dout = _child_backward(layer, dout)
        return dout

    def __getitem__(self, i: int) -> Layer:
        return self.layers[i]

    def __len__(self) -> int:
        return len(self.layers)

    def __repr__(self) -> str:
        inner = "\n".join(f"  ({i}) {layer!r}" for i, layer in enumerate(self.layers))
        return f"Sequential(\n{inner}\n)"


class Residual(_Container):
    """out = x + block(x): the identity path carries the gradient past the block.

    block: a layer whose output has the shape of its input.
    backward: dx = dout + block.backward(dout).
    """

    def __init__(self, block: Layer) -> None:
        super().__init__()
        self.block = as_layer(block, "block")
        self._check_tree()

    def _children(self) -> Iterator[tuple[str, Layer]]:
        yield "block", self.block

    def _forward(self, x: Array) -> Array:
        out = _child_forward(self.block, x)
        if out.shape != x.shape:
            raise ValueError(
                f"Residual needs block output shape == input shape, got {out.shape} != {x.shape}"
            )
        return x + out

    def _backward(self, dout: Array) -> Array:
        return dout + _child_backward(self.block, dout)

    def __repr__(self) -> str:
        return f"Residual({self.block!r})"


def _forward_unchecked(layer: Layer, x: Array) -> Array:
    """``layer.forward(x)`` for a caller that owns x, has checked that it is a finite
    float64 array and that no layer object appears twice in ``layer`` (see
    :func:`_check_model`), and holds ``np.errstate(over="ignore", invalid="ignore")``:
    training does, once, instead of on every step. The output is checked as always."""
    forward_pass = getattr(layer, "_forward_pass", None)
    if forward_pass is not None:
        return forward_pass(x)
    return _own_copy(layer.forward(x), f"the output of {layer!r}")


def _check_model(layer: Layer) -> None:
    """Refuse a model in which a layer object appears twice (see the module docstring)."""
    check_tree = getattr(layer, "_check_tree", None)
    if check_tree is not None:
        check_tree()


def _backward_unchecked(layer: Layer, dout: Array) -> Array:
    """``layer.backward(dout)`` on the same terms as :func:`_forward_unchecked`."""
    backward_pass = getattr(layer, "_backward_pass", None)
    if backward_pass is not None:
        return backward_pass(dout)
    return _own_copy(layer.backward(dout), f"the gradient dx of {layer!r}")


def _child_forward(layer: Layer, x: Array) -> Array:
    """A child's forward pass inside a container (see LayerBase._forward_pass); the
    output of a layer of another kind is checked like any input. (An attribute test,
    not isinstance: an isinstance test against a Protocol's subclass is slow.)"""
    forward_pass = getattr(layer, "_forward_pass", None)
    if forward_pass is not None:
        return forward_pass(x, check=False)
    return _own_copy(layer.forward(x), f"the output of {layer!r}")


def _child_backward(layer: Layer, dout: Array) -> Array:
    backward_pass = getattr(layer, "_backward_pass", None)
    if backward_pass is not None:
        return backward_pass(dout, check=False)
    return _own_copy(layer.backward(dout), f"the gradient dx of {layer!r}")


def sgd_step(layer: Layer, lr: float) -> None:
    """One plain gradient-descent step, in place: p <- p - lr * dL/dp.

    The same step as ``optim.SGD().step(layer.params, layer.grads, lr)``.
    """
    layer = as_layer(layer, "layer")
    optim.SGD().step(layer.params, layer.grads, lr)
