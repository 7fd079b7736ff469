"""Integration schemes as data (a registry) and the Step IR they build."""
