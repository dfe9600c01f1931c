"""Numba kernels over plain NumPy arrays: no pandas, no objects, no I/O.

Each kernel has a plain reference implementation in ``tests/naive.py`` it is checked against.
"""
