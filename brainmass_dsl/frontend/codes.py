"""The stable diagnostic codes. A code never changes meaning once released.

NMM0xx: syntax and files, NMM1xx: names and structure, NMM2xx: physical dimensions,
NMM3xx: warnings (reported, never fatal).
"""

CODES = {
    # ---- syntax, files, units
    "NMM001": "syntax error",
    "NMM002": "inconsistent indentation",
    "NMM003": "unknown or malformed unit",
    "NMM004": "import not found",
    "NMM005": "file not readable",
    "NMM006": "name defined by several files on the search path",
    # ---- names and structure
    "NMM101": "undefined name",
    "NMM102": "duplicate declaration",
    "NMM103": "state without an equation",
    "NMM104": "equation for something that is not a state",
    "NMM105": "cycle among lets",
    "NMM106": "wrong number of arguments",
    "NMM107": "unknown function",
    "NMM108": "default outside its bounds",
    "NMM109": "assignment to a parameter",
    "NMM110": "noise outside an equation",
    "NMM111": "coupling without pre/post",
    "NMM112": "extends an unknown block",
    "NMM113": "replace of something that does not exist",
    "NMM114": "parameter default is not a constant",
    "NMM115": "misuse of delay()",
    "NMM116": "invalid bounds",
    "NMM117": "invalid metadata",
    "NMM118": "recursive function",
    "NMM119": "member not allowed in this block",
    "NMM120": "duplicate block",
    "NMM121": "cycle in extends",
    "NMM122": "name reserved for the compiler (begins with _ or contains __)",
    "NMM123": "a unit after a number is also a name of the block",
    "NMM124": "misuse of a random initial value (uniform, normal)",
    # ---- dimensions
    "NMM201": "terms of different dimensions",
    "NMM202": "dimensional argument to a function that needs a pure number",
    "NMM203": "right-hand side has the wrong dimension",
    "NMM204": "dimensional exponent or non-constant power of a dimensional quantity",
    "NMM205": "bounds in the wrong unit",
    "NMM206": "delay is not a time",
    # ---- warnings
    "NMM301": "unused parameter",
    "NMM302": "unused let or function",
}


def title(code: str) -> str:
    return CODES.get(code, "")
