"""The fault soak (``make soak``): users deposit, trade through the strategy engine and withdraw on
the local stack while Privy and Hyperliquid fail at random and DynamoDB Local stalls; at the end
every operation is final, nothing was sent twice, no cap was passed and every user's money
reconciles across the venues with the product's own records."""
