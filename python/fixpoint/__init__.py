"""Fixpoint's outputs as NumPy arrays.

``load(DIR)`` reads a census folder (census.json, and starts.csv, trajectories.safetensors,
jacobians.safetensors when present), ``census(model, **options)`` runs ``fixpoint census`` and loads its
folder, ``load_sweep(STORE)`` reads a sweep store's rows. Field names are those of docs/census.md and
docs/sweep-spec.md. Fields this version does not know are kept in ``Census.json``.
"""

import csv
import json
import os
import shlex
import shutil
import sqlite3
import subprocess
import tempfile

import numpy as np

from .safetensors import SafetensorsError, read_safetensors

__all__ = ["Census", "Sweep", "load", "census", "load_sweep", "read_safetensors", "SafetensorsError", "cli_command", "run"]
__version__ = "0.1.0"


def _numeric(v):
    """JSON null (a non-finite number in census.json) as NaN."""
    return np.nan if v is None else v


def _arrays(value):
    """A JSON value with its lists of numbers (at any depth) as NumPy arrays."""
    if isinstance(value, dict):
        return {k: _arrays(v) for k, v in value.items()}
    if isinstance(value, list):
        if value and all(isinstance(x, (int, float)) or x is None for x in value) and not any(isinstance(x, bool) for x in value):
            return np.array([_numeric(x) for x in value], dtype=float)
        try:
            a = np.array(value, dtype=float)
            if a.ndim > 1:
                return a
        except (TypeError, ValueError):
            pass
        return [_arrays(x) for x in value]
    return value


