"""Hedged positions: a Hyperliquid short and an Asgard leveraged long opened and closed together by
the hedge sagas (Step Functions), the position row in DynamoDB the only truth (N10)."""
