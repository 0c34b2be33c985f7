"""The per-user scan (seed 7.2): the market read once per cycle, each user's entry decision under a
per-user lease, the position's size, and the named outcome of every evaluation."""
