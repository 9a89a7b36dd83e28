"""PyTorch as a benchmark peer: the workloads' NumPy code run on torch tensors.

The benchmark losses are written against a NumPy-like module passed in (``make(np)``),
so one source serves s2sad, autograd.numpy and jax.numpy.  ``TorchNumpy`` is the small
part of that interface the workloads use (elementwise functions, reductions with
``axis``/``keepdims``, ``zeros``), mapped onto torch functions, and ``torch_grad``
turns such a loss into a gradient function with NumPy arrays in and out (eager
reverse mode: ``torch.autograd.grad``), float64 throughout and one thread, so its
times compare with the single-core s2sad and hand-written rows.

Install the pinned CPU build with the ``bench`` extra (``pip install ".[bench]"``).
"""
from __future__ import annotations

from typing import Callable, Sequence


def load_torch():
    """The torch module (float64, one thread), or None when it is not installed."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    return torch


class TorchNumpy:
    """The NumPy functions the benchmark losses call, on torch tensors."""

    def __init__(self, torch):
        self._torch = torch
        for name in ("tanh", "exp", "log", "sin", "cos", "sqrt", "abs"):
            setattr(self, name, self._elementwise(getattr(torch, name)))

    def _elementwise(self, fn):
        return lambda x: fn(self._tensor(x))

    def _tensor(self, x):
        t = self._torch
        return x if isinstance(x, t.Tensor) else t.as_tensor(x, dtype=t.float64)

    def sum(self, x, axis=None, keepdims=False):
        x = self._tensor(x)
        return x.sum() if axis is None else x.sum(dim=axis, keepdim=keepdims)

    def mean(self, x, axis=None, keepdims=False):
        x = self._tensor(x)
        return x.mean() if axis is None else x.mean(dim=axis, keepdim=keepdims)

    def max(self, x, axis=None, keepdims=False):
        x = self._tensor(x)
        return x.max() if axis is None else x.amax(dim=axis, keepdim=keepdims)

    def zeros(self, shape):
        return self._torch.zeros(shape, dtype=self._torch.float64)


def torch_grad(torch, loss: Callable, wrt: Sequence[int]) -> Callable:
    """The gradient of ``loss`` in the arguments ``wrt``: NumPy arrays or floats in,
    a tuple of NumPy arrays out (the conversions are part of the timed call, as
    they are for any user holding NumPy data)."""
    wrt = tuple(wrt)

    def grad(*args):
        tensors = []
        for i, a in enumerate(args):
            t = torch.as_tensor(a, dtype=torch.float64)
            if i in wrt:
                t = t.detach().requires_grad_(True)
            tensors.append(t)
        grads = torch.autograd.grad(loss(*tensors), [tensors[i] for i in wrt])
        return tuple(g.numpy() for g in grads)

    return grad
