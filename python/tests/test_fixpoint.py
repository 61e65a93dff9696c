"""Tests of the fixpoint Python package (unittest; run: python3 -m unittest discover -s python/tests).

The reader tests use census.json files the .NET suite commits (tests/Fixpoint.Tests/Fixtures/results) and
safetensors files written here byte by byte. The CLI tests run the CLI named by $FIXPOINT_CLI (.ci/run sets
it to the built fixpoint.dll) or found on PATH; without one they are skipped, except in CI (CI set), where
they fail.
"""

import csv
import json
import os
import shutil
import struct
import sys
import tempfile
import unittest

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))  # the package from the source tree unless installed

import fixpoint  # noqa: E402
from fixpoint.safetensors import SafetensorsError, read_safetensors  # noqa: E402

FIXTURES = os.path.join(REPO, "tests", "Fixpoint.Tests", "Fixtures", "results")


def have_cli():
    try:
        fixpoint.cli_command()
        return True
    except FileNotFoundError:
        return False


def needs_cli(test):
    if have_cli() or os.environ.get("CI"):
        return test
    return unittest.skip("no fixpoint CLI: set FIXPOINT_CLI to fixpoint.dll (.ci/run does)")(test)


def folder_with(census_json):
    d = tempfile.mkdtemp(prefix="fixpoint-py-")
    shutil.copy(os.path.join(FIXTURES, census_json), os.path.join(d, "census.json"))
    return d


def write_safetensors(path, tensors, metadata=None):
    """A safetensors file written by hand: 8-byte length, JSON header, little-endian data."""
    header, blobs, offset = {}, [], 0
    for name, (dtype, arr) in tensors.items():
        b = np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    if metadata:
        header["__metadata__"] = metadata
    h = json.dumps(header).encode()
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


