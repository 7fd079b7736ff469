"""Forward sensitivities of a network run: the compiled tangent kernel, segment by segment.

    pred, tangents = network_sensitivity(net, 2000.0, dt=0.1, monitors=["x"],
                                         directions=["coupling.k", "a"])
    tangents["coupling.k"]["x"]      # d x(t) / d k, the shape of pred["x"]

The run is exactly `Simulator(net, dt).run(...)` with the same arguments. Each direction is
a change of the parameters (a `{name: tangent}` dict: numbers or per-node arrays in the
parameters' units, `(N, N)` matrices for "coupling.weights"; or a parameter's name, meaning
a unit change of all its values at once), and its tangent is the derivative of every
recorded sample along that change, carried alongside the states by a generated kernel whose
steps are the Jacobian-vector products of the forward kernel's own steps (plan/sensitivity.py,
ir/tangent.py). Few directions: this costs about one forward run per direction (the adjoint,
`runtime.gradient`, gives the gradient with respect to every parameter for a few runs'
cost). The two agree: <adjoint gradient, direction> == <d loss / d samples, tangent>, which
the tests check.

The forward run keeps a checkpoint every K steps; the tangent sweep then recomputes each
segment's states from its checkpoint (the same kernel: the same numbers) and carries the
tangent of the state and of the coupling history from one segment to the next.
"""
from __future__ import annotations

from typing import Dict, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from ..plan import signature
from .connectivity import laplacian_jvp
from .gradient import prepare

Direction = Union[str, Mapping[str, object]]


def _directions(net, directions) -> Dict[str, Dict[str, object]]:
    """{label: {parameter name: tangent}} from the user's `directions`."""
    if isinstance(directions, (str, Mapping)):
        directions = [directions]
    out: Dict[str, Dict[str, object]] = {}
    for i, d in enumerate(directions):
        if isinstance(d, str):
            if d in net.weight_names:
                raise ValueError(f"directions: give {d!r} as a {{{d!r}: (N, N) matrix}} dict "
                                 "(the change of each weight)")
            out[d] = {d: 1.0}
        elif isinstance(d, Mapping):
            if not d:
                raise ValueError(f"directions[{i}] is empty")
            out[", ".join(d)] = dict(d)
        else:
            raise TypeError(f"directions must be parameter names or {{name: tangent}} dicts, "
                            f"got {type(d).__name__}")
    return out


def _tangent_arrays(net, labels: Dict[str, Dict[str, object]], B: int, edges):
    """(tp (D, P, B, N), tc (D, C, B, N), [tw (D, E) per term], [trowsum (D, N) per term])
    in canonical units."""
    D, N = len(labels), net.n_nodes
    tp = np.zeros((D, len(net._meta["parameters"]), B, N))
    tc = np.zeros((D, len(net._cparam_meta), B, N))
    tw = [np.zeros((D, e.data.size)) for e in edges]
    trs = [np.zeros((D, N)) for _ in edges]
    for d, (_label, change) in enumerate(labels.items()):
        for name, value in change.items():
            if name in net.weight_names:
                k = net.weight_names.index(name)
                t, e = net.terms[k], edges[k]
                dW = np.asarray(value, dtype=float)
                if dW.shape != (N, N):
                    raise ValueError(f"the direction of {name!r} must be an ({N}, {N}) matrix, "
                                     f"got shape {dW.shape}")
                dL = _weights_tangent(t, dW)
                rows = np.repeat(np.arange(N), np.diff(e.indptr))
                tw[k][d] = dL[rows, e.cols]
                np.add.at(trs[k][d], rows, tw[k][d])
                continue
            ckey = net._resolve_cparam(name)
            if ckey is not None:
                i = net._cparam_index[ckey]
                tc[d, i] = _node_values(value, name, N) * net._cparam_meta[i]["factor"]
                continue
            if name not in net._param_index:
                from ..frontend.suggest import did_you_mean

                known = list(net.parameter_names) + net.weight_names
                hint = did_you_mean(name, known)
                raise ValueError(f"directions: {name!r} is not a parameter of {net.name}"
                                 + (f"; {hint}" if hint else "")
                                 + f" (parameters: {', '.join(known)})")
            i = net._param_index[name]
            tp[d, i] = _node_values(value, name, N) * net._meta["parameters"][i]["factor"]
    return tp, tc, tw, trs


