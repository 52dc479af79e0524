"""Layers with one shared protocol.

Every layer has

- ``params``: dict name -> array, the values an optimiser updates in place;
- ``grads``: dict with the same keys, filled by ``backward`` with dL/dparam;
- ``training``: bool; ``train()`` and ``eval()`` set it (dropout and batch norm care);
- ``forward(x)``: computes the output and keeps in a small cache what backward needs;
- ``backward(dout)``: takes dL/dout and returns dL/dx, using only that cache.

:class:`Layer` states this protocol for mypy and for ``isinstance``; :class:`LayerBase`
is the bookkeeping the layers here (and those of :mod:`helpers.norm`) share, including
the one check that backward does not run before forward.
Shapes: N is the batch size, D a feature count: x: (N, D_in) -> out: (N, D_out).
Calling a layer, ``layer(x)``, is ``layer.forward(x)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol, runtime_checkable

import numpy as np

from . import init as init_schemes
from ._checks import ArgumentTypeError, as_float_array, as_real, check_ndim, check_rng
from .activations import ACTIVATIONS, sample_rrelu_slopes

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
    if not isinstance(layer, Layer):
        missing = ", ".join(f".{m}" for m in LAYER_MEMBERS if not hasattr(layer, m))
        raise ArgumentTypeError(
            f"{name} must be a layer (see helpers.layers.Layer), "
            f"got {type(layer).__name__}, which has no {missing}"
        )
    return layer


class LayerBase(Layer):
    """Base class: the protocol's bookkeeping, no computation."""

    # A class default, so that a container, whose mode is its children's, has nothing
    # to set here.
    training: bool = True

    def __init__(self) -> None:
        self.params: dict[str, Array] = {}
        self.grads: dict[str, Array] = {}
        self._cache: Any = None  # what forward keeps for backward; None until it runs

    def forward(self, x: Array) -> Array:
        raise NotImplementedError

    def backward(self, dout: Array) -> Array:
        raise NotImplementedError

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

    def _need_cache(self) -> Any:
        """What forward kept; every backward starts here, so none runs before forward."""
        if self._cache is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")
        return self._cache

    def _check_dout(self, dout: Any, shape: tuple[int, ...]) -> Array:
        dout = as_float_array(dout, "dout")
        if dout.shape != shape:
            raise ValueError(f"dout must have the output's shape {shape}, got {dout.shape}")
        return dout


