"""The per-step model API, compatible with brainmass:

    m = bm.JansenRitStep(in_size=80, Ae=3.5, method="heun")
    m.init_all_states(batch_size=None)
    eeg = m.update(E_inp=220.0)          # one step of environ dt; returns the outputs
    m.M.value                            # a state, in its declared unit (mV)

The same compiled kernel that runs whole simulations advances one step here.
"""
from __future__ import annotations

import contextlib
from typing import Any, Dict, Optional, Sequence, Tuple

import numpy as np

from ..compiler import compile_nodes
from ..ir.compose import WiringError
from ..frontend import declared_names
from ..frontend.suggest import Candidate, did_you_mean
from ..integrators.schemes import DEFAULT, get as get_scheme
from ..plan import signature
from . import environ, random_init
from .compile_notice import compiling
from .interrupt import held_interrupt
from .param import note_param
from .values import block_bounds, broadcast_param, check_bounds, check_shape, magnitude_in


@contextlib.contextmanager
def wiring_errors(labels: Dict[str, str], call: str):
    """A `WiringError` from compiling a model built in Python names the call and argument
    that wired it (`labels`: wire prefix -> argument text), not a place in a model file."""
    try:
        yield
    except WiringError as e:
        label = labels.get(e.prefix, f"a process on {e.input!r}")
        raise ValueError(f"{call} {label}): {e}") from None


def _in_size_tuple(in_size) -> Tuple[int, ...]:
    if isinstance(in_size, (int, np.integer)):
        sizes = (int(in_size),)
    else:
        try:
            sizes = tuple(int(s) for s in in_size)
        except TypeError:
            raise TypeError(f"in_size must be an int or a tuple of ints, got {in_size!r}") from None
    if not sizes or any(s < 1 for s in sizes):
        raise ValueError(f"in_size must be positive, got {in_size!r}")
    return sizes


class StateView:
    """`model.x`: `.value` reads and writes a state in its declared unit."""

    def __init__(self, model: "Model", index: int):
        self._model, self._i = model, index

    @property
    def value(self) -> np.ndarray:
        m = self._model
        m._require_states()
        q = m._meta["states"][self._i]
        return m._shape_out(m._state[self._i] / q["factor"])

    @value.setter
    def value(self, v) -> None:
        m = self._model
        m._require_states()
        q = m._meta["states"][self._i]
        arr = magnitude_in(v, q["unit"], f"state {q['name']!r}", m.name)
        m._state[self._i] = broadcast_param(arr, f"state {q['name']!r}", m.in_size, m._batch,
                                            m.name) * q["factor"]

    def __repr__(self):
        q = self._model._meta["states"][self._i]
        return f"<state {q['name']} [{q['unit']}] of {self._model.name}>"


class ParamView:
    """`model.a`: `.value()` gives the current value in its declared unit (as brainstate)."""

    def __init__(self, model: "Model", name: str):
        self._model, self._name = model, name

    def value(self):
        return self._model.get_param(self._name)

    def set_value(self, value) -> None:
        """Set the parameter (as brainstate's `Param.set_value`; checked like the constructor)."""
        self._model.set_params(**{self._name: value})

    def __repr__(self):
        return f"<parameter {self._name} = {self.value()!r} of {self._model.name}>"


