"""The numerical floor of a central-difference gradient check.

A central difference of a loss L computed in float64 carries round-off of about
eps * |L| / h (each evaluation of L is off by about eps times the size of the terms it
sums). Where a true gradient is that small, ``gradcheck.rel_error`` measures round-off,
not the gradient; the tests then compare the two gradients against this floor instead.
"""

from __future__ import annotations

import inspect

import numpy as np

from helpers import gradcheck
from helpers.gradcheck import GradcheckReport

#: The step of gradcheck's central differences, as its functions default it.
STEP: float = inspect.signature(gradcheck.check_grad).parameters["h"].default


def round_off_floor(terms: np.ndarray, h: float = STEP) -> float:
    """Ten times the round-off of a central difference of a loss summing ``terms``."""
    return float(10 * np.finfo(float).eps * np.sum(np.abs(terms)) / h)


def assert_agrees(report: GradcheckReport, tol: float, floor: float) -> None:
    """Each gradient of ``report`` within ``tol`` of its central difference, or, where it
    is too small for that, apart from it by less than the round-off ``floor``."""
    assert report.errors, "the check compared nothing"
    for name, error in report.errors.items():
        difference = np.abs(report.analytic[name] - report.numeric[name]).max()
        assert error <= tol or difference < floor, report.failure_message()
