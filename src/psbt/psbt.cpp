// PSBT (de)serialization, merging and locktime rules, following Core's psbt.h/psbt.cpp field by field.
#include "psbt/psbt.h"

#include "crypto/hash.h"
#include "primitives/serialize.h"
#include "script/interpreter.h"
#include "util/hex.h"

#include <algorithm>
#include <bitset>

namespace {

/** Errors raised while parsing; the text is Core's ios_base::failure message. */
struct PsbtParseError : DeserializeError {
    using DeserializeError::DeserializeError;
};

[[noreturn]] void Fail(const std::string& msg) { throw PsbtParseError(msg); }

/** In-memory reader with Core's SpanReader end-of-data text. Lengths are checked against the bytes present before
 *  anything is allocated, so hostile length prefixes cannot force large allocations. */
class Reader
{
public:
    explicit Reader(std::span<const uint8_t> data) : m_data(data) {}
    void read(std::span<uint8_t> dst)
    {
        if (dst.size() > remaining()) Fail("SpanReader::read(): end of data");
        if (!dst.empty()) std::memcpy(dst.data(), m_data.data() + m_pos, dst.size());
        m_pos += dst.size();
    }
    void ReadAppend(std::vector<uint8_t>& out, size_t n)
    {
        if (n > remaining()) Fail("SpanReader::read(): end of data");
        out.insert(out.end(), m_data.begin() + m_pos, m_data.begin() + m_pos + n);
        m_pos += n;
    }
    size_t remaining() const { return m_data.size() - m_pos; }
    bool empty() const { return remaining() == 0; }

private:
    std::span<const uint8_t> m_data;
    size_t m_pos{0};
};

template <typename T>
T ReadInt(Reader& r)
{
    return ReadLE<T>(r);
}

/** Core's UnserializeFromVector: a CompactSize length, then the object read from the same stream, whose size must
 *  match the stated length. */
template <typename F>
void FromVector(Reader& s, F read_obj)
{
    uint64_t expected = ReadCompactSize(s);
    size_t before = s.remaining();
    read_obj(s);
    size_t after = s.remaining();
    if (after + expected != before) Fail("Size of value was not the stated size");
}

void ExpectedKeySize(const std::string& name, const PsbtBytes& key, uint64_t size)
{
    if (key.size() != size) Fail("Size of key was not " + std::to_string(size) + " for the type " + name);
}

KeyOriginInfo DeserializeKeyOrigin(Reader& s, uint64_t length)
{
    if (length % 4 || length == 0) Fail("Invalid length for HD key path");
    KeyOriginInfo info;
    s.read(info.fingerprint);
    for (uint64_t i = 4; i < length; i += 4) info.path.push_back(ReadInt<uint32_t>(s));
    return info;
}

void DeserializeHDKeypaths(Reader& s, const PsbtBytes& key, std::map<PubKey, KeyOriginInfo>& out)
{
    if (key.size() != PubKey::SIZE + 1 && key.size() != PubKey::COMPRESSED_SIZE + 1) {
        Fail("Size of key was not the expected size for the type BIP32 keypath");
    }
    PubKey pubkey(std::span<const uint8_t>(key).subspan(1));
    if (!pubkey.IsFullyValid()) Fail("Invalid pubkey");
    KeyOriginInfo info = DeserializeKeyOrigin(s, ReadCompactSize(s));
    out.emplace(pubkey, std::move(info));
}

PubKey ReadPubKey33(Reader& s)
{
    std::array<uint8_t, 33> b;
    s.read(b);
    return PubKey(b);
}

void DeserializeMuSig2Participants(Reader& s, Reader& skey, std::map<PubKey, std::vector<PubKey>>& out,
                                   const std::string& context)
{
    PubKey agg = ReadPubKey33(skey);
    if (!agg.IsFullyValid()) Fail(context + " musig2 aggregate pubkey is invalid");
    PsbtBytes val = ReadBytes(s);
    Reader sval(val);
    std::vector<PubKey> parts;
    while (sval.remaining() >= 33) {
        PubKey p = ReadPubKey33(sval);
        if (!p.IsFullyValid()) Fail(context + " musig2 participant pubkey is invalid");
        parts.push_back(p);
    }
    if (!sval.empty()) Fail(context + " musig2 participants pubkeys value size is not a multiple of 33");
    out.emplace(agg, parts);
}

void DeserializeMuSig2Identifier(Reader& skey, PubKey& agg, PubKey& part, uint256& leaf_hash)
{
    leaf_hash = uint256();
    std::array<uint8_t, 33> part_b, agg_b;
    skey.read(part_b);
    skey.read(agg_b);
    agg = PubKey(agg_b);
    if (!agg.IsFullyValid()) Fail("musig2 aggregate pubkey is invalid");
    part = PubKey(part_b);
    if (!part.IsFullyValid()) Fail("musig2 participant pubkey is invalid");
    if (!skey.empty()) leaf_hash = ReadUint256(skey);
}

/** Core's CheckSignatureEncoding with DERSIG|STRICTENC: strict DER and a defined hash type. */
bool IsDefinedHashtypeSignature(const PsbtBytes& sig)
{
    if (sig.empty()) return false;
    uint8_t ht = sig.back() & ~SIGHASH_ANYONECANPAY;
    return ht >= SIGHASH_ALL && ht <= SIGHASH_SINGLE;
}

TransactionRef ReadTransaction(Reader& s, bool allow_witness)
{
    MutableTransaction mtx;
    UnserializeTransaction(s, mtx, allow_witness);
    return MakeTransactionRef(std::move(mtx));
}

TxOut ReadTxOut(Reader& s)
{
    TxOut out;
    out.value = ReadInt<int64_t>(s);
    out.script_pubkey = Script(ReadBytes(s));
    return out;
}

/** PSBT_{IN,OUT}_TAP_BIP32_DERIVATION value: leaf hash set then key origin, within the stated length. */
TapLeafOrigins ReadTapBip32(Reader& s, const char* what)
{
    uint64_t value_len = ReadCompactSize(s);
    size_t before = s.remaining();
    std::set<uint256> hashes;
    uint64_t n = ReadCompactSize(s);
    for (uint64_t i = 0; i < n; ++i) hashes.insert(ReadUint256(s));
    size_t hashes_len = before - s.remaining();
    if (hashes_len > value_len) Fail(std::string(what) + " Taproot BIP32 keypath has an invalid length");
    return {std::move(hashes), DeserializeKeyOrigin(s, value_len - hashes_len)};
}

PsbtProprietary ReadProprietary(Reader& skey, const PsbtBytes& key, Reader& s)
{
    PsbtProprietary p;
    p.identifier = ReadBytes(skey);
    p.subtype = ReadCompactSize(skey);
    p.key = key;
    p.value = ReadBytes(s);
    return p;
}

void ReadInput(Reader& s, PsbtInput& in)
{
    std::set<PsbtBytes> seen;
    bool found_prev_txid = false, found_prev_out = false, found_sep = false;
    while (!s.empty()) {
        PsbtBytes key = ReadBytes(s);
        if (key.empty()) {
            found_sep = true;
            break;
        }
        if (!seen.insert(key).second) Fail("Duplicate Key, input key \"" + HexStr(key) + "\" already provided");
        Reader skey(key);
        uint64_t type = ReadCompactSize(skey);
        switch (type) {
        case PSBT_IN_NON_WITNESS_UTXO:
            ExpectedKeySize("Input Non-witness UTXO", key, 1);
            FromVector(s, [&](Reader& r) { in.non_witness_utxo = ReadTransaction(r, true); });
            break;
        case PSBT_IN_WITNESS_UTXO:
            ExpectedKeySize("Input Witness UTXO", key, 1);
            FromVector(s, [&](Reader& r) { in.witness_utxo = ReadTxOut(r); });
            break;
        case PSBT_IN_PARTIAL_SIG: {
            if (key.size() != PubKey::SIZE + 1 && key.size() != PubKey::COMPRESSED_SIZE + 1) {
                Fail("Size of key was not the expected size for the type partial signature pubkey");
            }
            PubKey pubkey(std::span<const uint8_t>(key).subspan(1));
            if (!pubkey.IsFullyValid()) Fail("Invalid pubkey");
            PsbtBytes sig = ReadBytes(s);
            if (sig.empty() || !IsValidSignatureEncoding(sig) || !IsDefinedHashtypeSignature(sig)) {
                Fail("Signature is not a valid encoding");
            }
            in.partial_sigs.emplace(pubkey.GetID(), std::make_pair(pubkey, std::move(sig)));
            break;
        }
        case PSBT_IN_SIGHASH:
            ExpectedKeySize("Input Sighash Type", key, 1);
            FromVector(s, [&](Reader& r) { in.sighash_type = ReadInt<int32_t>(r); });
            break;
        case PSBT_IN_REDEEMSCRIPT:
            ExpectedKeySize("Input redeemScript", key, 1);
            in.redeem_script = Script(ReadBytes(s));
            break;
        case PSBT_IN_WITNESSSCRIPT:
            ExpectedKeySize("Input witnessScript", key, 1);
            in.witness_script = Script(ReadBytes(s));
            break;
        case PSBT_IN_BIP32_DERIVATION:
            DeserializeHDKeypaths(s, key, in.hd_keypaths);
            break;
        case PSBT_IN_SCRIPTSIG:
            ExpectedKeySize("Input Final scriptSig", key, 1);
            in.final_script_sig = Script(ReadBytes(s));
            break;
        case PSBT_IN_SCRIPTWITNESS:
            ExpectedKeySize("Input Final scriptWitness", key, 1);
            FromVector(s, [&](Reader& r) {
                in.final_script_witness.stack = ReadVector<PsbtBytes>(r, [](Reader& rr) { return ReadBytes(rr); });
            });
            break;
        case PSBT_IN_RIPEMD160: {
            ExpectedKeySize("Input RIPEMD160 Preimage", key, 21);
            uint160 h(std::span<const uint8_t>(key).subspan(1));
            in.ripemd160_preimages.emplace(h, ReadBytes(s));
            break;
        }
        case PSBT_IN_SHA256: {
            ExpectedKeySize("Input SHA256 Preimage", key, 33);
            uint256 h(std::span<const uint8_t>(key).subspan(1));
            in.sha256_preimages.emplace(h, ReadBytes(s));
            break;
        }
        case PSBT_IN_HASH160: {
            ExpectedKeySize("Input Hash160 Preimage", key, 21);
            uint160 h(std::span<const uint8_t>(key).subspan(1));
            in.hash160_preimages.emplace(h, ReadBytes(s));
            break;
        }
        case PSBT_IN_HASH256: {
            ExpectedKeySize("Input Hash256 Preimage", key, 33);
            uint256 h(std::span<const uint8_t>(key).subspan(1));
            in.hash256_preimages.emplace(h, ReadBytes(s));
            break;
        }
        case PSBT_IN_PREVIOUS_TXID:
            ExpectedKeySize("Input Previous TXID", key, 1);
            if (in.psbt_version < 2) Fail("Previous txid is not allowed in PSBTv0");
            FromVector(s, [&](Reader& r) { in.prev_txid = ReadUint256(r); });
            found_prev_txid = true;
            break;
        case PSBT_IN_OUTPUT_INDEX:
            ExpectedKeySize("Input Previous Output's Index", key, 1);
            if (in.psbt_version < 2) Fail("Previous output's index is not allowed in PSBTv0");
            FromVector(s, [&](Reader& r) { in.prev_out = ReadInt<uint32_t>(r); });
            found_prev_out = true;
            break;
        case PSBT_IN_SEQUENCE:
            ExpectedKeySize("Input Sequence", key, 1);
            if (in.psbt_version < 2) Fail("Sequence is not allowed in PSBTv0");
            in.sequence.emplace();
            FromVector(s, [&](Reader& r) { in.sequence = ReadInt<uint32_t>(r); });
            break;
        case PSBT_IN_REQUIRED_TIME_LOCKTIME:
            ExpectedKeySize("Input Required Time Based Locktime", key, 1);
            if (in.psbt_version < 2) Fail("Required time based locktime is not allowed in PSBTv0");
            in.time_locktime.emplace();
            FromVector(s, [&](Reader& r) { in.time_locktime = ReadInt<uint32_t>(r); });
            if (*in.time_locktime < PSBT_LOCKTIME_THRESHOLD) {
                Fail("Required time based locktime is invalid (less than 500000000)");
            }
            break;
        case PSBT_IN_REQUIRED_HEIGHT_LOCKTIME:
            ExpectedKeySize("Input Required Height Based Locktime", key, 1);
            if (in.psbt_version < 2) Fail("Required height based locktime is not allowed in PSBTv0");
            in.height_locktime.emplace();
            FromVector(s, [&](Reader& r) { in.height_locktime = ReadInt<uint32_t>(r); });
            if (*in.height_locktime >= PSBT_LOCKTIME_THRESHOLD) {
                Fail("Required height based locktime is invalid (greater than or equal to 500000000)");
            } else if (*in.height_locktime == 0) {
                Fail("Required height based locktime is invalid (0)");
            }
            break;
        case PSBT_IN_TAP_KEY_SIG:
            ExpectedKeySize("Input Taproot Key Path Signature", key, 1);
            in.tap_key_sig = ReadBytes(s);
            if (in.tap_key_sig.size() < 64) Fail("Input Taproot key path signature is shorter than 64 bytes");
            if (in.tap_key_sig.size() > 65) Fail("Input Taproot key path signature is longer than 65 bytes");
            break;
        case PSBT_IN_TAP_SCRIPT_SIG: {
            ExpectedKeySize("Input Taproot Script Path Signature", key, 65);
            XOnlyPubKey xonly(std::span<const uint8_t>(key).subspan(1, 32));
            uint256 leaf(std::span<const uint8_t>(key).subspan(33, 32));
            PsbtBytes sig = ReadBytes(s);
            if (sig.size() < 64) Fail("Input Taproot script path signature is shorter than 64 bytes");
            if (sig.size() > 65) Fail("Input Taproot script path signature is longer than 65 bytes");
            in.tap_script_sigs.emplace(std::make_pair(xonly, leaf), std::move(sig));
            break;
        }
        case PSBT_IN_TAP_LEAF_SCRIPT: {
            if (key.size() < 34) Fail("Input Taproot leaf script key is not at least 34 bytes");
            if ((key.size() - 2) % 32 != 0) Fail("Input Taproot leaf script key's control block size is not valid");
            PsbtBytes script = ReadBytes(s);
            if (script.empty()) Fail("Input Taproot leaf script must be at least 1 byte");
            int leaf_ver = script.back();
            script.pop_back();
            in.tap_scripts[std::make_pair(std::move(script), leaf_ver)].insert(PsbtBytes(key.begin() + 1, key.end()));
            break;
        }
        case PSBT_IN_TAP_BIP32_DERIVATION: {
            ExpectedKeySize("Input Taproot BIP32 Keypath", key, 33);
            XOnlyPubKey xonly(std::span<const uint8_t>(key).subspan(1, 32));
            in.tap_bip32_paths.emplace(xonly, ReadTapBip32(s, "Input"));
            break;
        }
        case PSBT_IN_TAP_INTERNAL_KEY:
            ExpectedKeySize("Input Taproot Internal Key", key, 1);
            FromVector(s, [&](Reader& r) { in.tap_internal_key = XOnlyPubKey(ReadUint256(r)); });
            break;
        case PSBT_IN_TAP_MERKLE_ROOT:
            ExpectedKeySize("Input Taproot Merkle Root", key, 1);
            FromVector(s, [&](Reader& r) { in.tap_merkle_root = ReadUint256(r); });
            break;
        case PSBT_IN_MUSIG2_PARTICIPANT_PUBKEYS:
            ExpectedKeySize("Input MuSig2 Participants Pubkeys", key, 34);
            DeserializeMuSig2Participants(s, skey, in.musig2_participants, "Input");
            break;
        case PSBT_IN_MUSIG2_PUB_NONCE: {
            if (key.size() != 67 && key.size() != 99) {
                Fail("Input musig2 pubnonce key is not expected size of 67 or 99 bytes");
            }
            PubKey agg, part;
            uint256 leaf;
            DeserializeMuSig2Identifier(skey, agg, part, leaf);
            PsbtBytes nonce = ReadBytes(s);
            if (nonce.size() != 66) Fail("Input musig2 pubnonce value is not 66 bytes");
            in.musig2_pubnonces[std::make_pair(agg, leaf)].emplace(part, std::move(nonce));
            break;
        }
        case PSBT_IN_MUSIG2_PARTIAL_SIG: {
            if (key.size() != 67 && key.size() != 99) {
                Fail("Input musig2 partial sig key is not expected size of 67 or 99 bytes");
            }
            PubKey agg, part;
            uint256 leaf;
            DeserializeMuSig2Identifier(skey, agg, part, leaf);
            uint256 psig;
            FromVector(s, [&](Reader& r) { psig = ReadUint256(r); });
            in.musig2_partial_sigs[std::make_pair(agg, leaf)].emplace(part, psig);
            break;
        }
        case PSBT_IN_PROPRIETARY:
            in.proprietary.insert(ReadProprietary(skey, key, s));
            break;
        default: {
            PsbtBytes val = ReadBytes(s);
            in.unknown.emplace(std::move(key), std::move(val));
            break;
        }
        }
    }
    if (!found_sep) Fail("Separator is missing at the end of an input map");
    if (in.psbt_version >= 2) {
        if (!found_prev_txid) Fail("Previous TXID is required in PSBTv2");
        if (!found_prev_out) Fail("Previous output's index is required in PSBTv2");
    }
}

void ReadOutput(Reader& s, PsbtOutput& out)
{
    std::set<PsbtBytes> seen;
    bool found_amount = false, found_script = false, found_sep = false;
    while (!s.empty()) {
        PsbtBytes key = ReadBytes(s);
        if (key.empty()) {
            found_sep = true;
            break;
        }
        if (!seen.insert(key).second) Fail("Duplicate Key, output key \"" + HexStr(key) + "\" already provided");
        Reader skey(key);
        uint64_t type = ReadCompactSize(skey);
        switch (type) {
        case PSBT_OUT_REDEEMSCRIPT:
            ExpectedKeySize("Output redeemScript", key, 1);
            out.redeem_script = Script(ReadBytes(s));
            break;
        case PSBT_OUT_WITNESSSCRIPT:
            ExpectedKeySize("Output witnessScript", key, 1);
            out.witness_script = Script(ReadBytes(s));
            break;
        case PSBT_OUT_BIP32_DERIVATION:
            DeserializeHDKeypaths(s, key, out.hd_keypaths);
            break;
        case PSBT_OUT_AMOUNT:
            ExpectedKeySize("Output Amount", key, 1);
            if (out.psbt_version < 2) Fail("Output amount is not allowed in PSBTv0");
            FromVector(s, [&](Reader& r) { out.amount = ReadInt<int64_t>(r); });
            found_amount = true;
            break;
        case PSBT_OUT_SCRIPT:
            ExpectedKeySize("Output Script", key, 1);
            if (out.psbt_version < 2) Fail("Output script is not allowed in PSBTv0");
            out.script = Script(ReadBytes(s));
            found_script = true;
            break;
        case PSBT_OUT_TAP_INTERNAL_KEY:
            ExpectedKeySize("Output Taproot Internal Key", key, 1);
            FromVector(s, [&](Reader& r) { out.tap_internal_key = XOnlyPubKey(ReadUint256(r)); });
            break;
        case PSBT_OUT_TAP_TREE: {
            ExpectedKeySize("Output Taproot Tree Key", key, 1);
            PsbtBytes tree = ReadBytes(s);
            Reader st(tree);
            if (st.empty()) Fail("Output Taproot tree must not be empty");
            std::vector<int> depths;
            bool valid = true;
            while (!st.empty()) {
                uint8_t depth = ReadInt<uint8_t>(st);
                uint8_t leaf_ver = ReadInt<uint8_t>(st);
                PsbtBytes script = ReadBytes(st);
                if (depth > TAPROOT_CONTROL_MAX_NODE_COUNT) {
                    Fail("Output Taproot tree has as leaf greater than Taproot maximum depth");
                }
                if ((leaf_ver & ~TAPROOT_LEAF_MASK) != 0) {
                    Fail("Output Taproot tree has a leaf with an invalid leaf version");
                }
                out.tap_tree.emplace_back(depth, leaf_ver, std::move(script));
                depths.push_back(depth);
            }
            if (valid && !TaprootDepthsValid(depths)) Fail("Output Taproot tree is malformed");
            break;
        }
        case PSBT_OUT_TAP_BIP32_DERIVATION: {
            ExpectedKeySize("Output Taproot BIP32 Keypath", key, 33);
            XOnlyPubKey xonly(std::span<const uint8_t>(key).subspan(1, 32));
            out.tap_bip32_paths.emplace(xonly, ReadTapBip32(s, "Output"));
            break;
        }
        case PSBT_OUT_MUSIG2_PARTICIPANT_PUBKEYS:
            ExpectedKeySize("Output MuSig2 Participants Pubkeys", key, 34);
            DeserializeMuSig2Participants(s, skey, out.musig2_participants, "Output");
            break;
        case PSBT_OUT_PROPRIETARY:
            out.proprietary.insert(ReadProprietary(skey, key, s));
            break;
        default: {
            PsbtBytes val = ReadBytes(s);
            out.unknown.emplace(std::move(key), std::move(val));
            break;
        }
        }
    }
    if (!found_sep) Fail("Separator is missing at the end of an output map");
    if (out.psbt_version >= 2) {
        if (!found_amount) Fail("Output amount is required in PSBTv2");
        if (!found_script) Fail("Output script is required in PSBTv2");
    }
}

/** An xpub record is invalid when its key is, or when a depth-0 key claims a parent or child number (Core). */
bool ExtPubKeyValid(const PsbtExtPubKey& x)
{
    const auto& d = x.data;
    bool zero_fp = d[5] == 0 && d[6] == 0 && d[7] == 0 && d[8] == 0;
    bool zero_child = d[9] == 0 && d[10] == 0 && d[11] == 0 && d[12] == 0;
    if (d[4] == 0 && (!zero_child || !zero_fp)) return false;
    PubKey pk(x.PubKeyBytes());
    return pk.IsFullyValid();
}

void ReadPsbt(Reader& s, Psbt& psbt)
{
    std::array<uint8_t, 5> magic;
    s.read(magic);
    if (!std::equal(magic.begin(), magic.end(), PSBT_MAGIC_BYTES)) Fail("Invalid PSBT magic bytes");

    std::set<PsbtBytes> seen;
    bool found_sep = false;
    std::optional<MutableTransaction> tx;
    uint64_t input_count = 0, output_count = 0;
    bool found_input_count = false, found_output_count = false, found_tx_version = false,
         found_fallback_locktime = false;
    while (!s.empty()) {
        PsbtBytes key = ReadBytes(s);
        if (key.empty()) {
            found_sep = true;
            break;
        }
        if (!seen.insert(key).second) Fail("Duplicate Key, global key \"" + HexStr(key) + "\" already provided");
        Reader skey(key);
        uint64_t type = ReadCompactSize(skey);
        switch (type) {
        case PSBT_GLOBAL_UNSIGNED_TX: {
            ExpectedKeySize("Global Unsigned TX", key, 1);
            tx.emplace();
            FromVector(s, [&](Reader& r) { UnserializeTransaction(r, *tx, false); });
            for (const TxIn& in : tx->vin) {
                if (!in.script_sig.empty() || !in.witness.IsNull()) {
                    Fail("Unsigned tx does not have empty scriptSigs and scriptWitnesses.");
                }
            }
            psbt.tx_version = static_cast<uint32_t>(tx->version);
            psbt.fallback_locktime = tx->lock_time;
            input_count = tx->vin.size();
            output_count = tx->vout.size();
            break;
        }
        case PSBT_GLOBAL_TX_VERSION:
            ExpectedKeySize("Global Transaction Version", key, 1);
            FromVector(s, [&](Reader& r) { psbt.tx_version = ReadInt<uint32_t>(r); });
            found_tx_version = true;
            break;
        case PSBT_GLOBAL_FALLBACK_LOCKTIME:
            ExpectedKeySize("Global Fallback Locktime", key, 1);
            psbt.fallback_locktime.emplace();
            FromVector(s, [&](Reader& r) { psbt.fallback_locktime = ReadInt<uint32_t>(r); });
            found_fallback_locktime = true;
            break;
        case PSBT_GLOBAL_INPUT_COUNT:
            ExpectedKeySize("Global Input Count", key, 1);
            FromVector(s, [&](Reader& r) { input_count = ReadCompactSize(r); });
            found_input_count = true;
            break;
        case PSBT_GLOBAL_OUTPUT_COUNT:
            ExpectedKeySize("Global Output Count", key, 1);
            FromVector(s, [&](Reader& r) { output_count = ReadCompactSize(r); });
            found_output_count = true;
            break;
        case PSBT_GLOBAL_TX_MODIFIABLE:
            ExpectedKeySize("Global TX Modifiable Flags", key, 1);
            FromVector(s, [&](Reader& r) { psbt.tx_modifiable = ReadInt<uint8_t>(r); });
            break;
        case PSBT_GLOBAL_XPUB: {
            ExpectedKeySize("Global XPUB", key, BIP32_EXTKEY_WITH_VERSION_SIZE + 1);
            PsbtExtPubKey xpub;
            std::copy(key.begin() + 1, key.end(), xpub.data.begin());
            if (!ExtPubKeyValid(xpub)) Fail("Invalid pubkey");
            KeyOriginInfo origin = DeserializeKeyOrigin(s, ReadCompactSize(s));
            psbt.xpubs[origin].insert(xpub);
            break;
        }
        case PSBT_GLOBAL_VERSION: {
            ExpectedKeySize("Global PSBT Version", key, 1);
            uint32_t v = 0;
            FromVector(s, [&](Reader& r) { v = ReadInt<uint32_t>(r); });
            psbt.version = v;
            if (v > PSBT_HIGHEST_VERSION) Fail("Unsupported version number");
            break;
        }
        case PSBT_GLOBAL_PROPRIETARY:
            psbt.proprietary.insert(ReadProprietary(skey, key, s));
            break;
        default: {
            PsbtBytes val = ReadBytes(s);
            psbt.unknown.emplace(std::move(key), std::move(val));
            break;
        }
        }
    }
    if (!found_sep) Fail("Separator is missing at the end of the global map");

    const uint32_t ver = psbt.GetVersion();
    if (ver == 0) {
        if (!tx) Fail("No unsigned transaction was provided");
        if (found_tx_version) Fail("PSBT_GLOBAL_TX_VERSION is not allowed in PSBTv0");
        if (found_fallback_locktime) Fail("PSBT_GLOBAL_FALLBACK_LOCKTIME is not allowed in PSBTv0");
        if (found_input_count) Fail("PSBT_GLOBAL_INPUT_COUNT is not allowed in PSBTv0");
        if (found_output_count) Fail("PSBT_GLOBAL_OUTPUT_COUNT is not allowed in PSBTv0");
        if (psbt.tx_modifiable) Fail("PSBT_GLOBAL_TX_MODIFIABLE is not allowed in PSBTv0");
    }
    if (ver == 1) Fail("There is no PSBT version 1");
    if (ver == 2) {
        if (!found_tx_version) Fail("PSBT_GLOBAL_TX_VERSION is required in PSBTv2");
        if (!found_input_count) Fail("PSBT_GLOBAL_INPUT_COUNT is required in PSBTv2");
        if (!found_output_count) Fail("PSBT_GLOBAL_OUTPUT_COUNT is required in PSBTv2");
        if (tx) Fail("PSBT_GLOBAL_UNSIGNED_TX is not allowed in PSBTv2");
    }
    if (ver > 2) Fail("Unknown PSBT version");

    // Maps are read while data remains, so a forged count never allocates ahead of the bytes that back it.
    uint64_t i = 0;
    while (!s.empty() && i < input_count) {
        PsbtInput& in = psbt.inputs.emplace_back();
        in.psbt_version = ver;
        if (ver < 2) {
            in.prev_txid = tx->vin[i].prevout.hash;
            in.prev_out = tx->vin[i].prevout.n;
            in.sequence = tx->vin[i].sequence;
        }
        ReadInput(s, in);
        if (in.non_witness_utxo) {
            if (in.non_witness_utxo->GetHash() != in.prev_txid) Fail("Non-witness UTXO does not match outpoint hash");
            if (in.prev_out >= in.non_witness_utxo->vout.size()) {
                Fail("Input specifies output index that does not exist");
            }
        }
        ++i;
    }
    if (psbt.inputs.size() != input_count) {
        Fail("Inputs provided does not match the number of inputs in transaction.");
    }
    i = 0;
    while (!s.empty() && i < output_count) {
        PsbtOutput& out = psbt.outputs.emplace_back();
        out.psbt_version = ver;
        if (ver < 2) {
            out.amount = tx->vout[i].value;
            out.script = tx->vout[i].script_pubkey;
        }
        ReadOutput(s, out);
        ++i;
    }
    if (psbt.outputs.size() != output_count) {
        Fail("Outputs provided does not match the number of outputs in transaction.");
    }
}

// ---- writing ---------------------------------------------------------------------------------------------

using Writer = VectorWriter;

void WriteKey(Writer& w, uint8_t type, std::span<const uint8_t> data = {})
{
    WriteCompactSize(w, 1 + data.size());
    WriteLE<Writer, uint8_t>(w, type);
    w.write(data);
}

void WriteKey2(Writer& w, uint8_t type, std::span<const uint8_t> a, std::span<const uint8_t> b)
{
    WriteCompactSize(w, 1 + a.size() + b.size());
    WriteLE<Writer, uint8_t>(w, type);
    w.write(a);
    w.write(b);
}

template <typename T>
void WriteIntValue(Writer& w, T v)
{
    WriteCompactSize(w, sizeof(T));
    WriteLE(w, v);
}

std::span<const uint8_t> Span(const uint256& h) { return {h.data(), h.size()}; }
std::span<const uint8_t> Span(const uint160& h) { return {h.data(), h.size()}; }
std::span<const uint8_t> Span(const XOnlyPubKey& k) { return {k.data(), k.size()}; }

void WriteKeyOrigin(Writer& w, const KeyOriginInfo& o)
{
    w.write(o.fingerprint);
    for (uint32_t p : o.path) WriteLE(w, p);
}

void WriteHDKeypaths(Writer& w, const std::map<PubKey, KeyOriginInfo>& paths, uint8_t type)
{
    for (const auto& [pk, origin] : paths) {
        WriteKey(w, type, pk.bytes());
        WriteCompactSize(w, (origin.path.size() + 1) * 4);
        WriteKeyOrigin(w, origin);
    }
}

void WriteTapBip32(Writer& w, const std::map<XOnlyPubKey, TapLeafOrigins>& paths, uint8_t type)
{
    for (const auto& [xonly, leaf_origin] : paths) {
        WriteKey(w, type, Span(xonly));
        PsbtBytes value;
        Writer v(value);
        WriteCompactSize(v, leaf_origin.first.size());
        for (const uint256& h : leaf_origin.first) WriteBlob(v, h);
        WriteKeyOrigin(v, leaf_origin.second);
        WriteBytes(w, value);
    }
}

void WriteMuSigParticipants(Writer& w, const std::map<PubKey, std::vector<PubKey>>& parts, uint8_t type)
{
    for (const auto& [agg, pubs] : parts) {
        WriteKey(w, type, agg.bytes());
        PsbtBytes value;
        for (const PubKey& pk : pubs) value.insert(value.end(), pk.begin(), pk.end());
        WriteBytes(w, value);
    }
}

void WriteProprietaryAndUnknown(Writer& w, const std::set<PsbtProprietary>& prop)
{
    for (const auto& p : prop) {
        WriteBytes(w, p.key);
        WriteBytes(w, p.value);
    }
}

void WriteUnknown(Writer& w, const std::map<PsbtBytes, PsbtBytes>& unknown)
{
    for (const auto& [k, v] : unknown) {
        WriteBytes(w, k);
        WriteBytes(w, v);
    }
}

void WriteInput(Writer& w, const PsbtInput& in)
{
    if (in.non_witness_utxo) {
        WriteKey(w, PSBT_IN_NON_WITNESS_UTXO);
        WriteBytes(w, EncodeTransaction(*in.non_witness_utxo, false));
    }
    if (!in.witness_utxo.IsNull()) {
        WriteKey(w, PSBT_IN_WITNESS_UTXO);
        PsbtBytes v;
        Writer vw(v);
        SerializeTxOut(vw, in.witness_utxo);
        WriteBytes(w, v);
    }
    if (in.final_script_sig.empty() && in.final_script_witness.IsNull()) {
        for (const auto& [id, sig] : in.partial_sigs) {
            WriteKey(w, PSBT_IN_PARTIAL_SIG, sig.first.bytes());
            WriteBytes(w, sig.second);
        }
        if (in.sighash_type) {
            WriteKey(w, PSBT_IN_SIGHASH);
            WriteIntValue<int32_t>(w, *in.sighash_type);
        }
        if (!in.redeem_script.empty()) {
            WriteKey(w, PSBT_IN_REDEEMSCRIPT);
            WriteBytes(w, in.redeem_script.bytes());
        }
        if (!in.witness_script.empty()) {
            WriteKey(w, PSBT_IN_WITNESSSCRIPT);
            WriteBytes(w, in.witness_script.bytes());
        }
        WriteHDKeypaths(w, in.hd_keypaths, PSBT_IN_BIP32_DERIVATION);
        for (const auto& [h, pre] : in.ripemd160_preimages) {
            WriteKey(w, PSBT_IN_RIPEMD160, Span(h));
            WriteBytes(w, pre);
        }
        for (const auto& [h, pre] : in.sha256_preimages) {
            WriteKey(w, PSBT_IN_SHA256, Span(h));
            WriteBytes(w, pre);
        }
        for (const auto& [h, pre] : in.hash160_preimages) {
            WriteKey(w, PSBT_IN_HASH160, Span(h));
            WriteBytes(w, pre);
        }
        for (const auto& [h, pre] : in.hash256_preimages) {
            WriteKey(w, PSBT_IN_HASH256, Span(h));
            WriteBytes(w, pre);
        }
        if (!in.tap_key_sig.empty()) {
            WriteKey(w, PSBT_IN_TAP_KEY_SIG);
            WriteBytes(w, in.tap_key_sig);
        }
        for (const auto& [kl, sig] : in.tap_script_sigs) {
            WriteKey2(w, PSBT_IN_TAP_SCRIPT_SIG, Span(kl.first), Span(kl.second));
            WriteBytes(w, sig);
        }
        for (const auto& [leaf, cbs] : in.tap_scripts) {
            for (const auto& cb : cbs) {
                WriteKey(w, PSBT_IN_TAP_LEAF_SCRIPT, cb);
                PsbtBytes v(leaf.first);
                v.push_back(static_cast<uint8_t>(leaf.second));
                WriteBytes(w, v);
            }
        }
        WriteTapBip32(w, in.tap_bip32_paths, PSBT_IN_TAP_BIP32_DERIVATION);
        if (!in.tap_internal_key.GetUint256().IsNull()) {
            WriteKey(w, PSBT_IN_TAP_INTERNAL_KEY);
            WriteBytes(w, Span(in.tap_internal_key));
        }
        if (!in.tap_merkle_root.IsNull()) {
            WriteKey(w, PSBT_IN_TAP_MERKLE_ROOT);
            WriteBytes(w, Span(in.tap_merkle_root));
        }
        WriteMuSigParticipants(w, in.musig2_participants, PSBT_IN_MUSIG2_PARTICIPANT_PUBKEYS);
        for (const auto& [agg_leaf, nonces] : in.musig2_pubnonces) {
            for (const auto& [part, nonce] : nonces) {
                PsbtBytes k(part.begin(), part.end());
                k.insert(k.end(), agg_leaf.first.begin(), agg_leaf.first.end());
                if (!agg_leaf.second.IsNull()) k.insert(k.end(), agg_leaf.second.begin(), agg_leaf.second.end());
                WriteKey(w, PSBT_IN_MUSIG2_PUB_NONCE, k);
                WriteBytes(w, nonce);
            }
        }
        for (const auto& [agg_leaf, psigs] : in.musig2_partial_sigs) {
            for (const auto& [part, psig] : psigs) {
                PsbtBytes k(part.begin(), part.end());
                k.insert(k.end(), agg_leaf.first.begin(), agg_leaf.first.end());
                if (!agg_leaf.second.IsNull()) k.insert(k.end(), agg_leaf.second.begin(), agg_leaf.second.end());
                WriteKey(w, PSBT_IN_MUSIG2_PARTIAL_SIG, k);
                WriteBytes(w, Span(psig));
            }
        }
    }
    if (!in.final_script_sig.empty()) {
        WriteKey(w, PSBT_IN_SCRIPTSIG);
        WriteBytes(w, in.final_script_sig.bytes());
    }
    if (!in.final_script_witness.IsNull()) {
        WriteKey(w, PSBT_IN_SCRIPTWITNESS);
        PsbtBytes v;
        Writer vw(v);
        WriteCompactSize(vw, in.final_script_witness.stack.size());
        for (const auto& item : in.final_script_witness.stack) WriteBytes(vw, item);
        WriteBytes(w, v);
    }
    if (in.psbt_version >= 2) {
        WriteKey(w, PSBT_IN_PREVIOUS_TXID);
        WriteBytes(w, Span(in.prev_txid));
        WriteKey(w, PSBT_IN_OUTPUT_INDEX);
        WriteIntValue<uint32_t>(w, in.prev_out);
        if (in.sequence) {
            WriteKey(w, PSBT_IN_SEQUENCE);
            WriteIntValue<uint32_t>(w, *in.sequence);
        }
        if (in.time_locktime) {
            WriteKey(w, PSBT_IN_REQUIRED_TIME_LOCKTIME);
            WriteIntValue<uint32_t>(w, *in.time_locktime);
        }
        if (in.height_locktime) {
            WriteKey(w, PSBT_IN_REQUIRED_HEIGHT_LOCKTIME);
            WriteIntValue<uint32_t>(w, *in.height_locktime);
        }
    }
    WriteProprietaryAndUnknown(w, in.proprietary);
    WriteUnknown(w, in.unknown);
    WriteCompactSize(w, 0);
}

void WriteOutput(Writer& w, const PsbtOutput& out)
{
    if (!out.redeem_script.empty()) {
        WriteKey(w, PSBT_OUT_REDEEMSCRIPT);
        WriteBytes(w, out.redeem_script.bytes());
    }
    if (!out.witness_script.empty()) {
        WriteKey(w, PSBT_OUT_WITNESSSCRIPT);
        WriteBytes(w, out.witness_script.bytes());
    }
    WriteHDKeypaths(w, out.hd_keypaths, PSBT_OUT_BIP32_DERIVATION);
    if (out.psbt_version >= 2) {
        WriteKey(w, PSBT_OUT_AMOUNT);
        WriteIntValue<int64_t>(w, out.amount);
        WriteKey(w, PSBT_OUT_SCRIPT);
        WriteBytes(w, out.script.bytes());
    }
    // Core writes output proprietary records before the taproot fields.
    WriteProprietaryAndUnknown(w, out.proprietary);
    if (!out.tap_internal_key.GetUint256().IsNull()) {
        WriteKey(w, PSBT_OUT_TAP_INTERNAL_KEY);
        WriteBytes(w, Span(out.tap_internal_key));
    }
    if (!out.tap_tree.empty()) {
        WriteKey(w, PSBT_OUT_TAP_TREE);
        PsbtBytes v;
        Writer vw(v);
        for (const auto& [depth, leaf_ver, script] : out.tap_tree) {
            WriteLE<Writer, uint8_t>(vw, depth);
            WriteLE<Writer, uint8_t>(vw, leaf_ver);
            WriteBytes(vw, script);
        }
        WriteBytes(w, v);
    }
    WriteTapBip32(w, out.tap_bip32_paths, PSBT_OUT_TAP_BIP32_DERIVATION);
    WriteMuSigParticipants(w, out.musig2_participants, PSBT_OUT_MUSIG2_PARTICIPANT_PUBKEYS);
    WriteUnknown(w, out.unknown);
    WriteCompactSize(w, 0);
}

}  // namespace

