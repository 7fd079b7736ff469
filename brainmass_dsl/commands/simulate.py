"""`brainmass simulate`: the main job, a whole-brain network run on a connectome."""
from __future__ import annotations

import math
import time
from pathlib import Path

from ._args import quantity, sweep_values
from ..frontend.suggest import did_you_mean
from ..integrators.schemes import get as get_scheme
from .sim_args import (build_network, check_coupling, load_connectome_arg, option_errors,
                       stimulus_help)
from .base import EXIT_ERRORS, EXIT_USAGE, PROG, CliError, Command, err, out, register
from .model_target import model_class


def _configure(p):
    p.add_argument("model", help="catalogue model name or alias, FILE.nmm or FILE.nmm:BLOCK")
    p.add_argument("--connectome", default="synthetic68",
                   help="dataset name (synthetic68, example, tvb68, hcp, ...) or a file "
                        "(.npz, .mat, TVB .zip/folder); default: the bundled SYNTHETIC 68-region "
                        "connectome")
    p.add_argument("--duration", default="60s", help="simulated time (default 60s; bare = ms)")
    p.add_argument("--dt", default="0.1ms", help="time step (default 0.1ms; bare = ms)")
    p.add_argument("--method", default=None, help="integrator (default: the model's, exp_euler)")
    p.add_argument("--coupling", default="diffusive", help="coupling name (default diffusive)")
    p.add_argument("--k", default=None, type=float, help="coupling strength (the coupling's k)")
    p.add_argument("--coupled-var", default=None, help="coupled expression (default: the "
                   "model's 'couples')")
    p.add_argument("--target", default=None, help="input receiving the coupling (default: first)")
    p.add_argument("--speed", default="10m/s", help="conduction speed (default 10m/s; bare = m/s)")
    p.add_argument("--noise", default=None, type=float,
                   help="white-noise intensity on the coupled input (input unit x ms**0.5)")
    p.add_argument("--param", action="append", metavar="NAME=VALUE",
                   help="set a model parameter (a bare number is in its declared unit, or "
                        "give a unit: tau=5ms); a coupling parameter as coupling.NAME "
                        "(repeatable)")
    p.add_argument("--init", action="append", metavar="STATE=VALUE",
                   help="initial value of a state (bare = its declared unit; repeatable)")
    p.add_argument("--input", action="append", metavar="NAME=VALUE",
                   help="drive an input of every node (added to the coupling if it is the "
                        "coupled input): a constant (E_inp=220Hz; bare = its declared unit) "
                        "or a named stimulus of time: " + stimulus_help() + " (repeatable)")
    p.add_argument("--batch", default=None, metavar="NAME=START:STOP:COUNT",
                   help="sweep one parameter over a batch run in one kernel (e.g. k=0:1:16)")
    p.add_argument("--seed", type=int, default=0, help="noise seed (default 0)")
    p.add_argument("--sample-every", type=int, default=10,
                   help="record every N steps (default 10: 1 kHz at dt 0.1 ms)")
    p.add_argument("--transient", default="0s",
                   help="simulated time not recorded at the start (default 0s; bare = ms)")
    p.add_argument("--bold", action="store_true",
                   help="also record BOLD: a Balloon-Windkessel model per region integrated "
                        "inside the same compiled loop, sampled at --tr; saved as 'bold' with "
                        "its own time axis, and --plot adds its time series and FC")
    p.add_argument("--tr", default="720ms",
                   help="BOLD sampling period (default 720ms; bare = ms); a multiple of "
                        "--bold-every x --dt")
    p.add_argument("--bold-every", type=int, default=10, metavar="N",
                   help="node steps per hemodynamic step (default 10: 1 ms at dt 0.1 ms); "
                        "the neural drive is averaged over them")
    p.add_argument("--bold-drive", default=None, metavar="EXPR",
                   help="the neural drive, an expression of the node's states (default: the "
                        "coupled variable)")
    p.add_argument("--bold-model", default="BOLDSignal", metavar="MODEL",
                   help="hemodynamic model: BOLDSignal (default), BOLDSignalStephan2007, "
                        "or your own (FILE.nmm:BLOCK)")
    p.add_argument("--out", default="run.npz", help="results file (.npz, or .nc with h5netcdf); "
                   "an existing file is kept unless --force")
    p.add_argument("--force", action="store_true", help="replace an existing --out file")
    p.add_argument("--plot", default=None, help="write a figure (time series, FC, spectrum; with --bold "
                        "also the BOLD series and the BOLD FC)")
    p.add_argument("--progress", action=__import__("argparse").BooleanOptionalAction,
                   default=True, help="show a progress bar")
    p.add_argument("--path", action="append", default=[], metavar="DIR",
                   help="extra folder of .nmm models (repeatable)")


