"""brainmass's self-contained `KuramotoNetwork`: N Sakaguchi-Kuramoto phase oscillators.

    net = bm.KuramotoNetwork(8, omega=0.05, K=0.5, alpha=0.1, conn=W)   # as brainmass
    theta = net.update()                                                 # one step of dt

    dtheta_i/dt = omega_i + (K / N) * sum_j w_ij sin(theta_j - theta_i - alpha) + theta_inp

It is a `Network` of the catalogue node `KuramotoNetwork` (dtheta/dt = omega + theta_inp)
with the coupling block `KuramotoCoupling` (models/coupling/kuramoto.nmm): the same compiled
kernel as `Network(node, conn=W, coupling="KuramotoCoupling", K=...)`. brainmass's flags:
`conn=None` is all-ones, `exclude_self` zeroes the diagonal, `normalize_by_n` divides by the
full N (also when self is excluded); with `normalize_by_n=False` the coupling block runs with
K * N, and `net.K` still reads K.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from .connectivity import square_matrix
from .network import Network
from .values import magnitude_in


def _node_class():
    from .library import catalogue_class

    return catalogue_class("KuramotoNetwork")


class KuramotoNetwork(Network):
    """brainmass's `KuramotoNetwork(in_size, omega, K, alpha, conn, normalize_by_n,
    exclude_self, noise_theta, init_theta)`; `update(theta_inp=None)` returns theta (rad)."""

    def __init__(self, in_size, omega=0.0, K=0.0, alpha=0.0, conn=None,
                 normalize_by_n: bool = True, exclude_self: bool = True, noise_theta=None,
                 init_theta=None, *, seed: int = 0, name: Optional[str] = None, **kwargs):
        node_kwargs = dict(omega=omega, seed=seed, **kwargs)
        if noise_theta is not None:
            node_kwargs["noise_theta"] = noise_theta
        if init_theta is not None:
            node_kwargs["init_theta"] = init_theta
        node = _node_class()(in_size, **node_kwargs)
        n = node.n_nodes
        W = np.ones((n, n)) if conn is None else square_matrix(conn, "conn", n)
        object.__setattr__(self, "_k_scale", 1.0 if normalize_by_n else float(n))
        object.__setattr__(self, "normalize_by_n", bool(normalize_by_n))
        object.__setattr__(self, "exclude_self", bool(exclude_self))
        super().__init__(node, conn=W, coupling="KuramotoCoupling",
                         self_connection=not exclude_self, name=name or "KuramotoNetwork",
                         coupling_params={"alpha": alpha})
        self.set_params(K=K)

    # K is read and written in brainmass's meaning whatever normalize_by_n says
    def set_params(self, **values) -> None:
        for key in ("K", "coupling.K"):
            if key not in values:
                continue
            k = values.pop(key)
            if self._k_scale != 1.0:
                if hasattr(k, "value") and not hasattr(k, "magnitude"):
                    raise TypeError("K: a trainable K needs normalize_by_n=True (the coupling "
                                    "block divides by N); scale it yourself otherwise")
                k = np.asarray(magnitude_in(k, None, "parameter 'K'")) * self._k_scale
            Network.set_params(self, **{"coupling.K": k})
        if values:
            Network.set_params(self, **values)

    def get_param(self, name: str):
        if name in ("K", "coupling.K"):
            return Network.get_param(self, "coupling.K") / self._k_scale
        return Network.get_param(self, name)

    @property
    def positional_inputs(self):
        """brainmass's `update(theta_inp)`: a positional input is theta_inp (added to the
        coupling, which arrives there too)."""
        return ("theta_inp",)

    def __getattr__(self, name: str):
        if name in ("K", "alpha"):
            from .model import ParamView

            return ParamView(self, name)
        return super().__getattr__(name)

    def __repr__(self):
        return (f"KuramotoNetwork(in_size={self.in_size}, normalize_by_n={self.normalize_by_n}, "
                f"exclude_self={self.exclude_self})")