class Model:
    """A compiled node model: parameters, states and a one-step `update`.

    Subclasses are made per .nmm model by `model_class`; their `__init__` takes `in_size`,
    `method=` (integrator, default exp_euler as in brainmass), every parameter by name (a
    scalar, per node `in_size`, per batch `(B,)` or `(B,) + in_size`; `bm.per_node(v)` /
    `bm.per_batch(v)` where a 1-D value could be either), `init_<state>=`
    (a value, an array or a callable(shape)) and `seed=` for the noise.
    """

    _block = None          # ResolvedBlock
    _program = None
    _default_method = DEFAULT

    def __init__(self, in_size=1, *, method: Optional[str] = None, name: Optional[str] = None,
                 seed: int = 0, **kwargs):
        self.in_size = _in_size_tuple(in_size)
        self.n_nodes = int(np.prod(self.in_size))
        self.name = name or type(self).__name__
        self.method = get_scheme(method or self._default_method).name
        noises = {k: kwargs.pop(k) for k in list(kwargs) if self._is_noise_kwarg(k)}
        self._wire_labels: Dict[str, str] = {}
        self._wiring, sources = self._wire(noises)
        with wiring_errors(self._wire_labels, f"{type(self).__name__}({in_size!r}, ...,"):
            self.kernel = compile_nodes(self._block, self.method, program=self._program,
                                        wiring=self._wiring)
        self._meta = self.kernel.meta
        self.seed = int(seed)
        self._param_index = {q["name"]: i for i, q in enumerate(self._meta["parameters"])}
        self._state_index = {q["name"]: i for i, q in enumerate(self._meta["states"])}
        self._input_index = {q["name"]: i for i, q in enumerate(self._meta["inputs"])}
        self._output_index = {o["name"]: i for i, o in enumerate(self._meta["outputs"])}
        self._params: Dict[str, Any] = {}
        self._inits: Dict[str, Any] = {}
        self._noise: Dict[str, Any] = {}
        self._state: Optional[np.ndarray] = None
        self._batch = 1
        self._batch_size: Optional[int] = None
        self._step = 0
        self._hist = None
        self._lags = None
        for prefix, src in sources.items():
            for key, value in src._params.items():
                self._params[f"{prefix}.{key}"] = value
            for key, value in src._inits.items():
                self._inits[f"{prefix}.{key}"] = value
            for key, value in src.__dict__.get("_trainable", {}).items():
                self.__dict__.setdefault("_trainable", {})[f"{prefix}.{key}"] = value
        for key, value in kwargs.items():
            self._set_kwarg(key, value)

    # ---------------------------------------------------------------- noise wiring
    def _is_noise_kwarg(self, key: str) -> bool:
        params = set(declared_names(self._block, "parameter"))
        return (key == "noise" or key.startswith("noise_")) and key not in params

    def _noise_input(self, key: str) -> str:
        inputs = declared_names(self._block, "input")
        name = key[len("noise_"):]
        # an input named like the argument itself is where the model file puts brainmass's
        # sample (e.g. added directly to a derivative: Epileptor's noise_x1, Generic2d's
        # noise_V); it takes precedence over an input `<name>_inp` that also exists
        for cand in (key, f"{name}_inp", name, f"r{name}_inp"):
            if cand in inputs:
                return cand
        raise TypeError(f"{type(self).__name__}: {key}= names no input (inputs: "
                        f"{', '.join(inputs) or 'none'}); use noise={{'INPUT': process}}")

    def _wire(self, noises):
        """(Wire list, {prefix: source model}) for noise_* keyword arguments."""
        from ..compiler import Wire

        pairs = []
        for key, value in noises.items():
            if value is None:
                continue
            if key == "noise":
                if not isinstance(value, dict):
                    raise TypeError("noise= must map input names to noise processes, e.g. "
                                    "noise={'x_inp': bm.OUProcess(1, sigma=0.1)}")
                pairs += [(f"noise_{k}", k, v, f"noise={{{k!r}: {type(v).__name__}(...)}}")
                          for k, v in value.items() if v is not None]
            else:
                pairs.append((key, self._noise_input(key), value,
                              f"{key}={type(value).__name__}(...)"))
        wiring, sources, seen = [], {}, {}
        for prefix, target, src, label in pairs:
            if target in seen:
                raise TypeError(f"{type(self).__name__}: {seen[target]} and {label} both "
                                f"wire noise into the input {target!r}; give one process "
                                "per input")
            seen[target] = label
            if not isinstance(src, Model):
                raise TypeError(f"{prefix} must be a noise process such as bm.OUProcess(...), "
                                f"got {type(src).__name__}")
            if src._meta.get("category") != "noise":
                raise TypeError(f"{prefix}: {src.name} is a {src._meta.get('category')} model, "
                                "not a noise process")
            wiring.append(Wire(target, src._block, prefix))
            sources[prefix] = src
            self._wire_labels[prefix] = label
        return tuple(wiring), sources

    # ---------------------------------------------------------------- construction
    def _set_kwarg(self, key: str, value) -> None:
        if key in self._param_index:
            if (callable(value) and not hasattr(value, "value")
                    and not isinstance(value, np.ndarray)):
                raise TypeError(f"{type(self).__name__}: parameter {key!r} takes a number or an "
                                f"array, not a function (brainmass's callable {key} maps are "
                                "written as a model variant with 'extends' and 'replace')")
            self.set_params(**{key: value})
        elif key.startswith("init_") and key[5:] in self._state_index:
            self._inits[key[5:]] = value
        elif key.endswith("_init") and key[:-5] in self._state_index:
            self._inits[key[:-5]] = value
        else:
            inits = [f"init_{s}" for s in self._state_index]
            options = [Candidate(p, "parameter") for p in self._param_index] + \
                [Candidate(i, "init") for i in inits]
            hint = did_you_mean(key, options, kind="init" if "init" in key else "parameter")
            raise TypeError(f"{type(self).__name__}() got an unexpected keyword argument "
                            f"{key!r}" + (f"; {hint}" if hint else "")
                            + f" (parameters: {', '.join(self._param_index) or 'none'}; "
                            f"initial states: {', '.join(inits) or 'none'})")

    def set_params(self, **values) -> None:
        """Change parameters (never recompiles). Values are checked and converted now; a
        `bm.Param` marks the parameter trainable (see `runtime.param`)."""
        for key, v in values.items():
            if key in self._param_index:
                v = note_param(self, key, v)
            if key not in self._param_index:
                hint = did_you_mean(key, self._param_index)
                raise TypeError(f"{self.name} has no parameter {key!r}"
                                + (f"; {hint}" if hint else ""))
            q = self._meta["parameters"][self._param_index[key]]
            arr = magnitude_in(v, q["unit"], f"parameter {key!r}", self.name,
                               doc=q.get("doc"), hint=self._unit_hint(key, q["unit"]))
            self._check_param_shape(arr, key)
            check_bounds(arr, q["factor"], self.param_bounds().get(key), f"parameter {key!r}",
                         self.name, q["unit"], self.in_size)
            self._params[key] = arr
        self._param_cache = None

    def _unit_hint(self, key: str, unit: str) -> Optional[str]:
        """What to say about the unit of a parameter given in the wrong one: a noise
        process's values are unit-free (read in the unit of the input they are wired into)."""
        noise = self._meta.get("category") == "noise" or key.startswith("noise")
        if noise and unit in ("1", "", None):
            return ("A noise process is unit-free: what it produces is added to the input it is "
                    "wired into, read in that input's declared unit (sigma=0.1 wired into "
                    "JansenRitStep's E_inp means 0.1 Hz); give the number alone")
        return None

    def param_bounds(self) -> dict:
        """{parameter name: Bounds} of every parameter that declares bounds (its own and
        those of the noise processes wired into it, as "noise_x.tau")."""
        cached = self.__dict__.get("_bounds")
        if cached is None:
            cached = block_bounds(self._block)
            for w in self._wiring:
                cached.update(block_bounds(w.source, f"{w.prefix}."))
            self._bounds = cached
        return cached

    def _check_param_shape(self, arr: np.ndarray, key: str) -> None:
        check_shape(arr, f"parameter {key!r}", self.in_size, self.name)

    def get_param(self, name: str):
        """The current value of a parameter in its declared unit (default if never set)."""
        if name not in self._param_index:
            hint = did_you_mean(name, self._param_index)
            raise TypeError(f"{self.name} has no parameter {name!r}"
                            + (f"; {hint}" if hint else "")
                            + f" (parameters: {', '.join(self._param_index) or 'none'})")
        q = self._meta["parameters"][self._param_index[name]]
        if name in self._params:
            return self._params[name]
        return q["default"] / q["factor"]

    def param_array(self, batch: int) -> np.ndarray:
        """All parameters as a (P, batch, n_nodes) array in canonical units (cached)."""
        cached = self.__dict__.get("_param_cache")
        if cached is not None and cached.shape[1] == batch:
            return cached
        out = np.empty((len(self._param_index), batch, self.n_nodes))
        for name, i in self._param_index.items():
            q = self._meta["parameters"][i]
            value = self._params.get(name)
            if value is None:
                out[i] = q["default"]
            else:
                out[i] = broadcast_param(value, f"parameter {name!r}", self.in_size, batch,
                                         self.name) * q["factor"]
        self._param_cache = out
        return out

    # ---------------------------------------------------------------- states
    def init_all_states(self, batch_size: Optional[int] = None, *, seed: Optional[int] = None,
                        batch_offset: int = 0):
        """Allocate the states at their initial values; `batch_size` adds a batch axis.

        A state declared with a random initial value (`uniform(lo, hi)`, `normal(mean, std)`)
        and no `init_<state>=` is drawn per node and batch member from the counter-based
        generator keyed by `seed` (default: the model's seed); batch member b draws index
        `batch_offset + b` (`runtime.random_init`)."""
        if batch_size is not None and (not isinstance(batch_size, (int, np.integer)) or batch_size < 1):
            raise ValueError(f"batch_size must be a positive int or None, got {batch_size!r}")
        self._batch_size = None if batch_size is None else int(batch_size)
        self._batch = self._batch_size or 1
        B, N = self._batch, self.n_nodes
        self._state = np.empty((len(self._state_index), B, N))
        for name, i in self._state_index.items():
            q = self._meta["states"][i]
            init = self._inits.get(name)
            if init is None and q.get("random"):
                ids = np.arange(B) + (batch_offset if batch_offset >= 0 else 0)
                self._state[i] = random_init.draw(q["random"], self.seed if seed is None
                                                  else seed, i, ids, N)
                continue
            if init is None:
                self._state[i] = q["default"]
                continue
            if callable(init) and not hasattr(init, "magnitude"):
                shape = ((self._batch_size,) if self._batch_size else ()) + self.in_size
                try:
                    init = init(shape)
                except TypeError:
                    init = init(self.in_size, self._batch_size)
            arr = magnitude_in(init, q["unit"], f"init_{name}", self.name)
            self._state[i] = broadcast_param(arr, f"init_{name}", self.in_size, B, self.name) \
                * q["factor"]
        self._step = 0
        self._hist = None
        self._param_cache = None
        self._default_inputs = None
        self._update_buffers = None
        return self

    init_state = init_all_states
    reset_state = init_all_states

    def _require_states(self) -> None:
        if self._state is None:
            self.init_all_states()

    def _shape_out(self, arr: np.ndarray) -> np.ndarray:
        """(B, N) -> (batch?,) + in_size."""
        shape = ((self._batch_size,) if self._batch_size else ()) + self.in_size
        return arr.reshape(shape)

    # ---------------------------------------------------------------- inputs
    def input_array(self, args: Sequence, kwargs: Dict[str, Any], batch: int) -> np.ndarray:
        """Inputs of one step as an (I, batch, n_nodes) canonical array (defaults filled)."""
        if not args and not kwargs:
            cached = self.__dict__.get("_default_inputs")
            if cached is not None and cached.shape[1] == batch:
                return cached
        names = list(self._input_index)
        if len(args) > len(names):
            raise TypeError(f"{self.name}.update() takes {len(names)} input"
                            f"{'s' if len(names) != 1 else ''} ({', '.join(names)}), "
                            f"{len(args)} given")
        values = dict(zip(names, args))
        for k, v in kwargs.items():
            if k not in self._input_index:
                hint = did_you_mean(k, names)
                raise TypeError(f"{self.name} has no input {k!r}"
                                + (f"; {hint}" if hint else "")
                                + f" (inputs: {', '.join(names) or 'none'})")
            if k in values:
                raise TypeError(f"input {k!r} of {self.name} given twice")
            values[k] = v
        out = np.empty((len(names), batch, self.n_nodes))
        for name, i in self._input_index.items():
            q = self._meta["inputs"][i]
            v = values.get(name)
            if v is None:
                out[i] = q["default"]
            else:
                arr = magnitude_in(v, q["unit"], f"input {name!r}", self.name)
                out[i] = broadcast_param(arr, f"input {name!r}", self.in_size, batch,
                                         self.name) * q["factor"]
        if not args and not kwargs:
            self._default_inputs = out
        return out

    # ---------------------------------------------------------------- delays
    def _delay_buffers(self, params: np.ndarray, dt: float, batch: int):
        """(lags (D, B, N) in steps, ring buffers (D, L, B, N) filled with the states)."""
        delays = self._meta["delays"]
        lags = np.zeros((len(delays), batch, self.n_nodes), dtype=np.int64)
        for d, spec in enumerate(delays):
            lag_ms = params[self._param_index[spec["lag"]]]
            if (lag_ms < 0).any():
                raise ValueError(f"delay parameter {spec['lag']!r} of {self.name} is negative")
            lags[d] = np.rint(lag_ms / dt).astype(np.int64)
        # + check_every - 1 rows: the kernel re-runs up to that many steps from a checkpoint
        # when it finds a non-finite state, and needs the older values still in the buffer
        length = (signature.ring_rows(int(lags.max()), self._meta.get("check_every", 1))
                  if len(delays) else 1)
        hist = np.empty((len(delays), length, batch, self.n_nodes))
        for d, spec in enumerate(delays):
            hist[d] = self._state[self._state_index[spec["state"]]][None]
        return lags, hist

    # ---------------------------------------------------------------- stepping
    def advance(self, n_steps: int, dt: float, inputs: np.ndarray, in_tstride: int, *,
                rec: np.ndarray, rec_pos: np.ndarray, n_transient: int, sample_every: int,
                seed: int, parallel: Optional[bool] = None, noise_substeps: int = 1,
                batch0: int = 0, average: bool = False) -> np.ndarray:
        """Run the kernel for `n_steps` from the model's current step; returns the status."""
        B, N = self._batch, self.n_nodes
        params = self.param_array(B)
        if self._hist is None or self._lags is None or self._hist_dt != dt:
            self._lags, self._hist = self._delay_buffers(params, dt, B)
            self._hist_dt = dt
        status = self.__dict__.get("_status_buf")
        if status is None or status.shape[:2] != (B, N):
            status = self._status_buf = np.zeros((B, N, 2), dtype=np.int64)
        else:
            status[...] = 0
        if parallel is None:
            parallel = B * N >= 64
        frun = self.__dict__.get("_frun")        # a fused forward monitor (Simulator.run)
        kernel = self.kernel if frun is None else frun.kernel
        with compiling(kernel, parallel, self.name):
            kernel.runner(parallel)(*signature.pack("nodes", dict(
                state=self._state, params=params, inputs=inputs, in_tstride=in_tstride,
                seed=seed, batch0=batch0, step0=self._step, n_steps=n_steps, dt=dt, rec=rec,
                rec_pos=rec_pos, n_transient=n_transient, sample_every=sample_every,
                lags=self._lags, hist=self._hist, status=status, nsub=noise_substeps,
                mean=average, **({} if frun is None else frun.kernel_args())),
                forward=frun is not None))
        return status

    def forward_kernel(self, spec):
        """This model's independent-nodes kernel with the fused forward monitor `spec` (a
        ForwardSpec), compiled once per spec (and cached on disk like every kernel)."""
        kernels = self.__dict__.setdefault("_forward_kernels", {})
        if spec not in kernels:
            kernels[spec] = compile_nodes(self._block, self.method, program=self._program,
                                          wiring=self._wiring, forward=spec)
        return kernels[spec]

    def update(self, *args, **inputs):
        """Advance one step of `environ` dt; return the outputs after the step."""
        self._require_states()
        dt = environ.get_dt()
        B, N = self._batch, self.n_nodes
        inp = self.input_array(args, inputs, B)[None]
        n_out = len(self._output_index)
        bufs = self.__dict__.get("_update_buffers")
        if bufs is None or bufs[0].shape[2] != B:
            rec = np.zeros((1, n_out, B, N))
            rec_pos = np.array([-1] * len(self._state_index) + list(range(n_out)), dtype=np.int64)
            bufs = self._update_buffers = (rec, rec_pos)
        rec, rec_pos = bufs
        with held_interrupt():   # the states and the step counter move together
            status = self.advance(1, dt, inp, 0, rec=rec, rec_pos=rec_pos,
                                  n_transient=self._step, sample_every=1, seed=self.seed,
                                  parallel=False, batch0=self.__dict__.get("_batch_offset", 0))
            if not status[..., 0].any():
                self._step += 1
        if status[..., 0].any():
            from .errors import diverged_error

            raise diverged_error(self, status, dt, partial=None)
        outs = [self._shape_out(rec[0, i] * o["factor"]).copy()
                for i, o in enumerate(self._meta["outputs"])]
        self._last_outputs = outs
        chosen = self.update_returns()
        if chosen:
            outs = [outs[self._output_index[name]] for name in chosen]
        if len(outs) == 1:
            return outs[0]
        return tuple(outs)

    def update_returns(self) -> Tuple[str, ...]:
        """The outputs `update()` returns: the model's `returns:` (brainmass's update()
        return, e.g. WongWangExcInhStep's S_e), else () = every output, in order."""
        rb = type(self)._block
        return rb.meta("returns") if rb is not None else ()

    __call__ = update

    def outputs(self, **inputs) -> Dict[str, np.ndarray]:
        """Every output at the current state (inputs at their defaults unless given)."""
        self._require_states()
        B = self._batch
        out = np.zeros((len(self._output_index), B, self.n_nodes))
        t = self._step * (environ.get("dt") or 0.0)
        self.kernel.module.outputs_now(self._state, self.param_array(B),
                                       self.input_array((), inputs, B)[None], t, out)
        return {o["name"]: self._shape_out(out[i] * o["factor"])
                for i, o in enumerate(self._meta["outputs"])}

    # ---------------------------------------------------------------- attribute access
    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        meta = self.__dict__.get("_meta")
        if meta is None:
            raise AttributeError(name)
        if name in self._state_index:
            return StateView(self, self._state_index[name])
        if name in self._param_index:
            return ParamView(self, name)
        if name in self._output_index:
            return lambda **inp: self.outputs(**inp)[name]
        raise AttributeError(f"{self.name} has no state, parameter or output {name!r}")

    #: attributes of the object itself, never taken for a quantity of the model
    _OWN_ATTRIBUTES = frozenset({"in_size", "n_nodes", "name", "method", "kernel", "seed",
                                 "node", "terms"})

    def _quantity_kind(self, name: str) -> Optional[str]:
        """'parameter', 'state', 'input' or 'output' if `model.<name> = v` would name one."""
        d = self.__dict__
        if (name.startswith("_") or name in d or name in self._OWN_ATTRIBUTES
                or hasattr(type(self), name) or "_meta" not in d):
            return None
        for kind, index in (("parameter", "_param_index"), ("state", "_state_index"),
                            ("input", "_input_index"), ("output", "_output_index")):
            if name in d.get(index, ()):
                return kind
        return None

    def __setattr__(self, name: str, value) -> None:
        """`model.a = v` sets parameter `a` (checked as in the constructor); a state, input or
        output cannot be assigned: the error says how to set it."""
        kind = self._quantity_kind(name)
        if kind is None:
            object.__setattr__(self, name, value)
        elif kind == "parameter":
            self.set_params(**{name: value})
        elif kind == "state":
            raise AttributeError(f"{name!r} is a state of {self.name}: set its current value "
                                 f"with model.{name}.value = ..., its initial value with "
                                 f"init_{name}=... in the constructor")
        elif kind == "input":
            raise AttributeError(f"{name!r} is an input of {self.name}: give it per step, "
                                 f"model.update({name}=...), or Simulator(...).run(inputs="
                                 f"{{{name!r}: ...}})")
        else:
            raise AttributeError(f"{name!r} is an output of {self.name} (computed from the "
                                 "states); it cannot be set")

    @property
    def state_names(self) -> Tuple[str, ...]:
        return tuple(self._state_index)

    @property
    def param_names(self) -> Tuple[str, ...]:
        return tuple(self._param_index)

    @property
    def input_names(self) -> Tuple[str, ...]:
        return tuple(self._input_index)

    @property
    def positional_inputs(self) -> Tuple[str, ...]:
        """The inputs that `update(*inputs)` (and a callable or array `inputs=` of
        `Simulator.run`) fill by position, in order."""
        return tuple(self._input_index)

    @property
    def output_names(self) -> Tuple[str, ...]:
        return tuple(self._output_index)

    @classmethod
    def declared(cls, kind: str) -> Tuple[str, ...]:
        """The names this model class declares, known before compiling: `kind` is
        'parameter', 'state', 'input' or 'output' (in the order written)."""
        if kind not in ("parameter", "state", "input", "output"):
            raise ValueError(f"kind must be 'parameter', 'state', 'input' or 'output', "
                             f"not {kind!r}")
        return tuple(declared_names(cls._block, kind))

    def unit_of(self, name: str) -> str:
        """The unit a parameter, state, input or output of this model is declared in (a
        plain number given for it means this unit); "1" when dimensionless."""
        for kind, index in (("parameters", self._param_index), ("states", self._state_index),
                            ("inputs", self._input_index), ("outputs", self._output_index)):
            if name in index:
                return self._meta[kind][index[name]]["unit"] or "1"
        raise KeyError(f"{self.name} has no parameter, state, input or output {name!r}")

    @property
    def varshape(self) -> Tuple[int, ...]:
        return self.in_size

    def __repr__(self):
        return f"{type(self).__name__}(in_size={self.in_size}, method={self.method!r})"


def model_class(program, block_name: str) -> type:
    """A `Model` subclass for one model block of a checked program."""
    rb = program.block(block_name)
    if rb.kind != "model":
        raise TypeError(f"{block_name!r} is a {rb.kind}, not a model")
    doc = rb.docstring or ""
    from .model_methods import EXTRA_METHODS

    bases = ((EXTRA_METHODS[rb.name],) if rb.name in EXTRA_METHODS else ()) + (Model,)
    return type(rb.name, bases, {"_block": rb, "_program": program, "__doc__": doc,
                                 "__module__": "brainmass_dsl.models"})
