"""Creates server wallets through the Privy SDK, classifying failures for the provisioning retry."""

from __future__ import annotations

from basis.privy.client import privy_client
from basis.wallets.provisioning import CreatedWallet, ProvisioningError


class PrivyWalletCreator:
    def create_wallet(
        self, chain_type: str, *, policy_id: str | None, owner_id: str | None, idempotency_key: str
    ) -> CreatedWallet:
        import privy

        params: dict[str, object] = {"chain_type": chain_type}
        if policy_id:
            params["policy_ids"] = [policy_id]
        if owner_id:
            params["owner_id"] = owner_id
        try:
            wallet = privy_client().wallets.create(privy_idempotency_key=idempotency_key, **params)  # type: ignore[arg-type]
        except privy.APIStatusError as exc:
            retriable = exc.status_code >= 500 or exc.status_code in (408, 409, 429)
            raise ProvisioningError(
                f"Privy answered {exc.status_code} creating a {chain_type} wallet",
                chain=chain_type,
                retriable=retriable,
            ) from exc
        except privy.APIConnectionError as exc:  # includes timeouts
            raise ProvisioningError(
                f"Privy unreachable creating a {chain_type} wallet: {exc}", chain=chain_type, retriable=True
            ) from exc
        return CreatedWallet(id=wallet.id, address=wallet.address, chain_type=chain_type)
