"""Each user's risk limits (seed 7.3) and the platform's kill switch (7.4.3): drawdown against a
peak that deposits and withdrawals move (N7), the daily trade count, the consecutive-failure breaker,
and the one question every entry asks first (``manager.entry_block``)."""