bool operator<(const PsbtExtPubKey& a, const PsbtExtPubKey& b)
{
    PubKey pa(a.PubKeyBytes()), pb(b.PubKeyBytes());
    if (pa < pb) return true;
    if (pb < pa) return false;
    auto ca = a.ChainCode(), cb = b.ChainCode();
    return std::lexicographical_compare(ca.begin(), ca.end(), cb.begin(), cb.end());
}

bool TaprootDepthsValid(const std::vector<int>& depths)
{
    std::vector<bool> branch;
    for (int depth : depths) {
        if (depth < 0 || static_cast<size_t>(depth) > TAPROOT_CONTROL_MAX_NODE_COUNT) return false;
        if (static_cast<size_t>(depth) + 1 < branch.size()) return false;
        while (branch.size() > static_cast<size_t>(depth) && branch[depth]) {
            branch.pop_back();
            if (depth == 0) return false;
            --depth;
        }
        if (branch.size() <= static_cast<size_t>(depth)) branch.resize(static_cast<size_t>(depth) + 1);
        branch[depth] = true;
    }
    return branch.empty() || (branch.size() == 1 && branch[0]);
}

PsbtDecodeResult DecodeRawPsbt(std::span<const uint8_t> bytes)
{
    PsbtDecodeResult res;
    Reader r(bytes);
    try {
        Psbt psbt;
        ReadPsbt(r, psbt);
        if (!r.empty()) {
            res.error = "extra data after PSBT";
            return res;
        }
        res.psbt = std::move(psbt);
    } catch (const DeserializeError& e) {
        std::string msg = e.what();
        // The transaction reader of primitives/ reports truncation without Core's stream prefix.
        if (msg == "end of data") msg = "SpanReader::read(): end of data";
        // Core reports std::ios_base::failure texts, which carry this suffix with libstdc++.
        res.error = msg + ": iostream error";
    } catch (const std::exception& e) {
        res.error = e.what();
    }
    return res;
}

