"""SymPy functions the IR needs beyond SymPy's own (each printer knows how to emit them)."""
import sympy as sp


class exprel(sp.Function):
    """phi(z) = (e^z - 1)/z, with phi(0) = 1: the exponential-Euler factor.

    >>> exprel(0)
    1
    >>> float(exprel(sp.Float(1e-3)).evalf())  # doctest: +ELLIPSIS
    1.000500166...
    """

    @classmethod
    def eval(cls, z):
        if z.is_zero:
            return sp.Integer(1)
        if z.is_Number:
            return sp.expm1(z) / z if hasattr(sp, "expm1") else (sp.exp(z) - 1) / z

    def fdiff(self, argindex=1):
        z = self.args[0]
        return (z * sp.exp(z) - sp.exp(z) + 1) / z ** 2

    def _eval_evalf(self, prec):
        z = self.args[0].evalf(prec)
        if z.is_Number:
            return ((sp.exp(z) - 1) / z).evalf(prec) if z != 0 else sp.Float(1, prec)