def _check_out(args) -> Path:
    """--out is checked before simulating: its suffix, its folder, an existing file."""
    from ..runtime.results import Result
    from ..runtime.safe_write import check_writable

    path = Path(args.out)
    if path.suffix not in (".npz",) + Result.NETCDF_SUFFIXES:
        raise CliError(f"--out: results are written as .npz or "
                       f"{'/'.join(Result.NETCDF_SUFFIXES)}, not {path.suffix or 'no suffix'!r} "
                       f"({path})", 2)
    try:
        check_writable(path, overwrite=args.force, what="--out")
    except FileExistsError as e:
        raise CliError(f"{e} (use --force to replace it)", 2) from None
    except OSError as e:
        raise CliError(str(e), 2) from None
    return path


PLOT_SUFFIXES = (".png", ".pdf", ".svg", ".jpg", ".jpeg", ".eps", ".tif", ".tiff")


def _check_plot(args) -> None:
    """--plot is checked before simulating: a figure format and an existing folder."""
    if not args.plot:
        return
    path = Path(args.plot)
    if path.suffix.lower() not in PLOT_SUFFIXES:
        raise CliError(f"--plot: write the figure as {', '.join(PLOT_SUFFIXES)}, not "
                       f"{path.suffix or 'no suffix'!r} ({path})", EXIT_USAGE)
    folder = path.parent
    if not folder.is_dir():
        raise CliError(f"--plot: the folder {folder} does not exist", EXIT_USAGE)


def _free_name(path: Path) -> Path:
    """`path`, or `path` with -2, -3, ... before the suffix: a name no file has."""
    k, candidate = 1, path
    while candidate.exists():
        k += 1
        candidate = path.with_name(f"{path.stem}-{k}{path.suffix}")
    return candidate


def _save_partial(e, out_file: Path, labels, meta) -> int:
    """Ctrl-C: write the partial result next to --out, say where, exit 130."""
    res = e.partial
    if res is None or not res.data or not len(res.ts):
        err(f"{PROG} simulate: interrupted before the first recorded sample; nothing saved")
        return 130
    res.labels = labels
    res.meta.update(meta, partial=True, steps_done=int(e.step))
    path = res.save(_free_name(out_file.with_name(f"{out_file.stem}.partial{out_file.suffix}")))
    err(f"{PROG} simulate: interrupted at t = {e.time_ms:g} ms; the partial result "
        f"({len(res.ts)} samples) is in {path}")
    return 130


def _bold_monitor(args, n: int, dt: float, duration: float, transient: float):
    """The fused BOLD monitor of --bold, its arguments checked before compiling."""
    import brainmass_dsl as bm

    if args.bold_every < 1:
        raise CliError(f"--bold-every must be a positive number of steps, not "
                       f"{args.bold_every}", EXIT_USAGE)
    tr = quantity(args.tr, "ms", "--tr")
    step = args.bold_every * dt
    ratio = tr / step
    if tr <= 0 or abs(ratio - round(ratio)) > 1e-9 * max(1.0, ratio):
        raise CliError(f"--tr: {tr:g} ms is not a positive multiple of the hemodynamic step "
                       f"--bold-every x --dt = {args.bold_every} x {dt:g} ms = {step:g} ms",
                       EXIT_USAGE)
    if duration - transient < tr:
        raise CliError(f"--tr: {tr:g} ms is longer than the recorded time ({duration:g} ms "
                       f"- {transient:g} ms transient): no BOLD sample", EXIT_USAGE)
    cls = _model(args.bold_model, args.path, "--bold-model ")
    try:
        return bm.ForwardMonitor(cls(n), drive=args.bold_drive, every=args.bold_every, tr=tr)
    except (TypeError, ValueError) as e:
        raise CliError(f"--bold-model {args.bold_model}: {e}", EXIT_USAGE) from None


def _check_bold(bold, net, model: str) -> None:
    """The fused kernel compiled (or found): a bad forward model or drive is named before
    the run."""
    from ..frontend import NmmError

    try:
        spec = bold.spec(net)
    except ValueError as e:
        raise CliError(f"--bold-model {model}: {e}", EXIT_USAGE) from None
    try:
        net.forward_kernel(spec)
    except (ValueError, NmmError) as e:
        raise CliError(f"--bold-drive: {e}", EXIT_USAGE) from None


def _model(target: str, search, option: str = ""):
    """The model class of a target; a name not found is the user's mistake (exit 2)."""
    try:
        return model_class(target, search)
    except CliError as e:
        raise CliError(f"{option}{e}", EXIT_USAGE) from None


def _positive(args, option: str, unit: str) -> float:
    value = quantity(getattr(args, option.strip("-").replace("-", "_")), unit, option)
    if not (value > 0 and math.isfinite(value)):
        raise CliError(f"{option}: must be positive, got {value:g} {unit}", EXIT_USAGE)
    return value