PsbtDecodeResult DecodeBase64Psbt(const std::string& text)
{
    auto bytes = Base64Decode(text);
    if (!bytes) {
        PsbtDecodeResult res;
        res.error = "invalid base64";
        return res;
    }
    return DecodeRawPsbt(*bytes);
}

PsbtBytes SerializePsbt(const Psbt& psbt)
{
    PsbtBytes out;
    Writer w(out);
    w.write(PSBT_MAGIC_BYTES);
    const uint32_t ver = psbt.GetVersion();
    if (ver < 2) {
        WriteKey(w, PSBT_GLOBAL_UNSIGNED_TX);
        auto tx = psbt.GetUnsignedTx();
        WriteBytes(w, tx ? EncodeTransaction(*tx, false) : PsbtBytes{});
    }
    for (const auto& [origin, set] : psbt.xpubs) {
        for (const auto& xpub : set) {
            WriteKey(w, PSBT_GLOBAL_XPUB, xpub.data);
            WriteCompactSize(w, (origin.path.size() + 1) * 4);
            WriteKeyOrigin(w, origin);
        }
    }
    if (ver >= 2) {
        WriteKey(w, PSBT_GLOBAL_TX_VERSION);
        WriteIntValue<uint32_t>(w, psbt.tx_version);
        if (psbt.fallback_locktime) {
            WriteKey(w, PSBT_GLOBAL_FALLBACK_LOCKTIME);
            WriteIntValue<uint32_t>(w, *psbt.fallback_locktime);
        }
        WriteKey(w, PSBT_GLOBAL_INPUT_COUNT);
        WriteCompactSize(w, CompactSizeLen(psbt.inputs.size()));
        WriteCompactSize(w, psbt.inputs.size());
        WriteKey(w, PSBT_GLOBAL_OUTPUT_COUNT);
        WriteCompactSize(w, CompactSizeLen(psbt.outputs.size()));
        WriteCompactSize(w, psbt.outputs.size());
        if (psbt.tx_modifiable) {
            WriteKey(w, PSBT_GLOBAL_TX_MODIFIABLE);
            WriteIntValue<uint8_t>(w, *psbt.tx_modifiable);
        }
    }
    if (ver > 0) {
        WriteKey(w, PSBT_GLOBAL_VERSION);
        WriteIntValue<uint32_t>(w, ver);
    }
    WriteProprietaryAndUnknown(w, psbt.proprietary);
    WriteUnknown(w, psbt.unknown);
    WriteCompactSize(w, 0);
    for (const auto& in : psbt.inputs) WriteInput(w, in);
    for (const auto& out : psbt.outputs) WriteOutput(w, out);
    return out;
}

