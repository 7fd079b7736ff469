"""`ModelSpec`: a picklable recipe from which a worker rebuilds a model (and recompiles, or
loads from its kernel cache, the same kernel). Model classes are made at run time from .nmm
blocks and do not pickle; see "Sending a model to workers" in `runtime.sweep`."""
from __future__ import annotations

import copy
import pickle
from typing import Callable, Optional, Sequence

from .model import Model
from .network import Network
from .values import is_quantity, magnitude_in

# attributes of a live model that are run state or caches, never part of a spec
_RUNTIME = ("kernel", "_state", "_hist", "_lags", "_hist_dt", "_windows", "_windows_dt",
            "_param_cache", "_node_param_cache", "_default_inputs", "_update_buffers",
            "_status_buf", "_last_outputs", "_edge_cache", "node",
            "_noise_arg")   # the noise object given to Network(noise=...): its wiring is kept


class ModelSpec:
    """A picklable recipe for a model: `build()` gives an equivalent, fresh model.

    `ModelSpec.from_model(model)` captures a live model or `Network` (see `runtime.sweep`);
    `ModelSpec.from_factory(make_model, *args, **kwargs)` calls a factory on `build()`.
    """

    def __init__(self, factory: Optional[Callable] = None, args: Sequence = (),
                 kwargs: Optional[dict] = None, *, frozen: Optional[dict] = None):
        if (factory is None) == (frozen is None):
            raise TypeError("ModelSpec needs a factory (ModelSpec.from_factory) or a model "
                            "(ModelSpec.from_model)")
        if factory is not None and not callable(factory):
            raise TypeError(f"factory must be callable, got {type(factory).__name__}")
        self.factory = factory
        self.args = tuple(args)
        self.kwargs = dict(kwargs or {})
        self.frozen = frozen

    @classmethod
    def from_factory(cls, factory: Callable, *args, **kwargs) -> "ModelSpec":
        return cls(factory, args, kwargs)

    @classmethod
    def from_model(cls, model) -> "ModelSpec":
        if isinstance(model, ModelSpec):
            return model
        if not isinstance(model, Model):
            raise TypeError(f"model must be a brainmass_dsl model, Network or ModelSpec, got "
                            f"{type(model).__name__}")
        return cls(frozen=_freeze(model))

    def build(self) -> Model:
        """A fresh model (states uninitialised) equal to the one the spec was made from."""
        if self.factory is not None:
            model = self.factory(*self.args, **self.kwargs)
            if not isinstance(model, Model):
                raise TypeError(f"the factory {getattr(self.factory, '__name__', self.factory)!r}"
                                f" returned {type(model).__name__}, not a brainmass_dsl model")
            return model
        return _thaw(self.frozen)

    @property
    def name(self) -> str:
        if self.factory is not None:
            return getattr(self.factory, "__name__", repr(self.factory))
        return self.frozen["state"].get("name", "?")

    def __repr__(self):
        if self.factory is not None:
            return f"ModelSpec(factory={self.name})"
        return f"ModelSpec({self.frozen['kind']} {self.name})"


def _class_ref(cls):
    """The class itself when it pickles by reference, else ("nmm", program, block name)."""
    try:
        pickle.dumps(cls)
        return cls
    except Exception:
        block = cls.__dict__.get("_block") or cls._block
        if block is None or cls._program is None:
            raise TypeError(f"cannot describe the model class {cls.__name__} for other "
                            "processes; use ModelSpec.from_factory") from None
        return ("nmm", cls._program, block.name)


def _resolve_class(ref):
    if not isinstance(ref, tuple):
        return ref
    from .library import _CLASSES
    from .model import model_class

    _, program, name = ref
    key = (program.main_file, name)
    cls = _CLASSES.get(key)
    if cls is None or cls._block.members != program.block(name).members:
        cls = model_class(program, name)
        _CLASSES.setdefault(key, cls)
    return cls


def _fixed_inits(inits: dict, meta: dict, in_size, owner: str) -> dict:
    """Initial states as arrays in their declared units; callables evaluated unbatched."""
    units = {q["name"]: q["unit"] for q in meta["states"]}
    out = {}
    for name, init in inits.items():
        if callable(init) and not is_quantity(init):
            try:
                init = init(tuple(in_size))
            except TypeError:
                init = init(tuple(in_size), None)
        out[name] = magnitude_in(init, units.get(name), f"init_{name}", owner)
    return out


def _freeze(model: Model) -> dict:
    state = {k: v for k, v in model.__dict__.items() if k not in _RUNTIME}
    if isinstance(model, Network):
        state["_own_inits"] = _fixed_inits(model._own_inits, model._meta, model.in_size,
                                           model.name)
        return {"kind": "network", "cls": _class_ref(type(model)), "state": state,
                "node": _freeze(model.node), "wiring": _network_wiring(model)}
    state["_inits"] = _fixed_inits(model._inits, model._meta, model.in_size, model.name)
    return {"kind": "model", "cls": _class_ref(type(model)), "state": state}


def _fresh_state(state: dict) -> dict:
    out = {k: (copy.copy(v) if isinstance(v, (dict, list)) and k != "terms" else v)
           for k, v in state.items()}
    out.update(_state=None, _hist=None, _lags=None, _param_cache=None, _step=0, _batch=1,
               _batch_size=None)
    return out


def _check_same_kernel(obj, meta: dict) -> None:
    for part in ("states", "parameters", "inputs", "outputs"):
        if [q["name"] for q in obj._meta[part]] != [q["name"] for q in meta[part]]:
            raise RuntimeError(f"{obj.name}: the rebuilt kernel has different {part} than the "
                               "original (a different brainmass-dsl version on this worker?)")


def _thaw(fz: dict) -> Model:
    from ..compiler import compile_network, compile_nodes

    cls = _resolve_class(fz["cls"])
    obj = cls.__new__(cls)
    obj.__dict__.update(_fresh_state(fz["state"]))
    meta = fz["state"]["_meta"]
    if fz["kind"] == "network":
        node = _thaw(fz["node"])
        obj.node = node
        obj.kernel = compile_network(node._block, node.method,
                                     [t.spec_for_compiler() for t in obj.terms],
                                     program=node._program, wiring=node._wiring + fz["wiring"])
        obj._windows = None
        obj._edge_cache = {}
    else:
        obj.kernel = compile_nodes(cls._block, obj.method, program=cls._program,
                                   wiring=obj._wiring)
    obj._meta = obj.kernel.meta
    _check_same_kernel(obj, meta)
    return obj


def _network_wiring(net: Network) -> tuple:
    """The Wire of the network-level noise process (`Network(noise=...)`), or ()."""
    return tuple(net.__dict__.get("_net_wiring", ()))
