"""Code generators. Each backend prints the same Step IR for its target."""
