"""Front end: .nmm text -> checked, resolved blocks (`load_program`).

The layers above (runtime, CLI) use these names; the modules behind them are the frontend's
own business.
"""
from .declared import ParameterBounds, coupled_expression, declared_bounds, declared_names
from .diagnostics import Diagnostic, DiagnosticBag, NmmError
from .parser import parse_expression
from .program import Program, load_program

__all__ = ["Diagnostic", "DiagnosticBag", "NmmError", "Program", "load_program",
           "parse_expression", "declared_names", "declared_bounds", "ParameterBounds",
           "coupled_expression"]