std::string EncodeBase64Psbt(const Psbt& psbt) { return Base64Encode(SerializePsbt(psbt)); }

// ---- base64 ----------------------------------------------------------------------------------------------

std::string Base64Encode(std::span<const uint8_t> data)
{
    static const char* TABLE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((data.size() + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 3 <= data.size(); i += 3) {
        uint32_t v = (uint32_t(data[i]) << 16) | (uint32_t(data[i + 1]) << 8) | data[i + 2];
        out += TABLE[v >> 18];
        out += TABLE[(v >> 12) & 63];
        out += TABLE[(v >> 6) & 63];
        out += TABLE[v & 63];
    }
    if (data.size() - i == 1) {
        uint32_t v = uint32_t(data[i]) << 16;
        out += TABLE[v >> 18];
        out += TABLE[(v >> 12) & 63];
        out += "==";
    } else if (data.size() - i == 2) {
        uint32_t v = (uint32_t(data[i]) << 16) | (uint32_t(data[i + 1]) << 8);
        out += TABLE[v >> 18];
        out += TABLE[(v >> 12) & 63];
        out += TABLE[(v >> 6) & 63];
        out += '=';
    }
    return out;
}

std::optional<PsbtBytes> Base64Decode(std::string_view str)
{
    // Core's DecodeBase64: length a multiple of 4, at most two trailing '=', no stray bits.
    if (str.size() % 4 != 0) return std::nullopt;
    if (!str.empty() && str.back() == '=') str.remove_suffix(1);
    if (!str.empty() && str.back() == '=') str.remove_suffix(1);
    PsbtBytes out;
    out.reserve(str.size() * 3 / 4);
    uint32_t acc = 0;
    int bits = 0;
    for (char c : str) {
        int v;
        if (c >= 'A' && c <= 'Z') v = c - 'A';
        else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
        else if (c >= '0' && c <= '9') v = c - '0' + 52;
        else if (c == '+') v = 62;
        else if (c == '/') v = 63;
        else return std::nullopt;
        acc = ((acc << 6) | static_cast<uint32_t>(v)) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<uint8_t>(acc >> bits));
        }
    }
    if (bits >= 6 || ((acc << (8 - bits)) & 0xff)) return std::nullopt;
    return out;
}

