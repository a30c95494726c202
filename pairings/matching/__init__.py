"""Precise matching (SPEC §4): scoring over arrays, a min-cost-flow solver, and match runs as services.

``scoring`` turns people into arrays and scores every mentee against every mentor in blocks, keeping a
sparse set of candidate pairs; ``solver`` picks the optimal assignment among them under mentor
capacities; ``runs`` reads the program from the database, calls both and writes proposals.
"""
