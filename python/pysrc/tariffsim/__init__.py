"""tariffsim: tariff scenario simulation from Python.

A front end over the Rust library (the same code as the ``tariffsim`` CLI, so the same inputs
give the same files byte for byte). Results come back as pandas DataFrames::

    import tariffsim
    tariffsim.check("scenarios/us_2025.toml")
    r = tariffsim.run("scenarios/us_2025.toml", draws=1000, seed=7)
    r.summary.query("metric == 'imports_pct.USA.CHN' and period == 'period'")
    r.draws["diversion_ratio.USA.CHN"].describe()

    # A sigma prior changed without writing a file:
    r2 = tariffsim.run("scenarios/us_2025.toml", draws=1000, seed=7,
                       overrides={"priors": {"sigma": {"dist": "lognormal", "median": 6.0, "log_sd": 0.3}}})

Errors in scenario files raise :class:`ScenarioError` with the CLI's message (file, line,
column, a caret under the problem, expected values and hints).
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path
from typing import Any, Mapping, Optional

import pandas as pd

from . import _tariffsim as _t

__all__ = [
    "ScenarioError",
    "RunError",
    "Run",
    "check",
    "run",
    "compare",
    "baseline",
    "schema",
    "__version__",
]

ScenarioError = _t.ScenarioError
RunError = _t.RunError
__version__ = _t.__version__


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isinf(v):
            return '"inf"' if v > 0 else '"-inf"'
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} into a scenario override")


def _to_toml(overrides: Mapping[str, Any]) -> str:
    """Nested dicts of scalars and lists to TOML text (tables for nested dicts, arrays of tables
    for lists of dicts, e.g. ``{"layer": [{"name": "x", "rate": "30%"}]}``)."""
    lines: list[str] = []

    def table(prefix: str, d: Mapping[str, Any]) -> None:
        scalars = {k: v for k, v in d.items() if not isinstance(v, Mapping) and not _is_tables(v)}
        if prefix and scalars:
            lines.append(f"[{prefix}]")
        for k, v in scalars.items():
            lines.append(f"{k} = {_toml_value(v)}")
        for k, v in d.items():
            key = f"{prefix}.{k}" if prefix else k
            if isinstance(v, Mapping):
                table(key, v)
            elif _is_tables(v):
                for item in v:
                    lines.append(f"[[{key}]]")
                    for ik, iv in item.items():
                        lines.append(f"{ik} = {_toml_value(iv)}")

    table("", overrides)
    return "\n".join(lines) + "\n"


def _is_tables(v: Any) -> bool:
    return isinstance(v, (list, tuple)) and len(v) > 0 and all(isinstance(x, Mapping) for x in v)


class Run:
    """A finished run folder, its files as DataFrames (read on first use)."""

    def __init__(self, directory: str | os.PathLike):
        self.dir = Path(directory)

    def _csv(self, name: str) -> pd.DataFrame:
        path = self.dir / name
        if not path.exists():
            raise FileNotFoundError(f"{path}: not in this run folder")
        return pd.read_csv(path)

    @property
    def summary(self) -> pd.DataFrame:
        """``summary.csv``: one row per metric (or parameter) and period — ``metric, kind, unit,
        period, point, mean, sd, p5 … p95, mcse, count, failures`` (``summary.json`` holds the same
        records)."""
        return self._csv("summary.csv")

    @property
    def draws(self) -> pd.DataFrame:
        """``draws.csv``: one row per draw, its parameters and every metric."""
        return self._csv("draws.csv")

    @property
    def phases(self) -> pd.DataFrame:
        """``phases.csv``: the point estimate of every metric in every phase and the period."""
        return self._csv("phases.csv")

    @property
    def timeline(self) -> pd.DataFrame:
        """``timeline.csv``: the focus pair's additional tariff by layer and phase."""
        return self._csv("timeline.csv")

    def __repr__(self) -> str:
        return f"tariffsim.Run({str(self.dir)!r})"


def _out(out: Optional[str | os.PathLike], prefix: str) -> str:
    if out is not None:
        return str(out)
    return tempfile.mkdtemp(prefix=f"tariffsim-{prefix}-")


def check(path: str | os.PathLike, overrides: Optional[Mapping[str, Any]] = None) -> None:
    """Validates a scenario file (with ``overrides`` applied); raises :class:`ScenarioError`."""
    _t.check(str(path), _to_toml(overrides) if overrides else None)


def run(
    path: str | os.PathLike,
    draws: Optional[int] = None,
    seed: Optional[int] = None,
    horizon: Optional[str] = None,
    threads: Optional[int] = None,
    out: Optional[str | os.PathLike] = None,
    overrides: Optional[Mapping[str, Any]] = None,
    plots: bool = False,
) -> Run:
    """Runs a scenario as ``tariffsim run`` does (point estimate, then the Monte Carlo) into
    ``out`` (a new temporary folder by default); ``overrides`` are scenario keys that replace the
    file's, as a file that ``extends`` it would (nothing is written); ``plots`` also draws the
    charts and ``report.html``."""
    d = _t.run(
        str(path),
        _out(out, "run"),
        draws,
        seed,
        horizon,
        threads,
        _to_toml(overrides) if overrides else None,
        plots,
    )
    return Run(d)


def compare(
    a: str | os.PathLike,
    b: str | os.PathLike,
    draws: Optional[int] = None,
    seed: Optional[int] = None,
    horizon: Optional[str] = None,
    threads: Optional[int] = None,
    out: Optional[str | os.PathLike] = None,
) -> Run:
    """Runs two scenarios on the same elasticity draws (``tariffsim compare``); the summary holds
    ``a:``, ``b:`` and ``diff:`` metrics."""
    return Run(_t.compare(str(a), str(b), _out(out, "compare"), draws, seed, horizon, threads))


def baseline(name: str = "world2024") -> pd.DataFrame:
    """A baseline's flows in long form: ``exporter, importer, sector, value_usd, tariff``."""
    with tempfile.TemporaryDirectory(prefix="tariffsim-baseline-") as d:
        _t.baseline_export(name, d)
        return pd.read_csv(Path(d) / "flows.csv", keep_default_na=False)


def schema() -> str:
    """The JSON Schema of scenario files (``tariffsim schema``)."""
    return _t.schema()