class Census:
    """One census folder.

    Per fixed point (K of them, the order of census.json's ``fixedPoints``, most hits first):

    - ``points`` (K, N) float: ``fixedPoints[].x``
    - ``rho`` = ``spectralRadius`` (K,), ``spectralRadiusError`` (K,)
    - ``eigenvalues`` (K, M) complex: ``fixedPoints[].eigenvalues`` by decreasing modulus; a point with fewer
      than M (Krylov computes only the leading ones) is padded with NaN. ``eigenvalue_lists`` keeps them unpadded.
    - ``stability``, ``type``, ``foundBy`` (K,) str; ``unstableDimensions``, ``hits`` (K,) int;
      ``residual``, ``basinFraction`` (K,) float; ``basinCI95`` (K, 2); ``polished``, ``stabilityUncertain`` (K,) bool
    - ``modes``: a list of K entries, each point's ``modes`` field with its number lists as arrays, or None
      (absent in files written before the field and with ``--no-modes``). Each entry is a list of dicts, every
      unstable mode (|λ| > 1) first, then the slowest stable ones (``--slow-modes``, default 3): ``kind``
      (``"unstable"`` or ``"slow"``), ``eigenvalue`` array [re, im], ``modulus``, ``vector`` (N,) and, for a
      complex pair (listed once, Im λ > 0), ``vectorImaginary`` (N,): v = vector + 1j·vectorImaginary with
      ‖v‖₂ = 1; ``residual`` = ‖J v − λ v‖₂.

    ``cycles``: a list of dicts (``period``, ``points`` (k, N), ``hits``, ``basinFraction``, ``basinCI95``,
    ``multiplierRadius``, ``stability``). ``starts``: starts.csv as a dict column -> array (``start``,
    ``status``, ``attractor`` — the index into the fixed points for ``converged``, into ``cycles`` for
    ``cycle``, NaN otherwise — ``iterations``, ``decided_by``), or None.
    ``trajectories``, ``jacobians``: the tensors of trajectories.safetensors (``trajectories`` (K, T+1, N),
    ``--trajectories K --trajectory-steps T``) and jacobians.safetensors (``point.K.jacobian`` (N, N),
    ``point.K.dFdu.NAME`` (N, m) for held inputs; ``--save-jacobians``) as dicts name -> array, or None.
    ``slowPoints`` (``--slow-points``): a list of dicts (``x``, ``q``, ``residual``, ``gradient``,
    ``spectralRadius``, ``eigenvalues``, ``starts``), as an attribute like the other top-level fields. ``json``: the whole census.json; its top-level fields (``outcomes``, ``q``,
    ``estimatedMissing``, ``basinTotals``, ``options``, …) read as attributes too.
    """

    def __init__(self, directory):
        self.dir = os.fspath(directory)
        path = os.path.join(self.dir, "census.json")
        if not os.path.isfile(path):
            raise FileNotFoundError(f"{path}: no census.json in {self.dir}")
        with open(path, encoding="utf-8") as f:
            self.json = json.load(f)
        fmt = self.json.get("format")
        if not isinstance(fmt, str) or not fmt.startswith("fixpoint-census/"):
            raise ValueError(f"{path}: format {fmt!r} is not fixpoint-census/…")
        fps = self.json.get("fixedPoints", [])
        n = int(self.json["dimension"])
        k = len(fps)

        def col(name, dtype, default=None):
            return np.array([_numeric(p.get(name, default)) for p in fps], dtype=dtype) if k else np.zeros(0, dtype=dtype)

        self.points = np.array([[_numeric(v) for v in p["x"]] for p in fps], dtype=float).reshape(k, n)
        self.residual = col("residual", float)
        self.polished = col("polished", bool, False)
        self.spectralRadius = col("spectralRadius", float)
        self.rho = self.spectralRadius
        self.spectralRadiusError = col("spectralRadiusError", float, 0.0)
        self.stability = col("stability", "U16")
        self.stabilityUncertain = col("stabilityUncertain", bool, False)
        self.unstableDimensions = col("unstableDimensions", np.int64, 0)
        self.type = col("type", "U8")
        self.hits = col("hits", np.int64, 0)
        self.basinFraction = col("basinFraction", float)
        self.basinCI95 = np.array([[_numeric(v) for v in p["basinCI95"]] for p in fps], dtype=float).reshape(k, 2)
        self.foundBy = col("foundBy", "U16")
        self.eigenvalue_lists = [np.array([complex(_numeric(re), _numeric(im)) for re, im in p.get("eigenvalues", [])], dtype=complex) for p in fps]
        m = max((len(e) for e in self.eigenvalue_lists), default=0)
        self.eigenvalues = np.full((k, m), np.nan + 1j * np.nan, dtype=complex)
        for i, e in enumerate(self.eigenvalue_lists):
            self.eigenvalues[i, : len(e)] = e
        self.modes = [_arrays(p["modes"]) if "modes" in p else None for p in fps]
        self.cycles = [_arrays(c) for c in self.json.get("cycles", [])]
        self.starts = _read_csv(os.path.join(self.dir, "starts.csv"))
        self.trajectories = _read_optional_tensors(os.path.join(self.dir, "trajectories.safetensors"))
        self.jacobians = _read_optional_tensors(os.path.join(self.dir, "jacobians.safetensors"))

    def __getattr__(self, name):
        # Only called when normal lookup fails: census.json's other top-level fields.
        j = self.__dict__.get("json")
        if j is not None and name in j:
            return _arrays(j[name])
        raise AttributeError(f"census has no field {name!r}")

    def __len__(self):
        return len(self.points)

    def __repr__(self):
        return (f"<Census {self.dir!r}: N={self.points.shape[1]}, {len(self)} fixed point(s) "
                f"({int(np.sum(self.stability == 'stable'))} stable), {len(self.cycles)} cycle(s), {self.json.get('starts')} starts>")


def _read_optional_tensors(path):
    if not os.path.isfile(path):
        return None
    tensors, metadata = read_safetensors(path)
    if metadata:
        tensors = dict(tensors)
        tensors["__metadata__"] = metadata
    return tensors


def _column(values):
    """A CSV column as int, else float (empty cells NaN), else str."""
    try:
        return np.array([int(v) for v in values], dtype=np.int64)
    except ValueError:
        pass
    try:
        return np.array([float(v) if v != "" else np.nan for v in values], dtype=float)
    except ValueError:
        return np.array(values, dtype=str)


def _read_csv(path):
    """A CSV file with a header as a dict column -> array; None when the file is absent."""
    if not os.path.isfile(path):
        return None
    with open(path, newline="", encoding="utf-8") as f:
        rows = [r for r in csv.reader(f) if r and not r[0].startswith("#")]
    if not rows:
        return {}
    head, body = rows[0], rows[1:]
    return {h: _column([r[j] if j < len(r) else "" for r in body]) for j, h in enumerate(head)}


