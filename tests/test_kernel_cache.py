"""The kernels' on-disk cache: keyed per module on what it imports, not on where it lives."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import kernels
from kernels._jit import STALE_CACHE_DAYS, kernel_imports, module_key, prune_stale_caches

ROOT = Path(kernels.__file__).resolve().parent.parent


def _keys(root: Path) -> dict[str, str]:
    names = [
        ".".join(p.relative_to(root).with_suffix("").parts)
        for p in sorted((root / "kernels").rglob("*.py"))
        if p.name != "__init__.py"
    ]
    return {n: module_key(n, root) for n in names}


def test_editing_one_kernel_changes_the_keys_of_its_dependants_only(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "kernels", tmp_path / "kernels")
    before = _keys(tmp_path)
    assert before == _keys(ROOT)  # the key does not depend on where the sources are
    geo = tmp_path / "kernels" / "geo.py"
    geo.write_text(geo.read_text() + "\n# edited\n")
    after = _keys(tmp_path)
    changed = {n for n in before if before[n] != after[n]}
    users = {n for n in before if "kernels.geo" in kernel_imports(tmp_path, n)}
    # match_reception uses geo only through match: a dependant all the same.
    assert {"kernels.match", "kernels.neighbors", "kernels.match_reception"} <= changed
    assert users <= changed and "kernels.geo" in changed
    decoder = {n for n in before if ".ais" in n}
    assert decoder and not decoder & changed
    assert "kernels.merge" not in changed


_PROBE = """
import json, sys
from kernels import other, user
out = {"f": user.f(1), "g": other.g(1)}
for name, fn in (("f", user.f), ("g", other.g)):
    st = fn.stats
    out[name + "_hits"] = sum(st.cache_hits.values())
    out[name + "_misses"] = sum(st.cache_misses.values())
json.dump(out, sys.stdout)
"""


OTHER = "from kernels._jit import njit\n\n@njit\ndef g(x):\n    return x - 1\n"


def _package(root: Path, **modules: str) -> Path:
    """A ``kernels`` package under ``root`` with the real ``_jit.py`` and these modules."""
    pkg = root / "kernels"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    shutil.copy(ROOT / "kernels" / "_jit.py", pkg / "_jit.py")
    for name, text in modules.items():
        (pkg / f"{name}.py").write_text(text)
    return pkg


def _run(root: Path, cache: Path) -> dict[str, int]:
    env = {**os.environ, "PYTHONPATH": str(root), "NUMBA_CACHE_DIR": str(cache)}
    env["VESSELS_COMPILE_NOTICE"] = "1"
    done = subprocess.run(
        [sys.executable, "-c", _PROBE], env=env, cwd=root, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, int] = json.loads(done.stdout)
    # One line on stderr as soon as a kernel compiles, none when everything loads.
    compiled = result["f_misses"] + result["g_misses"] > 0
    notices = [line for line in done.stderr.splitlines() if "compiling the Numba kernels" in line]
    assert len(notices) == (1 if compiled else 0), done.stderr
    return result


def test_an_edited_helper_recompiles_its_callers_only_and_a_moved_checkout_compiles_nothing(
    tmp_path: Path,
) -> None:
    src = tmp_path / "a"
    pkg = _package(
        src,
        helper="from kernels._jit import njit_inline\n\n@njit_inline\ndef twice(x):\n    return 2 * x\n",
        user="from kernels._jit import njit\nfrom kernels.helper import twice\n\n"
        "@njit\ndef f(x):\n    return twice(x) + 1\n",
        other=OTHER,
    )
    cache = tmp_path / "cache"
    first = _run(src, cache)
    assert (first["f"], first["g"]) == (3, 0)
    assert first["f_misses"] == 1 and first["g_misses"] == 1
    again = _run(src, cache)
    assert again["f_hits"] == 1 and again["g_hits"] == 1
    assert again["f_misses"] == 0 and again["g_misses"] == 0

    # The inlined helper changes: its caller compiles afresh (no stale 3), the other loads.
    (pkg / "helper.py").write_text((pkg / "helper.py").read_text().replace("2 * x", "3 * x"))
    edited = _run(src, cache)
    assert edited["f"] == 4 and edited["f_misses"] == 1
    assert edited["g_hits"] == 1 and edited["g_misses"] == 0

    # The same sources elsewhere, with new modification times: everything loads.
    moved = tmp_path / "elsewhere" / "b"
    shutil.copytree(src, moved)
    time.sleep(0.01)
    for p in (moved / "kernels").glob("*.py"):
        p.touch()
    there = _run(moved, cache)
    assert there["f"] == 4 and there["f_misses"] == 0 and there["g_misses"] == 0
    folders = sorted(p.name.split("-")[0] for p in cache.iterdir())
    # One folder per key: the helper's edit gave helper and user a second one, not other.
    assert folders.count("kernels.other") == 1 and folders.count("kernels.user") == 2


_PARALLEL = """
import json, os, sys
import numba as nb
from kernels._jit import compile_in_parallel, compiling_elsewhere, is_cached
from kernels import other, user
os.cpu_count = lambda: 2
sig = (nb.types.int64,)
with compiling_elsewhere(1):  # no spare core: nothing now, each compiles when called
    compile_in_parallel([(user.f, sig), (other.g, sig)])
before = [is_cached(user.f, sig), is_cached(other.g, sig)]
compile_in_parallel([(user.f, sig), (other.g, sig)])
after = [is_cached(user.f, sig), is_cached(other.g, sig)]
out = {"before": before, "after": after, "g": other.g(5)}
out["g_hits"] = sum(other.g.stats.cache_hits.values())
json.dump(out, sys.stdout)
"""


def test_compile_in_parallel_leaves_every_kernel_in_the_cache(tmp_path: Path) -> None:
    _package(tmp_path, user=OTHER.replace("g(x)", "f(x)").replace("- 1", "+ 1"), other=OTHER)
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run(
        [sys.executable, "-c", _PARALLEL], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["before"] == [False, False] and out["after"] == [True, True]
    # g was compiled by the child process: this one loaded it from the cache.
    assert out["g"] == 4 and out["g_hits"] == 1


def test_stale_kernel_caches_are_pruned_and_others_kept(tmp_path: Path) -> None:
    now = time.time()
    names = (
        "kernels.geo-0123456789abcdef",  # in use
        "kernels.geo-" + "1" * 16,  # another key, recently used
        "kernels.geo-" + "2" * 16,  # another key, stale
        "kernels.match-" + "3" * 16,  # another module's folder, stale: that module's business
        "4" * 16,  # the single folder of earlier versions, stale
        "someone_elses_cache",  # not one of ours: never touched
    )
    current, fresh, stale, other, legacy, foreign = (tmp_path / n for n in names)
    for d in (current, fresh, stale, other, legacy, foreign):
        d.mkdir()
        (d / "index.nbi").write_bytes(b"x")
    old = now - (STALE_CACHE_DAYS + 1) * 86400
    for d in (current, stale, other, legacy, foreign):
        os.utime(d, (old, old))
    removed = prune_stale_caches(str(current), now=now)
    assert sorted(removed) == sorted([str(stale), str(legacy)])
    for d in (current, fresh, other, foreign):
        assert d.exists()
    assert current.stat().st_mtime == pytest.approx(now)  # marked as used
