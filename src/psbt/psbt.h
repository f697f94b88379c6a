// Partially signed transactions: BIP174 (v0), BIP370 (v2) and BIP371 (taproot) fields, with Bitcoin Core's
// data model, byte-exact serialization, parse error texts, merging and locktime rules.
#pragma once

#include "crypto/key_origin.h"

#include "crypto/pubkey.h"
#include "primitives/transaction.h"
#include "util/uint256.h"

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <tuple>
#include <vector>

using PsbtBytes = std::vector<uint8_t>;

// Key types (BIP174, BIP370, BIP371, BIP373).
inline constexpr uint8_t PSBT_MAGIC_BYTES[5] = {'p', 's', 'b', 't', 0xff};
inline constexpr uint8_t PSBT_GLOBAL_UNSIGNED_TX = 0x00;
inline constexpr uint8_t PSBT_GLOBAL_XPUB = 0x01;
inline constexpr uint8_t PSBT_GLOBAL_TX_VERSION = 0x02;
inline constexpr uint8_t PSBT_GLOBAL_FALLBACK_LOCKTIME = 0x03;
inline constexpr uint8_t PSBT_GLOBAL_INPUT_COUNT = 0x04;
inline constexpr uint8_t PSBT_GLOBAL_OUTPUT_COUNT = 0x05;
inline constexpr uint8_t PSBT_GLOBAL_TX_MODIFIABLE = 0x06;
inline constexpr uint8_t PSBT_GLOBAL_VERSION = 0xFB;
inline constexpr uint8_t PSBT_GLOBAL_PROPRIETARY = 0xFC;

inline constexpr uint8_t PSBT_IN_NON_WITNESS_UTXO = 0x00;
inline constexpr uint8_t PSBT_IN_WITNESS_UTXO = 0x01;
inline constexpr uint8_t PSBT_IN_PARTIAL_SIG = 0x02;
inline constexpr uint8_t PSBT_IN_SIGHASH = 0x03;
inline constexpr uint8_t PSBT_IN_REDEEMSCRIPT = 0x04;
inline constexpr uint8_t PSBT_IN_WITNESSSCRIPT = 0x05;
inline constexpr uint8_t PSBT_IN_BIP32_DERIVATION = 0x06;
inline constexpr uint8_t PSBT_IN_SCRIPTSIG = 0x07;
inline constexpr uint8_t PSBT_IN_SCRIPTWITNESS = 0x08;
inline constexpr uint8_t PSBT_IN_RIPEMD160 = 0x0A;
inline constexpr uint8_t PSBT_IN_SHA256 = 0x0B;
inline constexpr uint8_t PSBT_IN_HASH160 = 0x0C;
inline constexpr uint8_t PSBT_IN_HASH256 = 0x0D;
inline constexpr uint8_t PSBT_IN_PREVIOUS_TXID = 0x0e;
inline constexpr uint8_t PSBT_IN_OUTPUT_INDEX = 0x0f;
inline constexpr uint8_t PSBT_IN_SEQUENCE = 0x10;
inline constexpr uint8_t PSBT_IN_REQUIRED_TIME_LOCKTIME = 0x11;
inline constexpr uint8_t PSBT_IN_REQUIRED_HEIGHT_LOCKTIME = 0x12;
inline constexpr uint8_t PSBT_IN_TAP_KEY_SIG = 0x13;
inline constexpr uint8_t PSBT_IN_TAP_SCRIPT_SIG = 0x14;
inline constexpr uint8_t PSBT_IN_TAP_LEAF_SCRIPT = 0x15;
inline constexpr uint8_t PSBT_IN_TAP_BIP32_DERIVATION = 0x16;
inline constexpr uint8_t PSBT_IN_TAP_INTERNAL_KEY = 0x17;
inline constexpr uint8_t PSBT_IN_TAP_MERKLE_ROOT = 0x18;
inline constexpr uint8_t PSBT_IN_MUSIG2_PARTICIPANT_PUBKEYS = 0x1a;
inline constexpr uint8_t PSBT_IN_MUSIG2_PUB_NONCE = 0x1b;
inline constexpr uint8_t PSBT_IN_MUSIG2_PARTIAL_SIG = 0x1c;
inline constexpr uint8_t PSBT_IN_PROPRIETARY = 0xFC;

