"""DynamoDB Local, through the product's models, rejects what AWS rejects: the semantics the
claim items, leases and version checks of later issues rely on."""

import uuid

import pytest
from pynamodb.exceptions import PutError, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from basis.models import Claim, ControlFlag, Transfer, User, connection
from local.runtime.stack import LocalStack


def _id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def test_conditional_put_is_rejected_when_the_claim_exists(stack: LocalStack) -> None:
    key = _id("wallet#w")
    Claim(key, owner="did:privy:a").save(condition=Claim.claim.does_not_exist())
    with pytest.raises(PutError) as caught:
        Claim(key, owner="did:privy:b").save(condition=Claim.claim.does_not_exist())
    assert caught.value.cause_response_code == "ConditionalCheckFailedException"
    assert Claim.get(key).owner == "did:privy:a"


def test_version_attribute_rejects_a_stale_writer(stack: LocalStack) -> None:
    user_id = _id("did:privy:v")
    Transfer(user_id, "t1", kind="deposit", amount="10").save()
    first, second = Transfer.get(user_id, "t1"), Transfer.get(user_id, "t1")
    first.stage = "validated"
    first.save()
    second.stage = "rejected"
    with pytest.raises(PutError) as caught:
        second.save()
    assert caught.value.cause_response_code == "ConditionalCheckFailedException"
    assert Transfer.get(user_id, "t1").stage == "validated"


def test_conditional_update_is_rejected(stack: LocalStack) -> None:
    name = _id("flag")
    ControlFlag(name, counter=1).save()
    with pytest.raises(UpdateError):
        ControlFlag(name).update(actions=[ControlFlag.counter.add(1)], condition=ControlFlag.counter > 5)
    assert ControlFlag.get(name).counter == 1


def test_transaction_is_cancelled_as_a_whole(stack: LocalStack) -> None:
    user_id, taken = _id("did:privy:u"), _id("wallet#w")
    Claim(taken, owner="someone-else").save()
    with pytest.raises(TransactWriteError) as caught, TransactWrite(connection=connection()) as tx:
        tx.save(User(user_id, evm_wallet_id="w-1"))
        tx.save(Claim(taken, owner=user_id), condition=Claim.claim.does_not_exist())
    assert caught.value.cause_response_code == "TransactionCanceledException"
    reasons = [r.code for r in caught.value.cancellation_reasons if r is not None]
    assert "ConditionalCheckFailed" in reasons
    assert User.count(user_id) == 0  # the other write of the transaction did not happen
    assert Claim.get(taken).owner == "someone-else"
