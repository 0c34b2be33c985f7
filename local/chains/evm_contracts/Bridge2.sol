// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

interface IERC20 {
    function transfer(address to, uint256 value) external returns (bool);
}

/// @title Local stand-in for Hyperliquid's Bridge2 on Arbitrum, as far as the product uses it.
/// @notice Deposits: there is NO deposit function. A deposit is a plain USDC `transfer` to this
///         contract's address; the Hyperliquid simulator watches the token's Transfer events to this
///         address and credits the sender. Transfers below 5 USDC (5_000_000 base units) are never
///         credited and stay here, lost to the sender, as on the real bridge.
/// @notice Withdrawals: the operator (the Hyperliquid simulator's key, standing in for the validator
///         set) records a withdrawal with `requestWithdrawal`; after `disputePeriodSeconds` the operator
///         pays it out with `finalizeWithdrawals`. A withdrawal id is requested once and paid at most
///         once: repeated ids revert, so nothing is ever paid twice.
/// @dev No immutables, so the deployed code and storage can be copied to a fixed address.
contract Bridge2 {
    struct Withdrawal {
        address user;
        address destination;
        uint64 usd;
        uint64 nonce;
        uint64 requestedTime;
        bool finalized;
    }

    address public usdc;
    address public owner;
    address public operator;
    uint64 public disputePeriodSeconds;
    mapping(bytes32 => Withdrawal) public withdrawals;

    uint256 public constant MIN_DEPOSIT_USD = 5_000_000;

    event RequestedWithdrawal(
        bytes32 indexed id,
        address indexed user,
        address destination,
        uint64 usd,
        uint64 nonce,
        uint64 requestedTime
    );
    event FinalizedWithdrawal(
        bytes32 indexed id, address indexed user, address destination, uint64 usd, uint64 nonce
    );
    event OperatorChanged(address indexed previousOperator, address indexed newOperator);
    event DisputePeriodChanged(uint64 previousSeconds, uint64 newSeconds);

    constructor(address usdcToken, address initialOperator, uint64 initialDisputePeriodSeconds) {
        require(usdcToken != address(0), "Bridge2: usdc is the zero address");
        require(initialOperator != address(0), "Bridge2: operator is the zero address");
        usdc = usdcToken;
        owner = msg.sender;
        operator = initialOperator;
        disputePeriodSeconds = initialDisputePeriodSeconds;
        emit OperatorChanged(address(0), initialOperator);
        emit DisputePeriodChanged(0, initialDisputePeriodSeconds);
    }

    modifier onlyOwner() {
        require(msg.sender == owner, "Bridge2: caller is not the owner");
        _;
    }

    modifier onlyOperator() {
        require(msg.sender == operator, "Bridge2: caller is not the operator");
        _;
    }

    function withdrawalId(address user, address destination, uint64 usd, uint64 nonce)
        public
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(user, destination, usd, nonce));
    }

    function requestWithdrawal(address user, address destination, uint64 usd, uint64 nonce)
        external
        onlyOperator
        returns (bytes32 id)
    {
        require(destination != address(0), "Bridge2: destination is the zero address");
        require(usd > 0, "Bridge2: zero amount");
        id = withdrawalId(user, destination, usd, nonce);
        require(withdrawals[id].requestedTime == 0, "Bridge2: withdrawal already requested");
        uint64 requestedTime = uint64(block.timestamp);
        withdrawals[id] = Withdrawal(user, destination, usd, nonce, requestedTime, false);
        emit RequestedWithdrawal(id, user, destination, usd, nonce, requestedTime);
    }

    function finalizeWithdrawals(bytes32[] calldata ids) external onlyOperator {
        for (uint256 i = 0; i < ids.length; i++) {
            Withdrawal storage w = withdrawals[ids[i]];
            require(w.requestedTime != 0, "Bridge2: unknown withdrawal");
            require(!w.finalized, "Bridge2: withdrawal already finalized");
            require(
                block.timestamp >= uint256(w.requestedTime) + disputePeriodSeconds,
                "Bridge2: still in dispute period"
            );
            w.finalized = true;
            require(IERC20(usdc).transfer(w.destination, w.usd), "Bridge2: usdc transfer failed");
            emit FinalizedWithdrawal(ids[i], w.user, w.destination, w.usd, w.nonce);
        }
    }

    function setOperator(address newOperator) external onlyOwner {
        require(newOperator != address(0), "Bridge2: operator is the zero address");
        emit OperatorChanged(operator, newOperator);
        operator = newOperator;
    }

    function setDisputePeriodSeconds(uint64 newSeconds) external onlyOwner {
        emit DisputePeriodChanged(disputePeriodSeconds, newSeconds);
        disputePeriodSeconds = newSeconds;
    }
}