class ReaderTests(unittest.TestCase):
    def test_poly_census_fixture_as_arrays(self):
        r = fixpoint.load(folder_with("census-poly.json"))
        with open(os.path.join(FIXTURES, "census-poly.json")) as f:
            j = json.load(f)
        self.assertEqual(r.points.shape, (16, 2))
        self.assertEqual(int(np.sum(r.stability == "stable")), j["q"])
        np.testing.assert_array_equal(r.points[3], np.array(j["fixedPoints"][3]["x"]))
        # rho is the largest eigenvalue modulus, eigenvalues come back complex.
        self.assertEqual(r.eigenvalues.dtype, np.complex128)
        np.testing.assert_allclose(r.rho, np.nanmax(np.abs(r.eigenvalues), axis=1), rtol=1e-12)
        np.testing.assert_array_equal(r.unstableDimensions, np.sum(np.abs(r.eigenvalues) > 1, axis=1))
        self.assertEqual(int(r.hits.sum()), j["outcomes"]["converged"])
        self.assertEqual(r.basinCI95.shape, (16, 2))
        # The Wilson interval holds the fraction (its lower end for no hits is 0 up to rounding).
        self.assertTrue(np.all(r.basinCI95[:, 0] <= r.basinFraction + 1e-15) and np.all(r.basinFraction <= r.basinCI95[:, 1]))
        self.assertEqual(r.outcomes["converged"], 161)
        self.assertEqual(r.q, 4)
        self.assertIsNone(r.starts)
        self.assertIsNone(r.trajectories)
        self.assertEqual(r.modes, [None] * 16)

    def test_cycle_fixture_has_a_cycle_of_points(self):
        r = fixpoint.load(folder_with("census-cycle.json"))
        self.assertEqual(r.points.shape, (0, 1))
        self.assertEqual(len(r.cycles), 1)
        c = r.cycles[0]
        self.assertEqual(c["points"].shape, (c["period"], 1))

    def test_later_fields_and_optional_files_are_read(self):
        d = folder_with("census-poly.json")
        with open(os.path.join(d, "census.json")) as f:
            j = json.load(f)
        j["fixedPoints"][4]["modes"] = [{"kind": "unstable", "eigenvalue": [2.5, 0.0], "vector": [0.6, 0.8]}]
        with open(os.path.join(d, "census.json"), "w") as f:
            json.dump(j, f)
        with open(os.path.join(d, "starts.csv"), "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["start", "status", "attractor", "iterations"])
            w.writerow([0, "converged", 2, 17])
            w.writerow([1, "diverged", "", 40])
        traj = np.arange(24, dtype=np.float64).reshape(2, 3, 4)
        write_safetensors(os.path.join(d, "trajectories.safetensors"), {"trajectories": ("F64", traj)})
        r = fixpoint.load(d)
        np.testing.assert_array_equal(r.modes[4][0]["vector"], [0.6, 0.8])
        self.assertIsNone(r.modes[0])
        np.testing.assert_array_equal(r.starts["start"], [0, 1])
        self.assertEqual(list(r.starts["status"]), ["converged", "diverged"])
        self.assertTrue(np.isnan(r.starts["attractor"][1]) and r.starts["attractor"][0] == 2)
        np.testing.assert_array_equal(r.trajectories["trajectories"], traj)
        self.assertIsNone(r.jacobians)

    def test_not_a_census(self):
        d = tempfile.mkdtemp()
        with self.assertRaises(FileNotFoundError):
            fixpoint.load(d)
        with open(os.path.join(d, "census.json"), "w") as f:
            json.dump({"format": "something-else"}, f)
        with self.assertRaises(ValueError):
            fixpoint.load(d)


class SafetensorsTests(unittest.TestCase):
    def test_known_answers_for_every_width(self):
        d = tempfile.mkdtemp()
        p = os.path.join(d, "t.safetensors")
        a = np.array([[1.5, -2.0, 3.25]], dtype=np.float32)
        b = np.array([1, -7, 2 ** 40], dtype=np.int64)
        bf = np.array([0x3FC0, 0xC000], dtype=np.uint16)  # BF16 1.5, -2
        write_safetensors(p, {"a": ("F32", a), "b": ("I64", b), "c": ("BF16", bf)}, {"activation": "tanh"})
        t, meta = read_safetensors(p)
        np.testing.assert_array_equal(t["a"], a)
        np.testing.assert_array_equal(t["b"], b)
        np.testing.assert_array_equal(t["c"], np.array([1.5, -2.0], dtype=np.float32))
        self.assertEqual(meta, {"activation": "tanh"})

    def test_truncated_and_garbled_files_are_refused(self):
        d = tempfile.mkdtemp()
        p = os.path.join(d, "t.safetensors")
        write_safetensors(p, {"a": ("F64", np.ones(4))})
        with open(p, "rb") as f:
            data = f.read()
        for bad in (data[:-8], data[:6], struct.pack("<Q", 3) + b"{no"):
            with open(p, "wb") as f:
                f.write(bad)
            with self.assertRaises(SafetensorsError):
                read_safetensors(p)


class CliTests(unittest.TestCase):
    @needs_cli
    def test_census_runs_the_cli_and_loads_its_folder(self):
        out = tempfile.mkdtemp(prefix="fixpoint-py-")
        r = fixpoint.census(network="ke2024-poly", dim=2, m=100, unstable=True, box=(-3, 3), starts=300, no_plot=True, out=out)
        self.assertEqual(r.points.shape, (16, 2))
        self.assertEqual(int(np.sum(r.stability == "stable")), 4)
        self.assertEqual(int(np.sum(r.unstableDimensions == 1)), 8)
        self.assertEqual(int(np.sum(r.unstableDimensions == 2)), 4)
        # The census writes its network: the weights read back with the model format's keys.
        t, meta = read_safetensors(os.path.join(out, "network.safetensors"))
        self.assertIn("layers.0.weight", t)
        # The same rows as fixed_points.csv.
        with open(os.path.join(out, "fixed_points.csv")) as f:
            rows = list(csv.DictReader(f))
        np.testing.assert_array_equal(r.points[:, 0], [float(row["x0"]) for row in rows])
        with self.assertRaises(RuntimeError) as e:
            fixpoint.census(starts=0, out=out)
        self.assertIn("--starts", str(e.exception))

    @needs_cli
    def test_census_modes_starts_and_arrays_from_the_cli(self):
        out = tempfile.mkdtemp(prefix="fixpoint-py-")
        r = fixpoint.census(network="ke2024-poly", dim=2, m=100, unstable=True, box=(-3, 3), starts=300, no_plot=True,
                            save_jacobians=True, trajectories=3, trajectory_steps=5, out=out)
        self.assertEqual(len(r.modes), len(r.points))
        for k, modes in enumerate(r.modes):
            unstable = [m for m in modes if m["kind"] == "unstable"]
            self.assertEqual(len(unstable), r.unstableDimensions[k])  # real eigenvalues: one mode per dimension
            jac = r.jacobians[f"point.{k}.jacobian"]
            self.assertEqual(jac.shape, (2, 2))
            for m in modes:
                lam = complex(m["eigenvalue"][0], m["eigenvalue"][1])
                v = m["vector"] + 1j * m.get("vectorImaginary", np.zeros(2))
                self.assertIsInstance(m["vector"], np.ndarray)
                self.assertAlmostEqual(np.linalg.norm(v), 1.0, places=12)
                self.assertLess(np.linalg.norm(jac @ v - lam * v), 1e-10)
                self.assertEqual(m["kind"] == "unstable", m["modulus"] > 1)
        # starts.csv agrees with the hits of census.json.
        s = r.starts
        self.assertEqual(len(s["start"]), 300)
        conv = s["status"] == "converged"
        for k in range(len(r.points)):
            self.assertEqual(int(np.sum(conv & (s["attractor"] == k))), r.hits[k])
        self.assertEqual(r.trajectories["trajectories"].shape, (3, 6, 2))

    @needs_cli
    def test_load_sweep_reads_every_task(self):
        d = tempfile.mkdtemp(prefix="fixpoint-py-")
        spec = {
            "name": "py", "seed": 3,
            "axes": {"width": [3, 4], "depth": [1, 2], "weights": ["gaussian(1)"], "scaling": ["1/sqrt(n)"],
                     "biases": ["gaussian(0.1)"], "activation": ["tanh"]},
            "realisations": 2, "starts": {"count": 40, "law": "uniform", "box": [-1, 1]},
            "solver": {"name": "picard", "atol": 1e-10, "maxIterations": 500, "maxPeriod": 8}, "census": {"unstable": False},
        }
        with open(os.path.join(d, "spec.json"), "w") as f:
            json.dump(spec, f)
        store = os.path.join(d, "s.db")
        fixpoint.run("sweep", "run", os.path.join(d, "spec.json"), store=store, threads=1)
        s = fixpoint.load_sweep(store)
        self.assertEqual(len(s), 8)
        self.assertEqual(int(s.meta["task_count"]), 8)
        self.assertEqual(s.spec["realisations"], 2)
        self.assertEqual(sorted(set(s.column("width").tolist())), [3, 4])
        for row in s:
            self.assertEqual(len(row["spectral_radii"]), row["distinct_fixed_points"])
            self.assertEqual(row["converged"] + row["cycle"] + row["diverged"] + row["max_iterations"], 40)
            self.assertGreaterEqual(row["q"], 0)


if __name__ == "__main__":
    unittest.main()