// ---- roles on the data model -----------------------------------------------------------------------------

Psbt::Psbt(const MutableTransaction& tx, uint32_t psbt_version) : version(psbt_version)
{
    tx_version = static_cast<uint32_t>(tx.version);
    fallback_locktime = tx.lock_time;
    for (const TxIn& txin : tx.vin) {
        PsbtInput& in = inputs.emplace_back();
        in.psbt_version = psbt_version;
        in.prev_txid = txin.prevout.hash;
        in.prev_out = txin.prevout.n;
        in.sequence = txin.sequence;
    }
    for (const TxOut& txout : tx.vout) {
        PsbtOutput& out = outputs.emplace_back();
        out.psbt_version = psbt_version;
        out.amount = txout.value;
        out.script = txout.script_pubkey;
    }
}

namespace {
/** BIP370 locktime choice over inputs (plus an optional extra input's requirements): false when time and height
 *  requirements conflict; else the lock, or 0 when no input requires one. Plain flags instead of optionals keep
 *  GCC's maybe-uninitialized analysis quiet. */
bool ChooseLockTime(const std::vector<PsbtInput>& inputs, const PsbtInput* extra, uint32_t& lock)
{
    bool time_ok = true, height_ok = true;
    uint32_t time_lock = 0, height_lock = 0;
    if (extra) {
        time_ok = extra->time_locktime.has_value();
        height_ok = extra->height_locktime.has_value();
        time_lock = extra->time_locktime.value_or(0);
        height_lock = extra->height_locktime.value_or(0);
    }
    for (const PsbtInput& in : inputs) {
        const bool has_time = in.time_locktime.has_value(), has_height = in.height_locktime.has_value();
        if (has_time && !has_height) {
            height_ok = false;
            if (!time_ok) return false;
        } else if (!has_time && has_height) {
            time_ok = false;
            if (!height_ok) return false;
        }
        if (has_time && time_ok) time_lock = std::max(time_lock, *in.time_locktime);
        if (has_height && height_ok) height_lock = std::max(height_lock, *in.height_locktime);
    }
    lock = 0;
    if (height_ok && height_lock > 0) {
        lock = height_lock;
    } else if (time_ok && time_lock > 0) {
        lock = time_lock;
    }
    return true;
}
}  // namespace