def load(directory):
    """The census folder ``directory`` (what ``fixpoint census --out DIR`` wrote) as a :class:`Census`."""
    return Census(directory)


def cli_command():
    """How to run the CLI: $FIXPOINT_CLI (a .dll run with dotnet, an executable, or a command line such as
    ``dotnet run --project src/Fixpoint.Cli --``), else ``fixpoint`` on PATH."""
    env = os.environ.get("FIXPOINT_CLI")
    if env:
        if env.endswith(".dll"):
            return ["dotnet", env]
        if os.path.isfile(env):
            return [env]
        return shlex.split(env)
    exe = shutil.which("fixpoint")
    if exe is None:
        raise FileNotFoundError("the fixpoint CLI is not on PATH; set FIXPOINT_CLI to fixpoint.dll or the executable")
    return [exe]


def _options(options):
    args = []
    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        if value is None or value is False:
            continue
        if value is True:
            args.append(flag)
        elif isinstance(value, (list, tuple)):
            args.append(flag)
            args.extend(str(v) for v in value)
        else:
            args += [flag, str(value)]
    return args


def run(verb, *arguments, **options):
    """Runs ``fixpoint VERB ARGUMENTS --option value …`` (``box=(-3, 3)`` → ``--box -3 3``, ``unstable=True`` →
    ``--unstable``, ``no_plot=True`` → ``--no-plot``) and returns its standard output; raises RuntimeError with
    the CLI's error line when it exits non-zero."""
    cmd = cli_command() + [verb] + [str(a) for a in arguments] + _options(options)
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        lines = [l for l in p.stderr.splitlines() if l.startswith("error:")] or p.stderr.strip().splitlines()[-1:]
        raise RuntimeError(f"{' '.join(cmd)} exited with {p.returncode}: {lines[0] if lines else ''}")
    return p.stdout


def census(model=None, out=None, **options):
    """Runs ``fixpoint census`` and loads the folder it wrote.

    ``model``: a model file (``--model``: safetensors, ONNX, PyTorch state dict) or None for ``--network`` /
    the built-in random network. ``out``: the folder (default: a new temporary one). Other keyword arguments
    are the CLI's options with ``_`` for ``-``: ``census("net.safetensors", starts=2000, box=(-2, 2), unstable=True)``.
    """
    if out is None:
        out = tempfile.mkdtemp(prefix="fixpoint-census-")
    if model is not None:
        options = {"model": os.fspath(model), **options}
    run("census", out=os.fspath(out), **options)
    return load(out)


class Sweep:
    """A sweep store (docs/sweep-spec.md): ``meta`` (format, spec, spec_hash, task_count), ``spec`` (the canonical
    spec, parsed), ``rows`` (one dict per finished task in task order, the columns of table ``tasks``;
    ``cycle_periods`` and ``spectral_radii`` as arrays). ``column(name)`` gives one column as an array."""

    def __init__(self, meta, rows):
        self.meta = meta
        self.spec = json.loads(meta["spec"]) if "spec" in meta else None
        self.rows = rows

    def column(self, name):
        values = [r[name] for r in self.rows]
        if name in ("cycle_periods", "spectral_radii"):
            return values
        return np.array([np.nan if v is None else v for v in values]) if values else np.zeros(0)

    def __len__(self):
        return len(self.rows)

    def __iter__(self):
        return iter(self.rows)

    def __repr__(self):
        return f"<Sweep {self.meta.get('format')}: {len(self.rows)} of {self.meta.get('task_count')} tasks>"


def load_sweep(store):
    """The finished tasks of a sweep store (SQLite, opened read-only) as a :class:`Sweep`."""
    path = os.path.abspath(os.fspath(store))
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: no such sweep store")
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        db.row_factory = sqlite3.Row
        meta = {r["key"]: r["value"] for r in db.execute("SELECT key, value FROM meta")}
        rows = []
        for r in db.execute("SELECT * FROM tasks ORDER BY task_index"):
            d = dict(r)
            d["tied"] = bool(d["tied"])
            d["cycle_periods"] = np.array(json.loads(d["cycle_periods"]), dtype=np.int64)
            d["spectral_radii"] = np.array([_numeric(v) for v in json.loads(d["spectral_radii"])], dtype=float)
            rows.append(d)
    finally:
        db.close()
    return Sweep(meta, rows)
