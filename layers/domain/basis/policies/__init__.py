"""Privy policies: the shared EVM and Solana policy bodies and the evaluator that enforces them.

``settings`` holds the limits and addresses, ``rules`` builds the bodies Privy's API takes,
``evaluator`` decides a request against a body with Privy's observed semantics (used by the Privy
emulator and by the product's preflight), ``amounts`` converts and guards human amounts.
Import the submodule you need; this package imports nothing heavy on its own.
"""
