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
        """phi'(z) = (z e^z - e^z + 1) / z**2, which cancels near 0 (and is 0/0 at 0):
        there, for |z| < 1/100, its Taylor series sum_n n z**(n-1) / (n+1)! to z**5
        (truncation below 2e-16 relative); the formula's rounding at |z| = 1/100 is ~1e-11."""
        z = self.args[0]
        series = sum(sp.Integer(n) * z ** (n - 1) / sp.factorial(n + 1) for n in range(1, 7))
        return sp.Piecewise((series, sp.Abs(z) < sp.Rational(1, 100)),
                            ((z * sp.exp(z) - sp.exp(z) + 1) / z ** 2, True))

    def _eval_evalf(self, prec):
        z = self.args[0].evalf(prec)
        if z.is_Number:
            return ((sp.exp(z) - 1) / z).evalf(prec) if z != 0 else sp.Float(1, prec)
