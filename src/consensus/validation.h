// Validation results as values: why a transaction or block was rejected, with Bitcoin Core's reject reasons.
#pragma once

#include <string>

/** Why a transaction was invalid; lets the caller decide whether to penalise the peer that sent it. */
enum class TxValidationResult {
    TX_RESULT_UNSET = 0,     //!< initial value: not rejected
    TX_CONSENSUS,            //!< invalid by consensus rules
    TX_INPUTS_NOT_STANDARD,  //!< inputs (covered by txid) failed policy rules
    TX_NOT_STANDARD,         //!< otherwise did not meet local policy rules
    TX_MISSING_INPUTS,       //!< some inputs are missing
    TX_PREMATURE_SPEND,      //!< spends an immature coinbase, or violates locktime/sequence locks
    TX_WITNESS_MUTATED,   //!< witness before segwit activation, or a malleated (incl. non-standard) witness
    TX_WITNESS_STRIPPED,  //!< witness is missing
    TX_CONFLICT,          //!< already in the mempool or in the chain
    TX_MEMPOOL_POLICY,    //!< violated mempool fee/size/descendant/RBF limits
    TX_NO_MEMPOOL,        //!< this node has no mempool
    TX_RECONSIDERABLE,    //!< fails some policy, but might be accepted in a (different) package
    TX_UNKNOWN,           //!< not validated because its package failed
};

/** Why a block was invalid. */
enum class BlockValidationResult {
    BLOCK_RESULT_UNSET = 0,  //!< initial value: not rejected
    BLOCK_CONSENSUS,         //!< invalid by consensus rules (other than the reasons below)
    BLOCK_CACHED_INVALID,    //!< cached as invalid without the reason
    BLOCK_INVALID_HEADER,    //!< invalid proof of work or time too old
    BLOCK_MUTATED,           //!< the block's data does not match what the proof of work commits to
    BLOCK_MISSING_PREV,      //!< the previous block is unknown
    BLOCK_INVALID_PREV,      //!< a block this one builds on is invalid
    BLOCK_TIME_FUTURE,       //!< timestamp more than 2 hours in the future (or our clock is wrong)
    BLOCK_HEADER_LOW_WORK,   //!< the header may be on a chain with too little work
};

/** Outcome of a validation step: valid, invalid (with result, reject reason and debug text), or a run-time
 * error. */
template <typename Result>
class ValidationState {
public:
    /** Marks the state invalid and returns false, so checks can `return state.Invalid(...)`. An error stays
     * an error. */
    bool Invalid(Result result, const std::string& reject_reason = "",
                 const std::string& debug_message = "") {
        m_result = result;
        m_reject_reason = reject_reason;
        m_debug_message = debug_message;
        if (m_mode != Mode::ERROR) m_mode = Mode::INVALID;
        return false;
    }
    /** A local failure (e.g. I/O), not a fault of the data; keeps the first reason. */
    bool Error(const std::string& reject_reason) {
        if (m_mode == Mode::VALID) m_reject_reason = reject_reason;
        m_mode = Mode::ERROR;
        return false;
    }
    bool IsValid() const { return m_mode == Mode::VALID; }
    bool IsInvalid() const { return m_mode == Mode::INVALID; }
    bool IsError() const { return m_mode == Mode::ERROR; }
    Result GetResult() const { return m_result; }
    std::string GetRejectReason() const { return m_reject_reason; }
    std::string GetDebugMessage() const { return m_debug_message; }
    /** "Valid", "<reason>", or "<reason>, <debug message>" as Core prints it. */
    std::string ToString() const {
        if (IsValid()) return "Valid";
        if (!m_debug_message.empty()) return m_reject_reason + ", " + m_debug_message;
        return m_reject_reason;
    }

private:
    enum class Mode { VALID, INVALID, ERROR };
    Mode m_mode{Mode::VALID};
    Result m_result{};
    std::string m_reject_reason;
    std::string m_debug_message;
};

class TxValidationState : public ValidationState<TxValidationResult> {};
class BlockValidationState : public ValidationState<BlockValidationResult> {};
