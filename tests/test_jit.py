"""The kernels' compile options: what ``njit_borrowed`` promises and where the decoder uses it."""

from __future__ import annotations

import numba as nb
import numpy as np
import pytest

from kernels._jit import NO_REFCOUNT
from kernels.ais import decode as K


def _allocates(n: int) -> float:
    a = np.ones(n)
    return float(a.sum())


def _borrows(a: np.ndarray) -> float:
    s = 0.0
    for x in a[1:]:  # a view of a borrowed array is fine
        s += x
    return s


def test_a_kernel_without_reference_counting_cannot_allocate() -> None:
    # An array made inside such a kernel would never be freed (or be freed too early), so the
    # option must refuse to compile it rather than run it.
    with pytest.raises(nb.errors.TypingError):
        nb.njit(**NO_REFCOUNT)(_allocates)(3)
    assert nb.njit(**NO_REFCOUNT)(_borrows)(np.arange(5.0)) == 10.0


@pytest.mark.parametrize(
    "kernel",
    ["decode_chunk", "_fast_run", "_general_run", "_accept", "flush_pending", "_slot_new"],
)
def test_decoder_loops_are_compiled_without_reference_counting(kernel: str) -> None:
    # With it, each line paid ~10 atomic increment/decrement pairs (39 % of the decoder's time).
    assert getattr(K, kernel).targetoptions.get("_nrt") is False