std::optional<uint32_t> Psbt::ComputeTimeLock() const
{
    if (GetVersion() >= 2) {
        uint32_t lock = 0;
        if (!ChooseLockTime(inputs, nullptr, lock)) return std::nullopt;
        if (lock > 0) return lock;
    }
    return fallback_locktime.value_or(0);
}

std::optional<MutableTransaction> Psbt::GetUnsignedTx() const
{
    MutableTransaction mtx;
    mtx.version = static_cast<int32_t>(tx_version);
    auto locktime = ComputeTimeLock();
    if (!locktime) return std::nullopt;
    mtx.lock_time = *locktime;
    for (const PsbtInput& in : inputs) {
        TxIn txin;
        txin.prevout = OutPoint(in.prev_txid, in.prev_out);
        txin.sequence = in.sequence.value_or(TxIn::SEQUENCE_FINAL);
        mtx.vin.push_back(std::move(txin));
    }
    for (const PsbtOutput& out : outputs) mtx.vout.emplace_back(out.amount, out.script);
    return mtx;
}

std::optional<uint256> Psbt::GetUniqueId() const
{
    auto mtx = GetUnsignedTx();
    if (!mtx) return std::nullopt;
    if (GetVersion() >= 2) {
        for (TxIn& in : mtx->vin) in.sequence = 0;
    }
    return mtx->GetHash();
}

