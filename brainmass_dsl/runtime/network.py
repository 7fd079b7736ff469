"""Whole-brain networks: a node model on a connectome, compiled into one fused kernel.

    net = bm.Network(bm.HopfStep(80), conn=W, distance=L, speed=10.0,   # mm, m/s
                     coupling="diffusive", coupled_var="x", k=0.2)
    res = bm.Simulator(net, dt=0.1).run(60_000.0, batch_size=16)

Node equations, every coupling term (weights, per-edge delays, pre/post), noise, the
integrator and the monitors run in one compiled time loop; the batch axis (parameter
sweeps) is spread over threads. Parameters of couplings are named "<term>.<name>"
("coupling.k" for the main term).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from ..compiler import TermSpec, compile_network
from ..frontend import NmmError, coupled_expression, load_program, parse_expression
from ..frontend.library import index
from ..frontend.suggest import did_you_mean
from ..plan import signature
from .connectivity import (DELAY_RULES, LAPLACIAN_COUPLINGS, delays_ms, edge_arrays,
                           laplacian_connectivity, laplacian_vjp, square_matrix)
from .coupling_objects import CouplingObject, LaplacianConnParam, coupling_object
from .compile_notice import compiling
from .model import Model, wiring_errors
from .param import note_param
from .values import block_bounds, broadcast_param, check_bounds, magnitude_in

#: steps per kernel call: the history windows hold max lag + 1 + SUB_STEPS rows
SUB_STEPS = signature.SUB_STEPS
#: the forward monitor's arrays when a run has none
_EMPTY2, _EMPTY3, _EMPTY4 = np.zeros((0, 0)), np.zeros((0, 0, 0)), np.zeros((0, 0, 0, 0))


@dataclass
class Coupling:
    """A coupling term: which coupling block, on which connectivity, what is sent where.

    `coupling` is a coupling name (catalogue or the node's own file, e.g. "diffusive",
    "SigmoidalJansenRit"), or "laplacian" / "laplacian_rw" / "laplacian_sym": additive
    coupling on `laplacian_connectivity(conn, normalize=None / "rw" / "sym")` (its diagonal
    acts without delay; brainmass's coupling="laplacian"); `coupled_var` any expression of
    the node's states (default: the node's `couples`); `target` the node input that receives
    it (default: the first input); `params` the coupling's parameter values (e.g. {"k": 0.2}).
    """

    coupling: Any = "diffusive"
    conn: Any = None
    distance: Any = None
    speed: Any = None
    delay: Any = None
    coupled_var: Optional[str] = None
    target: Optional[str] = None
    name: str = "coupling"
    self_connection: bool = False
    sparse: Optional[bool] = None
    params: Dict[str, Any] = field(default_factory=dict)


def _unpack_connectome(spec: Coupling) -> Coupling:
    """A Connectome (or brainmass's (weights, distances, labels) tuple) as conn=: its weights,
    and its distances (mm) as distance= when speed= is given and no distance or delay is."""
    conn = spec.conn
    weights = getattr(conn, "weights", None)
    if weights is None or isinstance(conn, np.ndarray):
        return spec
    dist = getattr(conn, "distances", None)
    if dist is None:
        dist = getattr(conn, "lengths", None)
    use_dist = spec.speed is not None and spec.distance is None and spec.delay is None
    return replace(spec, conn=weights, distance=dist if use_dist else spec.distance)


def _from_coupling_object(spec: Coupling) -> Coupling:
    """A Coupling whose `coupling` is a coupling object (bm.DiffusiveCoupling(...)): its block,
    its parameter values (under the term's explicit params), conn and coupled variable."""
    obj = spec.coupling
    if not isinstance(obj, CouplingObject):
        return spec
    if obj.conn is not None and spec.conn is not None:
        raise ValueError(f"conn given twice: to {type(obj).__name__}(conn=...) and to the "
                         "network; give it once")
    if obj.x is not None and spec.coupled_var is not None and obj.x != spec.coupled_var:
        raise ValueError(f"coupled_var={spec.coupled_var!r} differs from "
                         f"{type(obj).__name__}'s x={obj.x!r}")
    params = dict(obj.params)
    params.update(spec.params)
    return replace(spec, coupling=obj.block, conn=spec.conn if obj.conn is None else obj.conn,
                   coupled_var=spec.coupled_var or obj.x, params=params)


def find_coupling(name, program=None, search=()):
    """The ResolvedBlock of a coupling: in the node's program, else on the search path."""
    if hasattr(name, "kind") and hasattr(name, "members"):
        return name
    if not isinstance(name, str):
        raise TypeError(f"coupling must be a coupling name, got {type(name).__name__}")
    if name in LAPLACIAN_COUPLINGS:        # additive coupling on the Laplacian of conn
        name = "additive"
    candidates = [name, name.capitalize() + "Coupling", name + "Coupling"]
    if program is not None:
        for cand in candidates:
            try:
                rb = program.block(cand)
            except KeyError:
                continue
            if rb.kind == "coupling":
                return rb
    idx = index(search)
    for cand in candidates:
        entry = idx.get(cand)
        if entry is not None and entry.kind == "coupling":
            entry.check_unique("python")
            prog = load_program(entry.path, search=search, check="cached")
            return prog.block(entry.alias_of or entry.name)
    known = sorted(k for k, e in idx.items() if e.kind == "coupling")
    hint = did_you_mean(name, known)
    raise ValueError(f"unknown coupling {name!r}" + (f"; {hint}" if hint else "")
                     + f" (couplings: {', '.join(known) or 'none found'})")


def coupling_parameters(coupling, node_cls) -> List[str]:
    """The parameter names of coupling `coupling` as a network of `node_cls` (a Model
    subclass) would find it, known before compiling; ValueError for an unknown coupling."""
    from ..frontend import declared_names

    return declared_names(find_coupling(coupling, node_cls._program), "parameter")


class _Term:
    """A coupling term resolved against the node: block, spec, connectivity."""

    def __init__(self, spec: Coupling, node: Model, rb):
        self.spec = spec
        self.rb = rb
        meta_inputs = node._meta["inputs"]
        if not meta_inputs:
            raise ValueError(f"{node.name} has no input to receive the coupling")
        self.target = spec.target or meta_inputs[0]["name"]
        if self.target not in node.input_names:
            raise ValueError(f"target {self.target!r} is not an input of {node.name} "
                             f"(inputs: {', '.join(node.input_names)})")
        coupled = spec.coupled_var
        if coupled is None:
            coupled = coupled_expression(node._block)
            if coupled is None:
                raise ValueError(f"{node.name} declares no 'couples'; give coupled_var= (one "
                                 f"of its states: {', '.join(node.state_names)})")
        elif coupled not in node.state_names and not any(c in coupled for c in " +-*/()"):
            raise ValueError(f"coupled_var {coupled!r} is not a state of {node.name}; "
                             f"states: {', '.join(node.state_names)}")
        try:
            parse_expression(coupled)
        except NmmError as e:
            first = e.diagnostics[0] if e.diagnostics else None
            raise ValueError(f"coupled_var {coupled!r} is not a valid expression"
                             + (f": {first.message}" if first else "")) from None
        self.coupled = coupled
        if node.in_size != (node.n_nodes,):
            raise ValueError(f"a network needs a 1-D node model (in_size=N), got "
                             f"in_size={node.in_size}")
        n = node.n_nodes
        if spec.conn is None:
            raise ValueError("conn= (the (N, N) connectivity) is required")
        self.spec = spec
        self.delay_ms = delays_ms(n, spec.distance, spec.speed, spec.delay)
        self.keep_diagonal = spec.self_connection
        #: None, or the normalisation of a Laplacian coupling ("" for the plain Laplacian)
        self.laplacian = None
        conn = spec.conn
        if isinstance(conn, LaplacianConnParam):
            # a Laplacian already (brainmass passes a LaplacianConnParam through untouched):
            # its diagonal acts without delay
            conn = conn.matrix()
            np.fill_diagonal(self.delay_ms, 0.0)
            self.keep_diagonal = True
        elif isinstance(spec.coupling, str) and spec.coupling in LAPLACIAN_COUPLINGS:
            # additive coupling on L(conn): its diagonal (minus the row sums) acts without delay
            self.laplacian = LAPLACIAN_COUPLINGS[spec.coupling] or ""
            np.fill_diagonal(self.delay_ms, 0.0)
            self.keep_diagonal = True
        self.set_conn(conn)

    def set_conn(self, conn, what: str = "conn") -> None:
        """Set the term's connectivity (N, N); `weights` is what the kernel reads: conn itself,
        or its Laplacian for the Laplacian couplings."""
        self.conn = square_matrix(conn, what, self.weights_shape[0])
        if self.laplacian is None:
            self.weights = self.conn.copy()
            return
        w = self.conn.copy()
        if not self.spec.self_connection:
            np.fill_diagonal(w, 0.0)
        self.weights = laplacian_connectivity(w, normalize=self.laplacian or None)

    @property
    def weights_shape(self):
        return self.delay_ms.shape

    def conn_gradient(self, g_weights: np.ndarray) -> np.ndarray:
        """d loss / d conn from d loss / d weights (..., N, N): the identity, or the chain rule
        through the Laplacian (the diagonal of conn is ignored unless self_connection)."""
        if self.laplacian is None:
            return g_weights
        w = self.conn.copy()
        if not self.spec.self_connection:
            np.fill_diagonal(w, 0.0)
        g = laplacian_vjp(w, g_weights, normalize=self.laplacian or None)
        if not self.spec.self_connection:
            idx = np.arange(w.shape[0])
            g[..., idx, idx] = 0.0
        return g

    def spec_for_compiler(self) -> TermSpec:
        return TermSpec(self.spec.name, self.rb, self.coupled, self.target)


class Network(Model):
    """A node model on a connectome; runs as one fused compiled kernel (see module doc).

    `conn`: an (N, N) array, a `Connectome` or brainmass's (weights, distances, labels)
    tuple (its distances are used when `speed=` is given), or a `LaplacianConnParam`.
    `coupling`: a coupling name or object (`bm.DiffusiveCoupling(k=0.2)`). `delay_rule`:
    delays become whole steps by rounding to the nearest ("round", TVB's rule, the default)
    or up ("ceil", brainmass's rule). `delay_init`: the coupled value's history before t = 0
    (a number, an (N,) or (B, N) array, or a callable f(t) of the time t < 0 in ms); None
    (the default) keeps the initial state. brainmass's attributes `coupling`, `noise`,
    `n_node` and `coupled_var` are there too.
    """

    def __init__(self, node: Model, conn=None, *, distance=None, speed=None, delay=None,
                 coupling: Any = "diffusive", coupled_var: Optional[str] = None,
                 target: Optional[str] = None, k=None, self_connection: bool = False,
                 sparse: Optional[bool] = None, couplings: Sequence[Coupling] = (),
                 name: Optional[str] = None, coupling_params: Optional[dict] = None,
                 noise=None, delay_init=None, delay_rule: str = "round"):
        if not isinstance(node, Model) or isinstance(node, Network):
            raise TypeError(f"node must be a brainmass_dsl node model, got {type(node).__name__}")
        params = dict(coupling_params or {})
        if k is not None:
            params["k"] = k
        main = Coupling(coupling, conn, distance, speed, delay, coupled_var, target,
                        "coupling", self_connection, sparse, params)
        specs = [_unpack_connectome(_from_coupling_object(s)) for s in [main] + list(couplings)]
        names = [s.name for s in specs]
        if len(set(names)) != len(names):
            raise ValueError(f"coupling term names must differ, got {names}")
        if delay_rule not in DELAY_RULES:
            raise ValueError(f"delay_rule must be one of {', '.join(map(repr, DELAY_RULES))}, "
                             f"got {delay_rule!r}")
        self.node = node
        self._noise_arg = noise
        self.delay_rule = delay_rule
        self.delay_init = delay_init
        self.terms = [_Term(s, node, find_coupling(s.coupling, node._program)) for s in specs]
        self.in_size = node.in_size
        self.n_nodes = node.n_nodes
        self.name = name or f"Network[{node.name}]"
        self.method = node.method
        wiring, noise_src = self._network_noise(noise)
        self._net_wiring = wiring
        labels = dict(node._wire_labels, **self._net_wire_labels)
        with wiring_errors(labels, f"Network({node.name}(...), ...,"):
            self.kernel = compile_network(node._block, node.method,
                                          [t.spec_for_compiler() for t in self.terms],
                                          program=node._program, wiring=node._wiring + wiring)
        self._meta = self.kernel.meta
        if delay_init is not None:
            bad = [t["name"] for t in self._meta["coupling_terms"] if not t.get("sends_coupled")]
            if bad:
                raise ValueError(f"delay_init: coupling term(s) {', '.join(bad)} send a function "
                                 "of the coupled value (per-source part of pre), whose history "
                                 "cannot be set from the coupled value's; leave delay_init=None "
                                 "(history = initial state)")
        self.seed = node.seed
        self._param_index = {q["name"]: i for i, q in enumerate(self._meta["parameters"])}
        self._state_index = {q["name"]: i for i, q in enumerate(self._meta["states"])}
        self._input_index = dict(node._input_index)
        self._output_index = dict(node._output_index)
        self._own_params: Dict[str, Any] = {}
        self._own_inits: Dict[str, Any] = {}
        for prefix, src in noise_src.items():
            for key, value in src._params.items():
                self._own_params[f"{prefix}.{key}"] = value
            for key, value in src._inits.items():
                self._own_inits[f"{prefix}.{key}"] = value
            for key, value in src.__dict__.get("_trainable", {}).items():
                self.__dict__.setdefault("_trainable", {})[f"{prefix}.{key}"] = value
        self._cparam_index: Dict[str, int] = {}
        self._cparam_meta: List[dict] = []
        for term_meta in self._meta["coupling_terms"]:
            for q in term_meta["parameters"]:
                self._cparam_index[f"{term_meta['name']}.{q['name']}"] = len(self._cparam_meta)
                self._cparam_meta.append(q)
        self._cparams: Dict[str, Any] = {}
        for t in self.terms:
            for key, value in t.spec.params.items():
                self.set_params(**{f"{t.spec.name}.{key}": value})
        self._state = None
        self._batch, self._batch_size, self._step = 1, None, 0
        self._hist = self._lags = None
        self._windows = None
        self._edge_cache: Dict[float, list] = {}

    def _network_noise(self, noise):
        """Network-level noise (brainmass's Network(noise=...)): a noise process, or a number
        = white-noise intensity, on the main coupling's target input (prefix "noise":
        parameters "noise.sigma", ...); or a dict {input: process or number} wiring each to
        its input, as on nodes (prefix "noise_<input>": "noise_x_inp.sigma", ...).
        Returns (wires, {prefix: source model})."""
        from ..compiler import Wire

        self._net_wire_labels: Dict[str, str] = {}
        if noise is None:
            return (), {}
        if isinstance(noise, dict):
            pairs = [(f"noise_{k}", k, v) for k, v in noise.items() if v is not None]
            for _, k, _ in pairs:
                if not isinstance(k, str) or k not in self.node.input_names:
                    raise ValueError(f"noise={{{k!r}: ...}}: {k!r} is not an input of "
                                     f"{self.node.name} (inputs: "
                                     f"{', '.join(self.node.input_names)})")
        else:
            pairs = [("noise", self.terms[0].target, noise)]
        wires, sources = [], {}
        self._net_wire_labels = {}
        for prefix, target, src in pairs:
            label = "noise=" if prefix == "noise" else f"noise={{{target!r}: ...}}"
            shown = (repr(src) if isinstance(src, (int, float))
                     else f"{type(src).__name__}(...)")
            self._net_wire_labels[prefix] = (f"noise={shown}" if prefix == "noise"
                                             else f"noise={{{target!r}: {shown}}}")
            if isinstance(src, (int, float)) and not isinstance(src, bool):
                from .library import catalogue_class

                src = catalogue_class("GaussianNoise")(1, sigma=float(src))
            if not isinstance(src, Model) or src._meta.get("category") != "noise":
                raise TypeError(f"{label} must be a noise process (e.g. bm.OUProcess(...)) or "
                                f"a white-noise intensity, got {type(src).__name__}")
            if any(w.input == target for w in self.node._wiring):
                raise ValueError(f"the node already has noise on {target!r}; give the "
                                 "network's noise to another input or remove one of them")
            wires.append(Wire(target, src._block, prefix))
            sources[prefix] = src
        return tuple(wires), sources

    # ---------------------------------------------------------------- brainmass attributes
    @property
    def coupling(self):
        """The main coupling term as a coupling object bound to this network (brainmass's
        `Network.coupling`): `net.coupling.k.value()`, `net.coupling.k = 0.3`."""
        term = self.terms[0]
        names = [q["name"] for q in self._meta["coupling_terms"][0]["parameters"]]
        return coupling_object(self, term.spec.name, term.rb.name, names, term.coupled)

    @property
    def noise(self):
        """The network-level noise given as `noise=` (a process, an intensity, a dict or None)."""
        return self.__dict__.get("_noise_arg")

    @property
    def n_node(self) -> int:
        """The number of nodes (brainmass's `Network.n_node`)."""
        return self.n_nodes

    @property
    def coupled_var(self) -> str:
        """The main coupling's coupled variable (a state name or an expression of states)."""
        return self.terms[0].coupled

    # ---------------------------------------------------------------- parameters
    @property
    def _params(self):
        merged = dict(self.node._params)
        merged.update(self.__dict__.get("_own_params", {}))
        return merged

    @property
    def _inits(self):
        merged = dict(self.node._inits)
        merged.update(self.__dict__.get("_own_inits", {}))
        return merged

    def _resolve_cparam(self, key: str) -> Optional[str]:
        if key in self._cparam_index:
            return key
        if "." not in key and key not in self.node._param_index:
            hits = [n for n in self._cparam_index if n.split(".", 1)[1] == key]
            if hits:
                return hits[0]
        return None

    @property
    def weight_names(self) -> List[str]:
        """The names of the terms' connectivity matrices ("coupling.weights", ...): settable
        with `set_params`, readable with `get_param`, trainable by the gradient backend."""
        return [f"{t.spec.name}.weights" for t in self.terms]

    def _set_weights(self, key: str, value) -> None:
        term = self.terms[self.weight_names.index(key)]
        if np.ndim(value) == 3:
            raise ValueError(f"{self.name}: {key} takes one (N, N) matrix shared by every "
                             "batch member; per-batch connectivity is not supported")
        term.set_conn(value, key)
        self._edge_cache.clear()

    def set_params(self, **values) -> None:
        """Node parameters by name; coupling parameters as "coupling.k" (or "k" if unique);
        a term's connectivity as "coupling.weights" ((N, N), as `conn=`)."""
        for key, v in values.items():
            if key in self.weight_names:
                self._set_weights(key, v)
                continue
            ckey = self._resolve_cparam(key)
            if ckey is None and key in self._own_noise_params():
                self._set_own_noise_param(key, v)
                continue
            if ckey is None and "." in key and key not in self.node._param_index:
                term = key.split(".", 1)[0]
                have = [n for n in self._cparam_index if n.startswith(term + ".")]
                raise TypeError(f"{self.name}: no coupling parameter {key!r}; "
                                + (f"term {term!r} has {', '.join(have) or 'no parameters'}"
                                   if any(t.spec.name == term for t in self.terms) else
                                   f"coupling terms: {', '.join(t.spec.name for t in self.terms)}"))
            if ckey is None:
                self.node.set_params(**{key: v})
                continue
            q = self._cparam_meta[self._cparam_index[ckey]]
            v = note_param(self, ckey, v)
            arr = magnitude_in(v, q["unit"], f"parameter {ckey!r}", self.name, doc=q.get("doc"))
            self._check_param_shape(arr, ckey)
            check_bounds(arr, q["factor"], self.param_bounds().get(ckey),
                         f"parameter {ckey!r}", self.name, q["unit"], self.in_size)
            self._cparams[ckey] = arr
        self._param_cache = None

    def _own_noise_params(self):
        """Names of the parameters of the network-level noise processes ("noise.sigma")."""
        prefixes = tuple(f"{w.prefix}." for w in self.__dict__.get("_net_wiring", ()))
        return [k for k in self._param_index if prefixes and k.startswith(prefixes)]

    def _set_own_noise_param(self, key, v) -> None:
        q = self._meta["parameters"][self._param_index[key]]
        v = note_param(self, key, v)
        arr = magnitude_in(v, q["unit"], f"parameter {key!r}", self.name, doc=q.get("doc"),
                           hint=self._unit_hint(key, q["unit"]))
        self._check_param_shape(arr, key)
        check_bounds(arr, q["factor"], self.param_bounds().get(key), f"parameter {key!r}",
                     self.name, q["unit"], self.in_size)
        self._own_params[key] = arr

    def param_bounds(self) -> dict:
        """{name: Bounds} of the node's parameters (and its noise processes'), the network
        noise processes' ("noise.sigma") and the coupling parameters ("coupling.k")."""
        cached = self.__dict__.get("_bounds")
        if cached is None:
            cached = dict(self.node.param_bounds())
            for w in self.__dict__.get("_net_wiring", ()):
                cached.update(block_bounds(w.source, f"{w.prefix}."))
            for t in self.terms:
                cached.update(block_bounds(t.rb, f"{t.spec.name}."))
            self._bounds = cached
        return cached

    def unit_of(self, name: str) -> str:
        ckey = self._resolve_cparam(name)
        if ckey is not None:
            return self._cparam_meta[self._cparam_index[ckey]]["unit"] or "1"
        return super().unit_of(name)

    def get_param(self, name: str):
        if name in self.weight_names:
            return self.terms[self.weight_names.index(name)].conn.copy()
        ckey = self._resolve_cparam(name)
        if ckey is None and name in self._own_params:
            return self._own_params[name]
        if ckey is None and name in self.node._param_index:
            return self.node.get_param(name)
        if ckey is None:
            return Model.get_param(self, name)
        if ckey in self._cparams:
            return self._cparams[ckey]
        q = self._cparam_meta[self._cparam_index[ckey]]
        return q["default"] / q["factor"]

    def param_array(self, batch: int) -> np.ndarray:
        cached = self.__dict__.get("_param_cache")
        node_cached = self.node.__dict__.get("_param_cache")
        if cached is not None and cached.shape[1] == batch and node_cached is not None \
                and self.__dict__.get("_node_param_cache") is node_cached:
            return cached
        self._param_cache = None
        out = Model.param_array(self, batch)
        self._node_param_cache = self.node.param_array(batch)
        return out

    def cparam_array(self, batch: int) -> np.ndarray:
        out = np.empty((len(self._cparam_meta), batch, self.n_nodes))
        for name, i in self._cparam_index.items():
            q = self._cparam_meta[i]
            if name in self._cparams:
                out[i] = broadcast_param(self._cparams[name], f"parameter {name!r}",
                                         self.in_size, batch, self.name) * q["factor"]
            else:
                out[i] = q["default"]
        return out

    @property
    def parameter_names(self):
        return list(self._param_index) + list(self._cparam_index)

    param_names = parameter_names

    # ---------------------------------------------------------------- states
    def init_all_states(self, batch_size: Optional[int] = None, *, seed: Optional[int] = None,
                        batch_offset: int = 0):
        """Initial states of every node (and noise process); `net.node` sees the same states."""
        Model.init_all_states(self, batch_size, seed=seed, batch_offset=batch_offset)
        self.node.init_all_states(batch_size, seed=seed, batch_offset=batch_offset)
        self.node._state = self._state[:len(self.node._state_index)]
        self._windows = None
        return self

    init_state = init_all_states
    reset_state = init_all_states

    def update_returns(self):
        return self.node.update_returns()

    @property
    def positional_inputs(self):
        """The node inputs that positional inputs fill, in order: as brainmass's
        `Network.update(*inputs)` = `node(coupling, *inputs)`, the coupling takes the node's
        first input and positional inputs fill the ones after it. With the main coupling on
        another input (`target=`) there is no such order: () (inputs must be named)."""
        names = list(self.node.input_names)
        if self.terms[0].target != names[0]:
            return ()
        return tuple(names[1:])

    def _positional_error(self, n_given: int) -> TypeError:
        names = list(self.node.input_names)
        target = self.terms[0].target
        slots = self.positional_inputs
        if target != names[0]:
            why = (f"the coupling goes into {target!r}, not into the first input "
                   f"{names[0]!r}, so positional inputs have no brainmass meaning")
        else:
            why = (f"as in brainmass's Network.update(*inputs), the coupling takes the first "
                   f"input {target!r} and positional inputs fill "
                   + (", ".join(repr(n) for n in slots) if slots else "nothing (it has no "
                      "other input)"))
        return TypeError(f"{self.name}: {n_given} positional input"
                         f"{'s' if n_given != 1 else ''} given; {why}. Name the inputs "
                         f"instead, e.g. inputs=lambda i, t: {{{names[0]!r}: ...}} or "
                         f"update({names[0]}=...) (inputs of {self.node.name}: "
                         f"{', '.join(names)}; a named input adds to the coupling)")

    def input_array(self, args, kwargs, batch):
        if args:
            slots = self.positional_inputs
            if len(args) > len(slots):
                raise self._positional_error(len(args))
            named = dict(zip(slots, args))
            for k, v in kwargs.items():
                if k in named:
                    raise TypeError(f"input {k!r} of {self.name} given twice (positional "
                                    f"inputs fill {', '.join(slots)})")
                named[k] = v
            return self.node.input_array((), named, batch)
        return self.node.input_array((), kwargs, batch)

    def _edges(self, dt: float):
        if dt not in self._edge_cache:
            self._edge_cache[dt] = [edge_arrays(t.weights, t.delay_ms, dt,
                                                self_connection=t.keep_diagonal,
                                                sparse=t.spec.sparse, rule=self.delay_rule)
                                    for t in self.terms]
        return self._edge_cache[dt]

    # ---------------------------------------------------------------- stepping
    def advance(self, n_steps: int, dt: float, inputs: np.ndarray, in_tstride: int, *,
                rec: np.ndarray, rec_pos: np.ndarray, n_transient: int, sample_every: int,
                seed: int, parallel: Optional[bool] = None, noise_substeps: int = 1,
                batch0: int = 0, average: bool = False) -> np.ndarray:
        B, N = self._batch, self.n_nodes
        params = self.param_array(B)
        if self._hist is None or self._hist_dt != dt:
            self._lags, self._hist = self._delay_buffers(params, dt, B)
            self._hist_dt = dt
        if n_steps > SUB_STEPS:  # bounded history windows: memory O(N x (max lag + SUB_STEPS))
            done = 0
            step = self._step
            try:
                while done < n_steps:
                    m = min(SUB_STEPS, n_steps - done)
                    part = inputs[done:done + m] if in_tstride else inputs
                    status = self.advance(m, dt, part, in_tstride, rec=rec, rec_pos=rec_pos,
                                          n_transient=n_transient, sample_every=sample_every,
                                          seed=seed, parallel=parallel,
                                          noise_substeps=noise_substeps, batch0=batch0,
                                          average=average)
                    if status[..., 0].any():
                        return status
                    done += m
                    self._step = step + done
            finally:
                self._step = step
            return status
        edges = self._edges(dt)
        cparams = self.cparam_array(B)
        for term in self._meta["coupling_terms"]:
            for pname in term.get("sender_params", ()):
                row = cparams[self._cparam_index[f"{term['name']}.{pname}"]]
                if (row != row[:, :1]).any():
                    raise ValueError(
                        f"coupling parameter '{term['name']}.{pname}' enters the per-source part "
                        f"of {term['coupling']} (evaluated once per sending node), so it cannot "
                        "differ between nodes; give one value per batch element, or write the "
                        "coupling so that it depends on x_i")
        fill = self._windows is None
        if self._windows is not None and self._windows_dt != dt:
            raise ValueError(f"dt changed from {self._windows_dt} to {dt} ms in a continued "
                             "network run; re-initialise the states (init_states=True)")
        windows = []
        for k, e in enumerate(edges):
            rows = signature.window_rows(e.max_lag, n_steps)
            old = None if self._windows is None else self._windows[k]
            if old is None or old.shape[1] < rows * N:
                w = np.zeros((B, rows * N))
                if old is not None:
                    w[:, :(e.max_lag + 1) * N] = old[:, :(e.max_lag + 1) * N]
            else:
                w = old
            windows.append(w)
        self._windows, self._windows_dt = windows, dt
        status = np.zeros((B, N, 2), dtype=np.int64)
        if parallel is None:
            parallel = B > 1
        frun = self.__dict__.get("_frun")
        kernel = self.kernel if frun is None else frun.kernel
        fwd = frun.kernel_args() if frun is not None else dict(
            fstate=_EMPTY3, fparams=_EMPTY3, facc=_EMPTY2, fevery=1, frec=_EMPTY4, fsample=1,
            f0=0, fproj=_EMPTY2, fprec=_EMPTY4)
        terms = []
        for term_meta, e, w in zip(self._meta["coupling_terms"], edges, windows):
            long, short = (e.all_short(N) if term_meta.get("per_edge")
                           else e.split(N, signature.COUPLING_BLOCK))
            terms.append(dict(zip(("lptr", "lw", "loff"), long), **dict(
                zip(("sptr", "sw", "soff"), short)), rowsum=e.rowsum, cwin=w,
                maxlag=e.max_lag))
        run = kernel.runner(parallel)
        if fill and self.delay_init is not None:
            # the kernel fills every history row with the initial coupled values (0 steps),
            # then the rows before t = 0 take delay_init's values
            with compiling(kernel, parallel, self.name):
                run(*signature.pack("network", dict(
                    state=self._state, params=params, inputs=inputs, in_tstride=in_tstride,
                    seed=seed, batch0=batch0, step0=self._step, n_steps=0, dt=dt, rec=rec,
                    rec_pos=rec_pos, n_transient=n_transient, sample_every=sample_every,
                    lags=self._lags, hist=self._hist, status=status, nsub=noise_substeps,
                    mean=average, cparams=cparams, fill=True, **fwd), terms))
            for e, w in zip(edges, windows):
                self._fill_history(w, e.max_lag, dt, B, N)
            fill = False
        with compiling(kernel, parallel, self.name):
            run(*signature.pack("network", dict(
                state=self._state, params=params, inputs=inputs, in_tstride=in_tstride,
                seed=seed, batch0=batch0, step0=self._step, n_steps=n_steps, dt=dt, rec=rec,
                rec_pos=rec_pos, n_transient=n_transient, sample_every=sample_every,
                lags=self._lags, hist=self._hist, status=status, nsub=noise_substeps,
                mean=average, cparams=cparams, fill=fill, **fwd), terms))
        return status

    def _fill_history(self, window: np.ndarray, max_lag: int, dt: float, B: int, N: int):
        """Rows 0 .. max_lag - 1 of a history window (times -max_lag dt .. -dt) from
        `delay_init`: a number, an array of shape (N,) or (B, N) (constant history), or a
        callable f(t) of the time t < 0 in ms returning such a value."""
        init = self.delay_init
        for r in range(max_lag):
            t = -(max_lag - r) * dt
            value = init(t) if callable(init) and not hasattr(init, "magnitude") else init
            arr = magnitude_in(value, None, "delay_init", self.name)
            window[:, r * N:(r + 1) * N] = broadcast_param(arr, "delay_init", self.in_size, B,
                                                           self.name)

    def _quantity_kind(self, name: str) -> Optional[str]:
        kind = super()._quantity_kind(name)
        node = self.__dict__.get("node")
        if kind is not None or node is None or "_cparam_index" not in self.__dict__ \
                or name in self.__dict__:
            return kind
        if name in node._param_index or self._resolve_cparam(name) is not None:
            return "parameter"
        return node._quantity_kind(name) if name not in self._OWN_ATTRIBUTES else None

    def forward_kernel(self, spec):
        """The fused kernel of this network with the forward monitor `spec` (a ForwardSpec),
        compiled once per spec (and cached on disk like every kernel)."""
        kernels = self.__dict__.setdefault("_forward_kernels", {})
        if spec not in kernels:
            kernels[spec] = compile_network(
                self.node._block, self.node.method, [t.spec_for_compiler() for t in self.terms],
                program=self.node._program, wiring=self.node._wiring + self._net_wiring,
                forward=spec)
        return kernels[spec]

    def __getattr__(self, name: str):
        if name.startswith("_") or name in ("node", "terms"):
            raise AttributeError(name)
        node = self.__dict__.get("node")
        if node is not None and name in node._param_index:
            return node.__getattr__(name)
        return super().__getattr__(name)

    def __repr__(self):
        return (f"Network({self.node!r}, {len(self.terms)} coupling term"
                f"{'s' if len(self.terms) != 1 else ''}, method={self.method!r})")
