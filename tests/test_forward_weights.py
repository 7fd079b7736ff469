"""Vertex -> region reduction helpers, LeadfieldReadout and the synthetic lead field, against
direct NumPy computations."""
from __future__ import annotations

import numpy as np
import pytest

from brainmass_dsl.forward import (LeadfieldReadout, build_fixed_orientation_weights,
                                   compress_vertex_leadfield, synthetic_leadfield)
from brainmass_dsl.forward.weights import (blocked_from_interleaved, farthest_point_centres,
                                           nearest_centre_parcels)
from brainmass_dsl.frontend.units import registry

V, R, M = 9, 3, 4


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def test_build_fixed_orientation_weights_elementwise(rng):
    n = rng.normal(size=(V, 3))
    n /= np.linalg.norm(n, axis=1, keepdims=True)
    parcel = rng.random((V, R))
    area = rng.random(V)
    W = build_fixed_orientation_weights(n, parcel, area)
    assert W.shape == (3 * V, R)
    for k in range(3):
        for v in range(V):
            for r in range(R):
                assert W[k * V + v, r] == pytest.approx(area[v] * parcel[v, r] * n[v, k])
    np.testing.assert_array_equal(build_fixed_orientation_weights(n, parcel),
                                  build_fixed_orientation_weights(n, parcel, np.ones(V)))


def test_compressed_leadfield_is_the_sum_of_oriented_vertex_fields(rng):
    n = rng.normal(size=(V, 3))
    n /= np.linalg.norm(n, axis=1, keepdims=True)
    parcel = np.eye(R)[rng.integers(0, R, V)]                     # one-hot
    L_vertex = rng.normal(size=(M, 3 * V))                        # blocked x | y | z
    L_region = compress_vertex_leadfield(L_vertex, build_fixed_orientation_weights(n, parcel))
    want = np.zeros((M, R))
    for v in range(V):
        gain_v = np.stack([L_vertex[:, v], L_vertex[:, V + v], L_vertex[:, 2 * V + v]], 1)
        want[:, parcel[v].argmax()] += gain_v @ n[v]
    np.testing.assert_allclose(L_region, want, rtol=1e-12, atol=1e-14)


def test_compress_keeps_units(rng):
    Lq = registry().Quantity(rng.normal(size=(M, 3 * V)), "V/(A*m)")
    W = rng.random((3 * V, R))
    out = compress_vertex_leadfield(Lq, W)
    assert out.units == registry().Unit("V/(A*m)")
    np.testing.assert_allclose(out.magnitude, Lq.magnitude @ W)


def test_shape_errors_name_the_arguments(rng):
    with pytest.raises(ValueError, match=r"L_vertex_3V has 27 columns \(3V\) but "
                                         r"W_vertex_to_region_3VxR has 26 rows"):
        compress_vertex_leadfield(np.ones((M, 3 * V)), np.ones((3 * V - 1, R)))
    with pytest.raises(ValueError, match=r"normals_V3 must be \(V, 3\)"):
        build_fixed_orientation_weights(np.ones((V, 2)), np.ones((V, R)))
    with pytest.raises(ValueError, match="parcel_VxR must have V = 9 rows"):
        build_fixed_orientation_weights(np.ones((V, 3)), np.ones((V + 1, R)))
    with pytest.raises(ValueError, match=r"area_weights_V must be \(V,\) = \(9,\)"):
        build_fixed_orientation_weights(np.ones((V, 3)), np.ones((V, R)), np.ones(V + 2))


def test_interleaved_to_blocked():
    g = np.arange(2 * 3 * 4, dtype=float).reshape(2, 12)        # 4 sources, x0 y0 z0 x1 ...
    b = blocked_from_interleaved(g)
    np.testing.assert_array_equal(b[:, :4], g[:, 0::3])
    np.testing.assert_array_equal(b[:, 4:8], g[:, 1::3])
    np.testing.assert_array_equal(b[:, 8:], g[:, 2::3])


def test_parcellation(rng):
    pos = rng.normal(size=(40, 3))
    idx = farthest_point_centres(pos, 5)
    assert len(set(idx.tolist())) == 5
    parcel = nearest_centre_parcels(pos, pos[idx])
    d = np.linalg.norm(pos[:, None] - pos[idx][None], axis=2)
    np.testing.assert_array_equal(parcel.argmax(1), d.argmin(1))
    assert (parcel.sum(1) == 1).all()
    with pytest.raises(ValueError, match="regions: region centre"):
        nearest_centre_parcels(pos, np.vstack([pos[idx], [[100.0, 0, 0]]]))
    with pytest.raises(ValueError, match="regions: asked for 41 regions from 40"):
        farthest_point_centres(pos, 41)