inline constexpr uint8_t PSBT_OUT_REDEEMSCRIPT = 0x00;
inline constexpr uint8_t PSBT_OUT_WITNESSSCRIPT = 0x01;
inline constexpr uint8_t PSBT_OUT_BIP32_DERIVATION = 0x02;
inline constexpr uint8_t PSBT_OUT_AMOUNT = 0x03;
inline constexpr uint8_t PSBT_OUT_SCRIPT = 0x04;
inline constexpr uint8_t PSBT_OUT_TAP_INTERNAL_KEY = 0x05;
inline constexpr uint8_t PSBT_OUT_TAP_TREE = 0x06;
inline constexpr uint8_t PSBT_OUT_TAP_BIP32_DERIVATION = 0x07;
inline constexpr uint8_t PSBT_OUT_MUSIG2_PARTICIPANT_PUBKEYS = 0x08;
inline constexpr uint8_t PSBT_OUT_PROPRIETARY = 0xFC;

inline constexpr uint32_t PSBT_HIGHEST_VERSION = 2;
/** Locktimes at or above this are times, below are heights. */
inline constexpr uint32_t PSBT_LOCKTIME_THRESHOLD = 500000000;

/** A global xpub record: the 78 serialized bytes (version, depth, parent fingerprint, child, chain code, key). */
struct PsbtExtPubKey {
    std::array<uint8_t, BIP32_EXTKEY_WITH_VERSION_SIZE> data{};
    std::span<const uint8_t> PubKeyBytes() const { return std::span<const uint8_t>(data).subspan(45, 33); }
    std::span<const uint8_t> ChainCode() const { return std::span<const uint8_t>(data).subspan(13, 32); }
    /** Core orders extended keys by public key, then chain code. */
    friend bool operator<(const PsbtExtPubKey& a, const PsbtExtPubKey& b);
    friend bool operator==(const PsbtExtPubKey& a, const PsbtExtPubKey& b) { return a.data == b.data; }
};

/** Proprietary record (type 0xFC): identifier and subtype taken from the key; ordered and compared by key. */
struct PsbtProprietary {
    uint64_t subtype{0};
    PsbtBytes identifier;
    PsbtBytes key;
    PsbtBytes value;
    bool operator<(const PsbtProprietary& b) const { return key < b.key; }
    bool operator==(const PsbtProprietary& b) const { return key == b.key; }
};

/** Core's ShortestVectorFirstComparator for control blocks. */
struct ShortestFirst {
    bool operator()(const PsbtBytes& a, const PsbtBytes& b) const
    {
        if (a.size() != b.size()) return a.size() < b.size();
        return a < b;
    }
};

using TapLeafOrigins = std::pair<std::set<uint256>, KeyOriginInfo>;

struct PsbtInput {
    uint32_t psbt_version{0};

    TransactionRef non_witness_utxo;
    TxOut witness_utxo;
    Script redeem_script;
    Script witness_script;
    Script final_script_sig;
    ScriptWitness final_script_witness;
    std::map<PubKey, KeyOriginInfo> hd_keypaths;
    /** Keyed by HASH160 of the public key (Core's CKeyID). */
    std::map<uint160, std::pair<PubKey, PsbtBytes>> partial_sigs;
    std::map<uint160, PsbtBytes> ripemd160_preimages;
    std::map<uint256, PsbtBytes> sha256_preimages;
    std::map<uint160, PsbtBytes> hash160_preimages;
    std::map<uint256, PsbtBytes> hash256_preimages;

    uint256 prev_txid;
    uint32_t prev_out{0};
    std::optional<uint32_t> sequence;
    std::optional<uint32_t> time_locktime;
    std::optional<uint32_t> height_locktime;

    PsbtBytes tap_key_sig;
    std::map<std::pair<XOnlyPubKey, uint256>, PsbtBytes> tap_script_sigs;
    std::map<std::pair<PsbtBytes, int>, std::set<PsbtBytes, ShortestFirst>> tap_scripts;
    std::map<XOnlyPubKey, TapLeafOrigins> tap_bip32_paths;
    XOnlyPubKey tap_internal_key;
    uint256 tap_merkle_root;