class Linear(LayerBase):
    """out = x @ W + b.

    n_in, n_out: feature counts. W: (n_in, n_out), b: (n_out,).
    init: a scheme name from helpers.init (zeros, normal, xavier_normal, he_normal, ...).
    rng: numpy Generator for the initial weights; only the random schemes need one
        (not zeros or constant), and they refuse a missing one by name.
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
        self.n_in, self.n_out, self.init = n_in, n_out, init
        self.params["W"] = scheme(n_in, n_out, rng, **init_kwargs)
        if bias:
            self.params["b"] = np.zeros(n_out)
        self.zero_grad()

    def forward(self, x: Array) -> Array:
        """x: (N, n_in) -> (N, n_out)."""
        x = as_float_array(x, "x")
        check_ndim(x, "x", (2,), f"(N, {self.n_in})")
        if x.shape[1] != self.n_in:
            raise ValueError(f"x must have shape (N, {self.n_in}) for {self!r}, got {x.shape}")
        self._cache = x
        out = x @ self.params["W"]
        return out + self.params["b"] if "b" in self.params else out

    def backward(self, dout: Array) -> Array:
        """dout: (N, n_out) -> dx: (N, n_in); fills grads W (n_in, n_out), b (n_out,)."""
        x = self._need_cache()
        dout = self._check_dout(dout, (x.shape[0], self.n_out))
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

    def forward(self, x: Array) -> Array:
        x = as_float_array(x, "x")
        self._cache = x
        return self.activation.fn(x, **self.act_params)

    def backward(self, dout: Array) -> Array:
        x = self._need_cache()
        dout = self._check_dout(dout, x.shape)
        return dout * self.activation.grad(x, **self.act_params)

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
    return ActivationLayer("leaky_relu", alpha=alpha)


class PReLU(LayerBase):
    """Leaky ReLU whose negative slope alpha is learned: one alpha per feature.

    x: (N, D) -> (N, D). params: alpha (D,), or a scalar alpha (shape ()) if D is None.
    """

    def __init__(self, num_features: int | None = None, alpha: float = 0.25) -> None:
        super().__init__()
        alpha = as_real(alpha, "alpha")
        shape = () if num_features is None else (num_features,)
        self.params["alpha"] = np.full(shape, alpha)
        self.zero_grad()

    def forward(self, x: Array) -> Array:
        x = as_float_array(x, "x")
        alpha = self.params["alpha"]
        if alpha.ndim and (x.ndim != 2 or x.shape[1] != alpha.shape[0]):
            raise ValueError(f"x must have shape (N, {alpha.shape[0]}), got {x.shape}")
        self._cache = x
        return ACTIVATIONS["prelu"].fn(x, alpha=alpha)

    def backward(self, dout: Array) -> Array:
        x = self._need_cache()
        dout = self._check_dout(dout, x.shape)
        alpha = self.params["alpha"]
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
        self.lower, self.upper = as_real(lower, "lower"), as_real(upper, "upper")
        sample_rrelu_slopes((1,), np.random.default_rng(0), self.lower, self.upper)

    def forward(self, x: Array) -> Array:
        x = as_float_array(x, "x")
        slope = (
            sample_rrelu_slopes(x.shape, self.rng, self.lower, self.upper)
            if self.training
            else None
        )
        self._cache = (x, slope)
        return ACTIVATIONS["rrelu"].fn(x, lower=self.lower, upper=self.upper, slope=slope)

    def backward(self, dout: Array) -> Array:
        x, slope = self._need_cache()
        dout = self._check_dout(dout, x.shape)
        return dout * ACTIVATIONS["rrelu"].grad(x, lower=self.lower, upper=self.upper, slope=slope)

    def __repr__(self) -> str:
        return f"RReLU(lower={self.lower:g}, upper={self.upper:g})"


class Dropout(LayerBase):
    """Inverted dropout: in training each unit's output is zeroed with probability p and
    the survivors are scaled by 1 / (1 - p), so the expected output equals the input;
    in evaluation it is the identity.

    It drops units' outputs, not weights (dropping weights is DropConnect).
    x: any shape -> same shape. ``freeze_mask = True`` reuses the last mask, so that a
    gradient check sees a deterministic function.
    """

    def __init__(self, p: float, rng: np.random.Generator) -> None:
        super().__init__()
        p = as_real(p, "p")
        if not 0.0 <= p < 1.0:
            raise ValueError(f"p must be in [0, 1), got {p}")
        self.p = p
        self.rng = check_rng(rng)
        self.freeze_mask = False
        self.mask: Array | None = None

    def forward(self, x: Array) -> Array:
        x = as_float_array(x, "x")
        if not self.training or self.p == 0.0:
            self._cache = (x.shape, None)  # the identity: no mask
            return x
        if not (self.freeze_mask and self.mask is not None and self.mask.shape == x.shape):
            self.mask = (self.rng.random(x.shape) >= self.p) / (1.0 - self.p)
        self._cache = (x.shape, self.mask)
        return x * self.mask

    def backward(self, dout: Array) -> Array:
        shape, mask = self._need_cache()
        dout = self._check_dout(dout, shape)
        return dout if mask is None else dout * mask

    def __repr__(self) -> str:
        return f"Dropout(p={self.p:g})"


class _Container(LayerBase):
    """Bookkeeping for layers made of layers: prefixed params/grads, shared mode.

    The params, grads and mode are the children's, so the empty dicts that
    LayerBase.__init__ assigns are accepted and dropped.
    """

    def _children(self) -> Iterator[tuple[str, Layer]]:
        raise NotImplementedError

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
        for _, layer in self._children():
            layer.training = mode

    def zero_grad(self) -> None:
        for _, layer in self._children():
            if isinstance(layer, LayerBase):  # zero_grad is bookkeeping, not the protocol
                layer.zero_grad()


class Sequential(_Container):
    """Layers applied in order; backward runs them in reverse.

    params and grads are keyed "<index>.<name>", e.g. "0.W", "2.b".
    """

    def __init__(self, *layers: Layer) -> None:
        super().__init__()
        self.layers = [as_layer(layer, f"layers[{i}]") for i, layer in enumerate(layers)]

    def _children(self) -> Iterator[tuple[str, Layer]]:
        return ((str(i), layer) for i, layer in enumerate(self.layers))

    def forward(self, x: Array) -> Array:
        for layer in self.layers:
            x = layer.forward(x)
        self._cache = np.shape(x)
        return x

    def backward(self, dout: Array) -> Array:
        dout = self._check_dout(dout, self._need_cache())
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
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

    def _children(self) -> Iterator[tuple[str, Layer]]:
        yield "block", self.block

    def forward(self, x: Array) -> Array:
        x = as_float_array(x, "x")
        out = self.block.forward(x)
        if out.shape != x.shape:
            raise ValueError(
                f"Residual needs block output shape == input shape, got {out.shape} != {x.shape}"
            )
        self._cache = x.shape
        return x + out

    def backward(self, dout: Array) -> Array:
        dout = self._check_dout(dout, self._need_cache())
        return dout + self.block.backward(dout)

    def __repr__(self) -> str:
        return f"Residual({self.block!r})"


def sgd_step(layer: Layer, lr: float) -> None:
    """One plain gradient-descent step, in place: p <- p - lr * dL/dp."""
    lr = as_real(lr, "lr")
    if lr <= 0:
        raise ValueError(f"lr must be positive, got {lr}")
    grads = layer.grads
    for name, p in layer.params.items():
        p -= lr * grads[name]
