// The script interpreter: EvalScript, VerifyScript and signature checking, with Bitcoin Core's semantics.
// Pure functions: no I/O, no globals, no clocks.
#pragma once

#include "primitives/transaction.h"
#include "script/script_error.h"

#include <optional>
#include <span>
#include <string>
#include <vector>

/** Signature hash types (the last byte of a signature). */
enum : int {
    SIGHASH_ALL = 1,
    SIGHASH_NONE = 2,
    SIGHASH_SINGLE = 3,
    SIGHASH_ANYONECANPAY = 0x80,
    SIGHASH_DEFAULT = 0,  // taproot only: implied SIGHASH_ALL, 64-byte signature
    SIGHASH_OUTPUT_MASK = 3,
    SIGHASH_INPUT_MASK = 0x80,
};

/** Script verification flags (bit positions as in Core). */
enum ScriptVerifyFlags : uint32_t {
    SCRIPT_VERIFY_NONE = 0,
    SCRIPT_VERIFY_P2SH = (1U << 0),
    SCRIPT_VERIFY_STRICTENC = (1U << 1),
    SCRIPT_VERIFY_DERSIG = (1U << 2),
    SCRIPT_VERIFY_LOW_S = (1U << 3),
    SCRIPT_VERIFY_NULLDUMMY = (1U << 4),
    SCRIPT_VERIFY_SIGPUSHONLY = (1U << 5),
    SCRIPT_VERIFY_MINIMALDATA = (1U << 6),
    SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_NOPS = (1U << 7),
    SCRIPT_VERIFY_CLEANSTACK = (1U << 8),
    SCRIPT_VERIFY_CHECKLOCKTIMEVERIFY = (1U << 9),
    SCRIPT_VERIFY_CHECKSEQUENCEVERIFY = (1U << 10),
    SCRIPT_VERIFY_WITNESS = (1U << 11),
    SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM = (1U << 12),
    SCRIPT_VERIFY_MINIMALIF = (1U << 13),
    SCRIPT_VERIFY_NULLFAIL = (1U << 14),
    SCRIPT_VERIFY_WITNESS_PUBKEYTYPE = (1U << 15),
    SCRIPT_VERIFY_CONST_SCRIPTCODE = (1U << 16),
    SCRIPT_VERIFY_TAPROOT = (1U << 17),
    SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_TAPROOT_VERSION = (1U << 18),
    SCRIPT_VERIFY_DISCOURAGE_OP_SUCCESS = (1U << 19),
    SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_PUBKEYTYPE = (1U << 20),
    SCRIPT_VERIFY_END_MARKER
};

/** Parse "P2SH,WITNESS,..." (names without the SCRIPT_VERIFY_ prefix; "" or "NONE" is 0). nullopt on unknown. */
std::optional<uint32_t> ParseScriptFlags(const std::string& names);
/** Comma-separated names of the set flags. */
std::string FormatScriptFlags(uint32_t flags);

enum class SigVersion {
    BASE = 0,        // bare scripts and BIP16 P2SH-wrapped redeemscripts
    WITNESS_V0 = 1,  // witness v0 (P2WPKH and P2WSH); see BIP 141
    TAPROOT = 2,     // witness v1 with 32-byte program, not BIP16 P2SH-wrapped, key path spending; see BIP 341
    TAPSCRIPT = 3,   // witness v1 with 32-byte program, not BIP16 P2SH-wrapped, script path spending, leaf version
                     // 0xc0; see BIP 342
};

constexpr size_t WITNESS_V0_SCRIPTHASH_SIZE = 32;
constexpr size_t WITNESS_V0_KEYHASH_SIZE = 20;
constexpr size_t WITNESS_V1_TAPROOT_SIZE = 32;
constexpr uint8_t TAPROOT_LEAF_MASK = 0xfe;
constexpr uint8_t TAPROOT_LEAF_TAPSCRIPT = 0xc0;
constexpr size_t TAPROOT_CONTROL_BASE_SIZE = 33;
constexpr size_t TAPROOT_CONTROL_NODE_SIZE = 32;
constexpr size_t TAPROOT_CONTROL_MAX_NODE_COUNT = 128;
constexpr size_t TAPROOT_CONTROL_MAX_SIZE = TAPROOT_CONTROL_BASE_SIZE + TAPROOT_CONTROL_NODE_SIZE * TAPROOT_CONTROL_MAX_NODE_COUNT;

/** Per-transaction data cached across inputs: BIP143 and BIP341 sub-hashes, spent outputs. */
struct PrecomputedTransactionData {
    // BIP341 (single SHA256)
    uint256 prevouts_single_hash, sequences_single_hash, outputs_single_hash;
    uint256 spent_amounts_single_hash, spent_scripts_single_hash;
    bool bip341_taproot_ready{false};
    // BIP143 (double SHA256)
    uint256 hash_prevouts, hash_sequence, hash_outputs;
    bool bip143_segwit_ready{false};

    std::vector<TxOut> spent_outputs;
    bool spent_outputs_ready{false};

    PrecomputedTransactionData() = default;
    /** Computes what the transaction's inputs need; spent_outputs (one per input, may be empty) enables taproot. */
    template <typename Tx>
    void Init(const Tx& tx, std::vector<TxOut>&& spent_outputs, bool force = false);
    template <typename Tx>
    explicit PrecomputedTransactionData(const Tx& tx);
};