def _run(args) -> int:
    import brainmass_dsl as bm
    from ..runtime.errors import SimulationDiverged, SimulationInterrupted

    duration = _positive(args, "--duration", "ms")
    dt = _positive(args, "--dt", "ms")
    speed = _positive(args, "--speed", "m/s")
    if args.sample_every < 1:
        raise CliError(f"--sample-every: must be a positive number of steps, not "
                       f"{args.sample_every}", EXIT_USAGE)
    if duration < dt:
        raise CliError(f"--duration: {duration:g} ms is shorter than one step (--dt {dt:g} "
                       "ms)", EXIT_USAGE)
    if args.noise is not None and not (args.noise >= 0 and math.isfinite(args.noise)):
        raise CliError(f"--noise: the white-noise intensity must be a finite number >= 0, "
                       f"not {args.noise:g}", EXIT_USAGE)
    if args.k is not None and not math.isfinite(args.k):
        raise CliError(f"--k: the coupling strength must be a finite number, not {args.k:g}",
                       EXIT_USAGE)
    conn = load_connectome_arg(args.connectome)
    cls = _model(args.model, args.path)
    out_file = _check_out(args)      # before compiling and simulating
    _check_plot(args)
    n = conn.n_regions
    transient = quantity(args.transient, "ms", "--transient")
    if not 0 <= transient < duration:
        raise CliError(f"--transient: {transient:g} ms is not in [0, --duration = "
                       f"{duration:g} ms)", EXIT_USAGE)
    if args.method is not None:
        with option_errors("--method"):
            get_scheme(args.method)
    coupling = check_coupling(args.coupling, cls)
    bold = _bold_monitor(args, n, dt, duration, transient) if args.bold else None
    net, inputs = build_network(args, cls, conn, speed)
    batch = None
    if args.batch:
        name, values = sweep_values(args.batch)
        if name not in net.parameter_names and f"coupling.{name}" not in net.parameter_names:
            hint = did_you_mean(name, net.parameter_names)
            raise CliError(f"--batch: unknown parameter {name!r}" + (f"; {hint}" if hint else "")
                           + f" (parameters: {', '.join(net.parameter_names)})", EXIT_USAGE)
        with option_errors(f"--batch {name}"):
            net.set_params(**{name: values})
        batch = len(values)
    if bold is not None:
        _check_bold(bold, net, args.bold_model)
    kind = "SYNTHETIC " if conn.synthetic else ""
    out(f"simulating {cls.__name__} on the {kind}connectome {conn.name} ({n} regions), "
        f"{duration:g} ms at dt {dt:g} ms with {net.method}, coupling {coupling}"
        + (f", batch of {batch} ({args.batch})" if batch else "")
        + (f", inputs {', '.join(args.input)}" if args.input else "")
        + (f"; BOLD ({args.bold_model}) every {bold.tr:g} ms" if bold else ""))
    t0 = time.perf_counter()
    meta = {"connectome": conn.name, "synthetic": bool(conn.synthetic),
            "coupling": args.coupling, "seed": args.seed}
    try:
        res = bm.Simulator(net, dt=dt).run(duration, batch_size=batch, seed=args.seed,
                                           sample_every=args.sample_every, inputs=inputs,
                                           transient=transient or None, forward=bold,
                                           progress=args.progress)
    except SimulationInterrupted as e:
        return _save_partial(e, out_file, list(conn.labels), meta)
    except SimulationDiverged as e:
        what = str(e).split("; the result up to")[0]
        raise CliError(f"the run diverged: {what}; nothing saved (try a smaller --dt, another "
                       "--method, or check the --param values)", EXIT_ERRORS) from None
    wall = time.perf_counter() - t0
    res.labels = list(conn.labels)
    res.meta.update(meta)
    path = res.save(out_file, overwrite=args.force)
    shapes = ", ".join(f"{name} {res[name].shape}" for name in res.data)
    out(f"done in {wall:.1f} s: {shapes} -> {path}")
    if args.plot:
        from ..viz import plot_summary

        plot_summary(res, title=f"{cls.__name__} on {conn.name}", path=args.plot)
        out(f"figure -> {args.plot}")
    return 0


register(Command(
    name="simulate",
    help="run a whole-brain network simulation (the main job)",
    description="Simulate a node model on a connectome with delayed coupling, noise and an "
                "optional parameter sweep, all in one compiled kernel; write the results "
                "(.npz) and optionally a figure.",
    examples="brainmass simulate HopfStep --duration 10s --noise 0.02 --out run.npz "
             "--plot run.png\n"
             "brainmass simulate HopfStep --duration 70s --transient 10s --noise 0.02 --bold "
             "--tr 720ms --plot run.png\n"
             "brainmass simulate JansenRitStep --coupling sigmoidal_jansen_rit --k 0.01 "
             "--input E_inp=220Hz\n"
             "brainmass simulate JansenRitStep --input 'E_inp=sine(amp=50Hz, freq=10Hz, "
             "offset=220Hz)' --duration 5s --out jr.npz\n"
             "brainmass simulate HopfStep --noise 0.02 --batch k=0:1:16 --out sweep.npz",
    configure=_configure, run=_run))
