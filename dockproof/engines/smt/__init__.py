"""The `smt` engine: Z3 decides properties symbolically, over all configurations at once.

A property is turned into a *goal* (a bad state, or a bad step) and the goal is decided:

1. BMC at depth 0 (an initial state is already bad);
2. plain induction (the goal's negation is inductive on its own);
3. induction relative to lemmas found by Houdini: the catalogue's invariants and generated
   two-literal clauses, pruned to the largest inductive subset; no hand-written lemma needed;
4. k-induction (k = 1..K), whose base cases are BMC: the first depth where the goal is hit gives
   the shortest counterexample;
5. Z3's IC3/PDR engine (Spacer, constrained Horn clauses), which returns its inductive
   invariant: the certificate of the proof;
6. if Spacer says the goal is reachable, BMC beyond K finds the shortest trace.

Z3 `unknown` or a timeout at any stage yields UNKNOWN with the reason, never PROVED.
"""
