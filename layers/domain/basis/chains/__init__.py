"""Chain facts written once: token and bridge addresses, program ids, chain ids (``arbitrum``,
``solana``, ``hyperliquid``), and the one amount parser (``amounts``). Pure constants and
arithmetic: nothing here imports a chain library."""
