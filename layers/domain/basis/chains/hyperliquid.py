"""Hyperliquid's EIP-712 chain ids.

L1 actions (orders, cancels, leverage) sign a phantom agent on chain 1337; user-signed actions
(withdraw3, usdClassTransfer) carry the ``signatureChainId`` the client picks, and the official SDK
always picks 0x66eee.
"""

EXCHANGE_CHAIN_ID = 1337
SIGNATURE_CHAIN_ID = 0x66EEE
SIGNATURE_CHAIN_ID_HEX = hex(SIGNATURE_CHAIN_ID)  # "0x66eee", as the SDK writes it in actions