/** State carried through one script execution (taproot/tapscript). */
struct ScriptExecutionData {
    bool tapleaf_hash_init{false};
    uint256 tapleaf_hash;
    bool codeseparator_pos_init{false};
    uint32_t codeseparator_pos{0xFFFFFFFF};
    bool annex_init{false};
    bool annex_present{false};
    uint256 annex_hash;
    bool validation_weight_left_init{false};
    int64_t validation_weight_left{0};
    std::optional<uint256> output_hash;
};

/** Signature checks behind an interface, so evaluation is testable without transactions. */
class BaseSignatureChecker
{
public:
    virtual ~BaseSignatureChecker() = default;
    virtual bool CheckECDSASignature(const std::vector<uint8_t>& sig, const std::vector<uint8_t>& pubkey,
                                     const Script& script_code, SigVersion sigversion) const
    {
        (void)sig, (void)pubkey, (void)script_code, (void)sigversion;
        return false;
    }
    virtual bool CheckSchnorrSignature(std::span<const uint8_t> sig, std::span<const uint8_t> pubkey,
                                       SigVersion sigversion, ScriptExecutionData& execdata,
                                       ScriptError* serror = nullptr) const
    {
        (void)sig, (void)pubkey, (void)sigversion, (void)execdata, (void)serror;
        return false;
    }
    virtual bool CheckLockTime(const ScriptNum& lock_time) const
    {
        (void)lock_time;
        return false;
    }
    virtual bool CheckSequence(const ScriptNum& sequence) const
    {
        (void)sequence;
        return false;
    }
};

/** What to do when the spent outputs needed for a signature hash are missing. */
enum class MissingDataBehavior {
    ASSERT_FAIL,  // abort: the caller promised complete data (consensus)
    FAIL,         // treat as a failing signature (signing and tools)
};

template <class Tx>
class GenericTransactionSignatureChecker : public BaseSignatureChecker
{
public:
    GenericTransactionSignatureChecker(const Tx* tx, unsigned int n_in, Amount amount, MissingDataBehavior mdb)
        : m_tx(tx), m_mdb(mdb), m_n_in(n_in), m_amount(amount)
    {
    }
    GenericTransactionSignatureChecker(const Tx* tx, unsigned int n_in, Amount amount,
                                       const PrecomputedTransactionData& txdata, MissingDataBehavior mdb)
        : m_tx(tx), m_mdb(mdb), m_n_in(n_in), m_amount(amount), m_txdata(&txdata)
    {
    }
    bool CheckECDSASignature(const std::vector<uint8_t>& sig, const std::vector<uint8_t>& pubkey,
                             const Script& script_code, SigVersion sigversion) const override;
    bool CheckSchnorrSignature(std::span<const uint8_t> sig, std::span<const uint8_t> pubkey, SigVersion sigversion,
                               ScriptExecutionData& execdata, ScriptError* serror = nullptr) const override;
    bool CheckLockTime(const ScriptNum& lock_time) const override;
    bool CheckSequence(const ScriptNum& sequence) const override;

protected:
    virtual bool VerifyECDSASignature(const std::vector<uint8_t>& sig, const std::vector<uint8_t>& pubkey,
                                      const uint256& sighash) const;
    virtual bool VerifySchnorrSignature(std::span<const uint8_t> sig, std::span<const uint8_t> pubkey,
                                        const uint256& sighash) const;

private:
    const Tx* m_tx;
    const MissingDataBehavior m_mdb;
    unsigned int m_n_in;
    Amount m_amount;
    const PrecomputedTransactionData* m_txdata{nullptr};
};

using TransactionSignatureChecker = GenericTransactionSignatureChecker<Transaction>;
using MutableTransactionSignatureChecker = GenericTransactionSignatureChecker<MutableTransaction>;

using ScriptStack = std::vector<std::vector<uint8_t>>;

bool EvalScript(ScriptStack& stack, const Script& script, uint32_t flags, const BaseSignatureChecker& checker,
                SigVersion sigversion, ScriptExecutionData& execdata, ScriptError* error = nullptr);
bool EvalScript(ScriptStack& stack, const Script& script, uint32_t flags, const BaseSignatureChecker& checker,
                SigVersion sigversion, ScriptError* error = nullptr);

/** Full verification of one input: scriptSig, scriptPubKey, P2SH, witness programs, cleanstack. */
bool VerifyScript(const Script& script_sig, const Script& script_pubkey, const ScriptWitness* witness, uint32_t flags,
                  const BaseSignatureChecker& checker, ScriptError* error = nullptr);

/** Witness sigops of one input (BIP141 counting). */
size_t CountWitnessSigOps(const Script& script_sig, const Script& script_pubkey, const ScriptWitness* witness,
                          uint32_t flags);

/** Remove every occurrence of the push of b from script (legacy sighash); returns the count removed. */
int FindAndDelete(Script& script, const Script& b);

/** BIP341: leaf hash of a tapscript with the given leaf version. */
uint256 ComputeTapleafHash(uint8_t leaf_version, std::span<const uint8_t> script);
/** BIP341: the merkle root a control block commits to, for a given leaf hash. */
uint256 ComputeTaprootMerkleRoot(std::span<const uint8_t> control, const uint256& tapleaf_hash);

/** Strict DER and related encoding checks on signatures (STRICTENC, DERSIG, LOW_S). */
bool IsValidSignatureEncoding(std::span<const uint8_t> sig);