# ------------------------------------------------------------------ LeadfieldReadout
@pytest.mark.parametrize("normalize", [True, "l1", "l2", False, None])
@pytest.mark.parametrize("demean", [True, False])
def test_readout_against_numpy(rng, normalize, demean):
    lm = rng.normal(size=(M, R))
    x = rng.normal(size=(5, 2, R))
    y0, cy0 = rng.normal(size=M), 1.7
    L = lm.copy()
    if normalize in (True, "l1"):
        L = L / np.abs(L).sum(1, keepdims=True)
    elif normalize == "l2":
        L = L / np.sqrt((L ** 2).sum(1, keepdims=True))
    if demean:
        L = L - L.mean(0, keepdims=True)
    got = LeadfieldReadout(lm, y0, cy0, normalize=normalize, demean=demean)(x)
    want = np.array([[cy0 * (L @ x[i, j]) - y0 for j in range(2)] for i in range(5)])
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def test_readout_parameters_and_errors(rng):
    lm = rng.normal(size=(M, R))

    class Param:                                     # brainmass's Param: a .value() method
        def __init__(self, v):
            self.v = v

        def value(self):
            return self.v

    x = rng.normal(size=R)
    a = LeadfieldReadout(lm, Param(0.5), Param(2.0))(x)
    b = LeadfieldReadout(lm, 0.5, 2.0)(x)
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="normalize must be True/'l1', 'l2', False or None"):
        LeadfieldReadout(lm, 0.0, 1.0, normalize="l3")
    with pytest.raises(ValueError, match=r"lm: row\(s\) \[1\] are all zero"):
        LeadfieldReadout(np.vstack([lm[:1], np.zeros((1, R))]), 0.0, 1.0)
    with pytest.raises(ValueError, match=r"y0 must be a number or one value per sensor \(4,\)"):
        LeadfieldReadout(lm, np.zeros(M + 1), 1.0)
    with pytest.raises(ValueError, match="x must have the R = 3 sources"):
        LeadfieldReadout(lm, 0.0, 1.0)(np.ones(R + 1))
    with pytest.raises(ValueError, match="lm must be unitless when normalize is False"):
        LeadfieldReadout(registry().Quantity(lm, "V/(A*m)"), 0.0, 1.0, normalize=False)
    unit_lm = LeadfieldReadout(registry().Quantity(lm, "V/(A*m)"), 0.0, 1.0)(x)
    np.testing.assert_allclose(unit_lm, LeadfieldReadout(lm, 0.0, 1.0)(x))


# ------------------------------------------------------------------ synthetic lead field
def test_synthetic_leadfield_is_the_documented_formula():
    pos = np.array([[0.0, 0.0, 50.0], [30.0, -20.0, 10.0], [-40.0, 10.0, -20.0]])
    lf = synthetic_leadfield(pos, n_sensors=16, head_radius=90.0, conductivity=0.3)
    assert lf.matrix.shape == (3, 16) and lf.unit == "V/(A*m)" and lf.kind == "eeg"
    e = lf.sensor_positions
    np.testing.assert_allclose(np.linalg.norm(e, axis=1), 0.09)
    assert e[:, 2].min() >= -0.3 * 0.09 - 1e-12
    for r, p in enumerate(pos * 1e-3):
        d = e - p
        V = d @ (p / np.linalg.norm(p)) / (4 * np.pi * 0.3 * np.linalg.norm(d, axis=1) ** 3)
        np.testing.assert_allclose(lf.matrix[r], V - V.mean(), rtol=1e-12)


def test_synthetic_default_matches_the_default_connectome():
    from brainmass_dsl.datasets import default_connectome

    a, b = synthetic_leadfield(), synthetic_leadfield()
    np.testing.assert_array_equal(a.matrix, b.matrix)              # deterministic
    assert a.matrix.shape == (len(default_connectome().centres), 64)
    np.testing.assert_allclose(a.matrix.sum(1), 0, atol=1e-9)      # average reference
    # a radial dipole under an electrode: positive there (current flows towards the scalp)
    top = np.argmax(a.region_positions[:, 2])
    assert a.matrix[top].argmax() == np.argmin(np.linalg.norm(
        a.sensor_positions - a.region_positions[top] / np.linalg.norm(a.region_positions[top])
        * 0.1, axis=1))
    with pytest.raises(ValueError, match="region_positions: region"):
        synthetic_leadfield([[0.0, 0.0, 95.0]])
