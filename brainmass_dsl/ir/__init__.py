"""Model IR in SymPy: lowering from the checked AST, analysis, composition, networks."""
