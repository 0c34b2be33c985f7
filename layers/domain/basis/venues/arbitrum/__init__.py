"""Arbitrum: USDC and ETH balances, bridge deposits, receipts, and the gas funder."""
