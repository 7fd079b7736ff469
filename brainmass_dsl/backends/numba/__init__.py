"""The Numba (CPU) backend: Step IR -> a readable, cached Python module of @njit kernels."""
