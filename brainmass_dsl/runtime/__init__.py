"""Runtime: the per-step model API, the Simulator and results."""