def _node_values(value, name: str, N: int) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if arr.shape not in ((), (N,)):
        raise ValueError(f"the direction of {name!r} must be a number or per node (shape "
                         f"({N},)), got shape {arr.shape}")
    return np.broadcast_to(arr, (N,))


def _weights_tangent(term, dW: np.ndarray) -> np.ndarray:
    """The change of the kernel's weights for a change dW of the term's conn."""
    dW = dW.copy()
    if not term.spec.self_connection:
        np.fill_diagonal(dW, 0.0)
    if term.laplacian is None:
        return dW
    w = term.conn.copy()
    if not term.spec.self_connection:
        np.fill_diagonal(w, 0.0)
    return laplacian_jvp(w, dW, normalize=term.laplacian or None)


def network_sensitivity(net, duration, *, directions: Union[Direction, Sequence[Direction]],
                        dt=None, monitors=None, transient=None, sample_every=None, seed=None,
                        average: bool = False, inputs=None,
                        checkpoint_every: Optional[int] = None, batch_size=None,
                        parallel=None) -> Tuple[Dict[str, np.ndarray],
                                                Dict[str, Dict[str, np.ndarray]]]:
    """(prediction, tangents) of the run `Simulator(net, dt).run(duration, monitors=...,
    transient=..., sample_every=..., seed=..., average=..., inputs=...)` makes: `prediction`
    {monitor: array} as its `Result` gives them, `tangents` {label: {monitor: array of the
    same shape}}, the derivative of each sample along each direction (see the module
    documentation; a name's label is the name, a dict's its names joined by ", ").
    The network is left initialised at the run's end."""
    labels = _directions(net, directions)
    sim, run, kernel = prepare(net, duration, "tangent", dt=dt, monitors=monitors,
                               transient=transient, sample_every=sample_every, seed=seed,
                               average=average, inputs=inputs, batch_size=batch_size)
    B, N, S, D = run.B, run.N, run.S, len(labels)
    tp, tc, tw, trs = _tangent_arrays(net, labels, B, run.edges)
    starts = run.segment_starts(checkpoint_every, max(1, run.n_steps))
    rec, rec_pos, n_keep, checkpoints = run.forward(starts)
    pred = sim._result(rec.copy(), run.rows, rec_pos, run.dt, run.n_tr, run.every, n_keep, 0,
                       average)
    prediction = {name: pred[name] for name, _ in run.rows}

    params, cparams = net.param_array(B), net.cparam_array(B)
    trec = np.zeros((rec.shape[0], D) + rec.shape[1:])
    tx = np.zeros((D, S, B, N))          # the initial state does not depend on parameters
    thwin = [np.zeros((D, B, e.max_lag * N)) for e in run.edges]
    use_parallel = parallel if parallel is not None else B * D > 1
    tangent = kernel.module.tangent_parallel if use_parallel else kernel.module.tangent_serial
    ends = dict(zip(starts, starts[1:] + [run.n_steps]))
    for c in checkpoints:
        n = ends[c.step] - c.step
        seg = run.states_of(c, n)
        term_args = [dict(base, thwin=thwin[k], tw=tw[k], trowsum=trs[k])
                     for k, base in enumerate(run.term_args(c))]
        inp, stride = run.inputs(c.step, n)
        tangent(*signature.pack_tangent(dict(
            xseg=seg, params=params, cparams=cparams, inputs=inp, in_tstride=stride,
            seed=run.seed, batch0=0, t0=c.step, n=n, dt=run.dt, trec=trec, rec_pos=rec_pos,
            n_transient=run.n_tr, sample_every=run.every, mean=int(average),
            fill=int(c.windows is None), tx=tx, tp=tp, tc=tc), term_args))
    tangents = {}
    for d, label in enumerate(labels):
        res = sim._result(np.ascontiguousarray(trec[:, d]), run.rows, rec_pos, run.dt,
                          run.n_tr, run.every, n_keep, 0, average)
        tangents[label] = {name: res[name] for name, _ in run.rows}
    run.finish(batch_size)
    return prediction, tangents
