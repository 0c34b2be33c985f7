"""Deposits and withdrawals: transfer records and the steps of their sagas."""