bool PsbtInput::GetUTXO(TxOut& utxo) const
{
    if (non_witness_utxo) {
        if (prev_out >= non_witness_utxo->vout.size()) return false;
        if (non_witness_utxo->GetHash() != prev_txid) return false;
        utxo = non_witness_utxo->vout[prev_out];
    } else if (!witness_utxo.IsNull()) {
        utxo = witness_utxo;
    } else {
        return false;
    }
    return true;
}

bool PsbtInput::HasSignatures() const
{
    return !final_script_sig.empty() || !final_script_witness.IsNull() || !partial_sigs.empty() ||
           !tap_key_sig.empty() || !tap_script_sigs.empty() || !musig2_partial_sigs.empty();
}

void PsbtInput::Merge(const PsbtInput& o)
{
    if (!non_witness_utxo && o.non_witness_utxo) non_witness_utxo = o.non_witness_utxo;
    if (witness_utxo.IsNull() && !o.witness_utxo.IsNull()) witness_utxo = o.witness_utxo;
    partial_sigs.insert(o.partial_sigs.begin(), o.partial_sigs.end());
    ripemd160_preimages.insert(o.ripemd160_preimages.begin(), o.ripemd160_preimages.end());
    sha256_preimages.insert(o.sha256_preimages.begin(), o.sha256_preimages.end());
    hash160_preimages.insert(o.hash160_preimages.begin(), o.hash160_preimages.end());
    hash256_preimages.insert(o.hash256_preimages.begin(), o.hash256_preimages.end());
    hd_keypaths.insert(o.hd_keypaths.begin(), o.hd_keypaths.end());
    proprietary.insert(o.proprietary.begin(), o.proprietary.end());
    unknown.insert(o.unknown.begin(), o.unknown.end());
    tap_script_sigs.insert(o.tap_script_sigs.begin(), o.tap_script_sigs.end());
    tap_scripts.insert(o.tap_scripts.begin(), o.tap_scripts.end());
    tap_bip32_paths.insert(o.tap_bip32_paths.begin(), o.tap_bip32_paths.end());
    if (redeem_script.empty() && !o.redeem_script.empty()) redeem_script = o.redeem_script;
    if (witness_script.empty() && !o.witness_script.empty()) witness_script = o.witness_script;
    if (final_script_sig.empty() && !o.final_script_sig.empty()) final_script_sig = o.final_script_sig;
    if (final_script_witness.IsNull() && !o.final_script_witness.IsNull()) final_script_witness = o.final_script_witness;
    if (tap_key_sig.empty() && !o.tap_key_sig.empty()) tap_key_sig = o.tap_key_sig;
    if (tap_internal_key.GetUint256().IsNull() && !o.tap_internal_key.GetUint256().IsNull()) {
        tap_internal_key = o.tap_internal_key;
    }
    if (tap_merkle_root.IsNull() && !o.tap_merkle_root.IsNull()) tap_merkle_root = o.tap_merkle_root;
    musig2_participants.insert(o.musig2_participants.begin(), o.musig2_participants.end());
    for (const auto& [k, v] : o.musig2_pubnonces) musig2_pubnonces[k].insert(v.begin(), v.end());
    for (const auto& [k, v] : o.musig2_partial_sigs) musig2_partial_sigs[k].insert(v.begin(), v.end());
    if (!sequence && o.sequence) sequence = o.sequence;
    if (!time_locktime && o.time_locktime) time_locktime = o.time_locktime;
    if (!height_locktime && o.height_locktime) height_locktime = o.height_locktime;
}

