"""The kernel plan: everything a backend needs to print one compiled time loop, decided once
and backend-neutral (the stage between `integrators` and `backends`).

- `signature`: the kernel's arguments (names, dtypes, shapes, per-term arguments), its block
  sizes and history-length rules, declared once for templates and runtime alike;
- `coupling`: a coupling term lowered to assignments (sender, edge reduction, receiver);
- `noise`: the standard normals a step draws, as one IR node;
- `monitors`: what is recorded, when, and how (every k-th step, or averaged over k steps);
- `kernel`: the node and network kernel plans that combine them with the Step IR.
"""
