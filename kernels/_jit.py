"""The Numba decorators every kernel uses, and the kernels' on-disk cache.

``cache=True`` so a CLI run does not pay compile time twice; ``nogil=True`` so dask threads can
run kernels side by side. No ``fastmath`` nnan/ninf: AIS data has NaN (speed, course unavailable).

The cache is keyed per kernel module on what it can inline or call. Numba's own cache keys a
function on its file's path and contents only, so a kernel that inlines or calls helpers from
another module would run stale machine code after that module changed, and a second checkout or
a reinstall elsewhere compiles everything again. Here each module ``M`` caches into the folder
``<cache>/M-<key>``, where the key hashes the Numba and Python versions and the source of ``M``
and of every kernel module it imports, directly or not (``module_key``). Editing one kernel
therefore recompiles that module and the modules importing it, nothing else; the same sources
in another folder find the same cache. Folders of other keys unused for ``STALE_CACHE_DAYS``
are removed when their module is next used, so upgrades do not pile up compiled code.

``njit_borrowed`` compiles without Numba's reference counting (NRT): for kernels that only
borrow the arrays their caller passes in and allocate nothing. Numba otherwise brackets every
use of an array inside inlined helpers with an atomic increment and decrement of its reference
count that its pruning pass cannot always remove (in the NMEA decoder's per-line loop: about
ten pairs per line, 39 % of its time by a perf profile). An allocation in such a kernel fails
to compile, so the decorator cannot silently leak or free an array too early.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numba as nb
import numpy as np
from numba.core import caching, event

#: The folder holding the top-level ``kernels`` package (the modules are found by name there).
_ROOT = Path(__file__).resolve().parent.parent
_PACKAGE = "kernels"


def cache_base() -> str:
    """The folder holding the per-module cache folders."""
    return os.environ.get("NUMBA_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "vessels", "numba"
    )


#: (path, mtime in ns, size) of every source file: part of the memo keys below, so that an
#: edited file (the tests edit copies) is read again.
_FileState = tuple[tuple[str, int, int], ...]


def _module_file(root: Path, name: str) -> Path | None:
    base = root.joinpath(*name.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def kernel_imports(root: Path, name: str) -> frozenset[str]:
    """The modules of the ``kernels`` package that module ``name`` (under ``root``) imports."""
    return _direct_imports(name, root, _file_state(root))


#: ``from X import names`` (names possibly in parentheses over several lines) and ``import X``.
#: A regular expression rather than a parse: several times faster at import, and text that only
#: looks like an import (in a docstring) can only add a dependency, never hide one.
_FROM_IMPORT = re.compile(r"^[ \t]*from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n]*)", re.M)
_IMPORT = re.compile(r"^[ \t]*import[ \t]+([\w., \t]+)", re.M)


@functools.cache
def _direct_imports(name: str, root: Path, _state: _FileState) -> frozenset[str]:
    path = _module_file(root, name)
    if path is None:
        return frozenset()
    text = path.read_text(encoding="utf-8")
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: list[str] = []
    for m in _IMPORT.finditer(text):
        targets += [part.split()[0] for part in m.group(1).split(",") if part.strip()]
    for m in _FROM_IMPORT.finditer(text):
        mod = m.group(1)
        level = len(mod) - len(mod.lstrip("."))
        if level:
            parts = package.split(".")
            parent = ".".join(parts[: len(parts) - level + 1])
            mod = f"{parent}.{mod[level:]}" if mod[level:] else parent
        names = re.sub(r"#[^\n]*", "", m.group(2)).strip("()")
        # ``from kernels import geo`` imports the module kernels.geo, not a name in it.
        targets.append(mod)
        targets += [f"{mod}.{n.split()[0]}" for n in names.split(",") if n.strip()]
    found = {
        t
        for t in targets
        if (t == _PACKAGE or t.startswith(_PACKAGE + ".")) and _module_file(root, t) is not None
    }
    found.discard(name)
    return frozenset(found)


def module_key(name: str, root: Path = _ROOT) -> str:
    """Hash of the sources of kernel module ``name`` and of every kernel module it imports,
    directly or through others, with the Numba and Python versions: what its compiled code
    can depend on (16 hex digits)."""
    return _module_key(name, root, _file_state(root))


def _file_state(root: Path) -> _FileState:
    out = []
    for path in sorted((root / _PACKAGE).rglob("*.py")):
        st = path.stat()
        out.append((str(path), st.st_mtime_ns, st.st_size))
    return tuple(out)


@functools.cache
def _module_key(name: str, root: Path, state: _FileState) -> str:
    closure = {name}
    todo = [name]
    while todo:
        for dep in _direct_imports(todo.pop(), root, state):
            if dep not in closure:
                closure.add(dep)
                todo.append(dep)
    h = hashlib.sha256(f"numba {nb.__version__} python {sys.version_info[:2]}".encode())
    for mod in sorted(closure):
        path = _module_file(root, mod)
        h.update(mod.encode() + b"\0")
        h.update(path.read_bytes() if path else b"")
        h.update(b"\0")
    return h.hexdigest()[:16]


#: A cache folder of other kernel sources (an older version) unused this long is removed.
STALE_CACHE_DAYS = 30
_CACHE_NAME = re.compile(r"(?:(?P<module>[\w.]+)-)?[0-9a-f]{16}")


def prune_stale_caches(path: str, now: float | None = None) -> list[str]:
    """Mark the cache folder at ``path`` as used and remove the folders of the same module with
    another key (left by other versions of its sources) unused for ``STALE_CACHE_DAYS``; also
    the one-folder-for-all caches of earlier versions (named by a bare hash). Without this each
    upgrade would leave its compiled kernels behind. Returns the removed folders."""
    now = time.time() if now is None else now
    match = _CACHE_NAME.fullmatch(os.path.basename(path))
    module = match.group("module") if match else None
    removed = []
    try:
        os.utime(path, (now, now))
        parent = os.path.dirname(path)
        for name in os.listdir(parent):
            old = os.path.join(parent, name)
            other = _CACHE_NAME.fullmatch(name)
            if old == path or other is None or not os.path.isdir(old):
                continue
            if other.group("module") not in (module, None):
                continue
            if now - os.path.getmtime(old) > STALE_CACHE_DAYS * 86400:
                shutil.rmtree(old, ignore_errors=True)
                removed.append(old)
    except OSError:
        pass  # a cache is an optimisation: never fail over it
    return removed


@functools.cache
def _key_this_run(module: str) -> str:
    # The sources of an installed package do not change while it runs: read them once.
    return module_key(module)


@functools.cache
def _module_cache_path(module: str, base: str) -> str:
    path = os.path.join(base, f"{module}-{_key_this_run(module)}")
    os.makedirs(path, exist_ok=True)
    prune_stale_caches(path)
    return path


def module_cache_has_code(module: str) -> bool:
    """Whether the cache folder of kernel ``module`` (its current sources) holds compiled code."""
    try:
        path = os.path.join(cache_base(), f"{module}-{_key_this_run(module)}")
        return any(name.endswith(".nbi") for name in os.listdir(path))
    except OSError:
        return False


class _KernelLocator(caching._CacheLocator):
    """Numba cache locator for a function of the ``kernels`` package: the folder of its module's
    key, and that key as the source stamp (not the file's path or modification time)."""

    def __init__(self, py_func: Any, py_file: str) -> None:
        self._py_file = py_file  # Numba names it in its warnings
        self._lineno = py_func.__code__.co_firstlineno
        self._key = _key_this_run(py_func.__module__)
        self._cache_path = _module_cache_path(py_func.__module__, cache_base())

    def get_cache_path(self) -> str:
        return self._cache_path

    def get_source_stamp(self) -> str:
        return self._key

    def get_disambiguator(self) -> str:
        return str(self._lineno)

    @classmethod
    def from_function(cls, py_func: Any, py_file: str) -> _KernelLocator | None:
        module = getattr(py_func, "__module__", "") or ""
        if not (module == _PACKAGE or module.startswith(_PACKAGE + ".")):
            return None
        if _module_file(_ROOT, module) is None:
            return None  # a kernels package not at this root (never the case when installed)
        try:
            self = cls(py_func, py_file)
            self.ensure_cache_path()  # type: ignore[no-untyped-call]
        except OSError:
            return None  # read-only cache folder: Numba's own locators take over
        return self


class _KernelCacheImpl(caching.CompileResultCacheImpl):
    # Numba's own locators stay behind ours (for a read-only cache folder).
    _locator_classes = [_KernelLocator, *caching.CompileResultCacheImpl._locator_classes]  # noqa: RUF012


class _KernelCache(caching.FunctionCache):
    _impl_class = _KernelCacheImpl


#: The flag of two-pass kernels (count the output, allocate, then write it): typed booleans, not
#: the literals False/True, for which Numba would compile the pass function twice.
COUNT_ONLY = np.bool_(False)
WRITE = np.bool_(True)


#: What a cold compile of `make demo`'s kernels took on a 2-core machine (the figure the notice
#: below gives; ``python -m benchmarks.bench_firstrun`` measures it).
COLD_COMPILE_S = 60
#: Set to 0 to silence the notice (the tests do, as their checks of stderr must not depend on
#: whether a cache was warm).
NOTICE_ENV = "VESSELS_COMPILE_NOTICE"


class _CompileNotice(event.Listener):  # type: ignore[misc]
    """One line on stderr when this process first compiles a kernel (a cold cache): a first run
    would otherwise sit silent for as long as compiling takes."""

    def __init__(self) -> None:
        self.said = False

    def on_start(self, ev: Any) -> None:
        if self.said or os.environ.get(NOTICE_ENV, "1") == "0":
            return
        module = getattr(ev.data["dispatcher"].py_func, "__module__", "") or ""
        if module == _PACKAGE or module.startswith(_PACKAGE + "."):
            self.said = True
            sys.stderr.write(
                f"vessels: compiling the Numba kernels once, about {COLD_COMPILE_S} s; "
                "later runs start at once\n"
            )
            sys.stderr.flush()

    def on_end(self, ev: Any) -> None:
        pass


event.register("numba:compile", _CompileNotice())  # type: ignore[no-untyped-call]


def _kernel_jit(**options: Any) -> Callable[[Any], Any]:
    """``numba.njit(nogil=True, **options)`` cached per kernel module (see above)."""

    def decorate(func: Any) -> Any:
        dispatcher = nb.njit(nogil=True, **options)(func)
        dispatcher._cache = _KernelCache(dispatcher.py_func)  # type: ignore[no-untyped-call]
        return dispatcher

    return decorate


njit = _kernel_jit()
njit_parallel = _kernel_jit(parallel=True)
njit_inline = _kernel_jit(inline="always")


def is_cached(dispatcher: Any, sig: tuple[Any, ...]) -> bool:
    """Whether the on-disk cache holds ``dispatcher`` compiled for argument types ``sig``."""
    try:
        cache = dispatcher._cache
        key = cache._index_key(sig, dispatcher.targetctx.codegen())
        return key in cache._cache_file._load_index()
    except Exception:  # Numba internals: when they change, compile as usual (no harm)
        return True


_CHILD = """
import pickle, sys, importlib
module, name, sig = pickle.load(sys.stdin.buffer)
getattr(importlib.import_module(module), name).compile(sig)
"""


#: Compiling processes started elsewhere that are still running (see ``compiling_elsewhere``).
_BUSY = [0]


@contextlib.contextmanager
def compiling_elsewhere(n: int = 1) -> Iterator[None]:
    """While ``n`` other processes compile kernels (a warming child), ``compile_in_parallel``
    starts that many fewer children: more compiling processes than cores only cost memory."""
    _BUSY[0] += n
    try:
        yield
    finally:
        _BUSY[0] -= n


def compile_in_parallel(jobs: list[tuple[Any, tuple[Any, ...]]]) -> None:
    """Compile ``(dispatcher, argument types)`` pairs the cache lacks side by side: the first in
    this process, each other one in a child process at the same time (as many as there are
    spare cores), each writing the shared cache, which this process then reads instead of
    compiling. For independent kernels that take long to compile (a helper both use is compiled
    twice, as each needs it). A child that fails costs nothing but time: this process compiles
    what is missing when it is called."""
    todo = [(disp, sig) for disp, sig in jobs if not is_cached(disp, sig)]
    spare = (os.cpu_count() or 1) - 1 - _BUSY[0]
    if len(todo) < 2 or spare < 1:
        return  # each compiles here when first called
    todo = todo[: spare + 1]
    env = {**os.environ, NOTICE_ENV: "0"}  # the notice is this process's to give
    children = []
    for disp, sig in todo[1:]:
        child = subprocess.Popen(
            [sys.executable, "-c", _CHILD],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        assert child.stdin is not None
        child.stdin.write(pickle.dumps((disp.py_func.__module__, disp.py_func.__name__, sig)))
        child.stdin.close()
        children.append(child)
    disp, sig = todo[0]
    disp.compile(sig)
    for child in children:
        child.wait()


def _no_refcount_option() -> dict[str, Any]:
    """Numba's private (long-standing: 0.4x to 0.6x) option that compiles without reference
    counting; empty, so kernels still compile (only slower), should a Numba drop it."""
    try:
        from numba.core.cpu import CPUTargetOptions

        return {"_nrt": False} if hasattr(CPUTargetOptions, "_nrt") else {}
    except ImportError:
        return {}


NO_REFCOUNT: dict[str, Any] = _no_refcount_option()
#: No reference counting: only for kernels that allocate nothing (see above).
njit_borrowed = _kernel_jit(**NO_REFCOUNT)

__all__ = [
    "COUNT_ONLY",
    "NO_REFCOUNT",
    "WRITE",
    "cache_base",
    "compile_in_parallel",
    "compiling_elsewhere",
    "is_cached",
    "module_cache_has_code",
    "module_key",
    "njit",
    "njit_borrowed",
    "njit_inline",
    "njit_parallel",
]