void PsbtOutput::Merge(const PsbtOutput& o)
{
    hd_keypaths.insert(o.hd_keypaths.begin(), o.hd_keypaths.end());
    proprietary.insert(o.proprietary.begin(), o.proprietary.end());
    unknown.insert(o.unknown.begin(), o.unknown.end());
    tap_bip32_paths.insert(o.tap_bip32_paths.begin(), o.tap_bip32_paths.end());
    if (redeem_script.empty() && !o.redeem_script.empty()) redeem_script = o.redeem_script;
    if (witness_script.empty() && !o.witness_script.empty()) witness_script = o.witness_script;
    if (tap_internal_key.GetUint256().IsNull() && !o.tap_internal_key.GetUint256().IsNull()) {
        tap_internal_key = o.tap_internal_key;
    }
    if (tap_tree.empty() && !o.tap_tree.empty()) tap_tree = o.tap_tree;
    musig2_participants.insert(o.musig2_participants.begin(), o.musig2_participants.end());
}

bool Psbt::Merge(const Psbt& o)
{
    auto a = GetUniqueId(), b = o.GetUniqueId();
    if (!a || !b || *a != *b) return false;
    if (GetVersion() != o.GetVersion()) return false;
    for (size_t i = 0; i < inputs.size(); ++i) inputs[i].Merge(o.inputs[i]);
    for (size_t i = 0; i < outputs.size(); ++i) outputs[i].Merge(o.outputs[i]);
    // Global xpubs: an xpub already present keeps its origin (records are keyed by the xpub).
    for (const auto& [origin, set] : o.xpubs) {
        for (const auto& x : set) {
            bool known = std::any_of(xpubs.begin(), xpubs.end(), [&](const auto& e) { return e.second.count(x) > 0; });
            if (!known) xpubs[origin].insert(x);
        }
    }
    if (!fallback_locktime && o.fallback_locktime) fallback_locktime = o.fallback_locktime;
    if (tx_modifiable || o.tx_modifiable) {
        std::bitset<8> mine(tx_modifiable.value_or(0)), theirs(o.tx_modifiable.value_or(0));
        std::bitset<8> merged = mine & theirs;
        // BIP370: the SIGHASH_SINGLE bit (2) is OR'd, the others AND'd.
        merged.set(2, mine[2] || theirs[2]);
        tx_modifiable = static_cast<uint8_t>(merged.to_ulong());
    }
    proprietary.insert(o.proprietary.begin(), o.proprietary.end());
    unknown.insert(o.unknown.begin(), o.unknown.end());
    return true;
}

bool Psbt::AddInput(const PsbtInput& psbtin)
{
    if (psbtin.psbt_version != GetVersion()) return false;
    for (const auto& in : inputs) {
        if (in.prev_txid == psbtin.prev_txid && in.prev_out == psbtin.prev_out) return false;
    }
    if (GetVersion() < 2) {
        PsbtInput& added = inputs.emplace_back(psbtin);
        added.partial_sigs.clear();
        added.final_script_sig.clear();
        added.final_script_witness.stack.clear();
        return true;
    }
    if (!tx_modifiable || !(*tx_modifiable & 1)) return false;
    if (psbtin.time_locktime || psbtin.height_locktime) {
        auto old_lock = ComputeTimeLock();
        if (!old_lock) return false;
        uint32_t new_lock = 0;
        if (!ChooseLockTime(inputs, &psbtin, new_lock)) return false;
        if (new_lock == 0) new_lock = fallback_locktime.value_or(0);
        bool has_sigs = std::any_of(inputs.begin(), inputs.end(), [](const PsbtInput& in) { return in.HasSignatures(); });
        if (has_sigs && *old_lock != new_lock) return false;
    }
    inputs.push_back(psbtin);
    return true;
}

bool Psbt::AddOutput(const PsbtOutput& psbtout)
{
    if (psbtout.psbt_version != GetVersion()) return false;
    if (GetVersion() >= 2 && (!tx_modifiable || !(*tx_modifiable & 2))) return false;
    outputs.push_back(psbtout);
    return true;
}

std::optional<Psbt> CombinePsbts(const std::vector<Psbt>& psbts)
{
    if (psbts.empty()) return std::nullopt;
    Psbt out = psbts[0];
    for (size_t i = 1; i < psbts.size(); ++i) {
        if (!out.Merge(psbts[i])) return std::nullopt;
    }
    return out;
}
