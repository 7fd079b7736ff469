"""Front end: .nmm text -> checked, resolved blocks (`load_program`)."""
from .diagnostics import Diagnostic, DiagnosticBag, NmmError
from .program import Program, load_program

__all__ = ["Diagnostic", "DiagnosticBag", "NmmError", "Program", "load_program"]