    std::map<PubKey, std::vector<PubKey>> musig2_participants;
    std::map<std::pair<PubKey, uint256>, std::map<PubKey, PsbtBytes>> musig2_pubnonces;
    std::map<std::pair<PubKey, uint256>, std::map<PubKey, uint256>> musig2_partial_sigs;

    std::map<PsbtBytes, PsbtBytes> unknown;
    std::set<PsbtProprietary> proprietary;
    std::optional<int> sighash_type;

    /** The spent output from non_witness_utxo (when it matches the outpoint) or witness_utxo. */
    bool GetUTXO(TxOut& utxo) const;
    bool HasSignatures() const;
    /** Core's PSBTInput::Merge (first value wins for single fields; maps are unioned). */
    void Merge(const PsbtInput& other);
    OutPoint GetOutPoint() const { return OutPoint(prev_txid, prev_out); }
};

struct PsbtOutput {
    uint32_t psbt_version{0};
    Script redeem_script;
    Script witness_script;
    std::map<PubKey, KeyOriginInfo> hd_keypaths;
    XOnlyPubKey tap_internal_key;
    /** (depth, leaf version, script) in depth-first order, as PSBT_OUT_TAP_TREE carries it. */
    std::vector<std::tuple<uint8_t, uint8_t, PsbtBytes>> tap_tree;
    std::map<XOnlyPubKey, TapLeafOrigins> tap_bip32_paths;
    std::map<PubKey, std::vector<PubKey>> musig2_participants;
    std::map<PsbtBytes, PsbtBytes> unknown;
    std::set<PsbtProprietary> proprietary;
    Amount amount{0};
    Script script;

    void Merge(const PsbtOutput& other);
};

struct Psbt {
    std::optional<uint32_t> version;
    std::map<KeyOriginInfo, std::set<PsbtExtPubKey>> xpubs;
    std::optional<uint8_t> tx_modifiable;
    std::vector<PsbtInput> inputs;
    std::vector<PsbtOutput> outputs;
    std::map<PsbtBytes, PsbtBytes> unknown;
    std::set<PsbtProprietary> proprietary;
    uint32_t tx_version{0};
    std::optional<uint32_t> fallback_locktime;

    Psbt() = default;
    /** Creator: a PSBT of the given version (0 or 2) for an unsigned transaction. */
    Psbt(const MutableTransaction& tx, uint32_t psbt_version);

    uint32_t GetVersion() const { return version.value_or(0); }
    /** BIP370 locktime determination; nullopt when the inputs' required locktimes conflict. */
    std::optional<uint32_t> ComputeTimeLock() const;
    std::optional<MutableTransaction> GetUnsignedTx() const;
    /** The txid of the unsigned transaction (sequences zeroed in v2): what identifies the same transaction. */
    std::optional<uint256> GetUniqueId() const;
    /** Core's Merge; false when the PSBTs are of different transactions or versions. */
    bool Merge(const Psbt& other);
    bool AddInput(const PsbtInput& in);
    bool AddOutput(const PsbtOutput& out);
};

/** Raw PSBT bytes. Errors carry Core's texts (as thrown by its deserializer, without the platform suffix). */
struct PsbtDecodeResult {
    std::optional<Psbt> psbt;
    std::string error;
};
PsbtDecodeResult DecodeRawPsbt(std::span<const uint8_t> bytes);
/** base64 then DecodeRawPsbt; "invalid base64" on bad text. */
PsbtDecodeResult DecodeBase64Psbt(const std::string& text);

PsbtBytes SerializePsbt(const Psbt& psbt);
std::string EncodeBase64Psbt(const Psbt& psbt);

/** RFC 4648 base64 with padding; decode as Core's DecodeBase64 (strict; nullopt when invalid). */
std::string Base64Encode(std::span<const uint8_t> data);
std::optional<PsbtBytes> Base64Decode(std::string_view text);

/** Core's ValidDepths for a taproot tree given as leaf depths (DFS order). */
bool TaprootDepthsValid(const std::vector<int>& depths);

/** Core's CombinePSBTs: nullopt when any PSBT is of a different transaction. psbts must not be empty. */
std::optional<Psbt> CombinePsbts(const std::vector<Psbt>& psbts);
