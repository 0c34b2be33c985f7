"""The one address parser: text a caller gave to the address a chain writes, or a 400.

EVM: ``0x`` and 40 hex digits; a mixed-case address must pass its EIP-55 checksum (a typo is
caught before anything moves); the answer is checksummed. Solana: base58, 32 bytes.
"""

from __future__ import annotations

import re

from basis.platform.errors import ValidationRefusedError

EVM_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")


def evm_address(text: str, field: str) -> str:
    """``text`` checksummed (EIP-55), or ``ValidationRefusedError`` naming ``field``."""
    if not EVM_ADDRESS.match(text):
        raise ValidationRefusedError(f"'{field}' is not an EVM address (0x and 40 hex digits)", field=field)
    from eth_utils import is_checksum_address, to_checksum_address

    mixed_case = text[2:] != text[2:].lower() and text[2:] != text[2:].upper()
    if mixed_case and not is_checksum_address(text):
        raise ValidationRefusedError(f"'{field}' fails its EIP-55 checksum: check the address", field=field)
    return str(to_checksum_address(text))


def solana_address(text: str, field: str) -> str:
    """``text`` as a Solana address, or ``ValidationRefusedError`` naming ``field``."""
    from solders.pubkey import Pubkey

    try:
        return str(Pubkey.from_string(text))
    except ValueError as exc:
        raise ValidationRefusedError(
            f"'{field}' is not a Solana address (base58, 32 bytes)", field=field
        ) from exc
