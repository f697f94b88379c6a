// Legacy (Core signmessage) and BIP322 message signing and verification.
#include "message/message.h"

#include "address/destination.h"
#include "crypto/hash.h"
#include "policy/policy.h"
#include "primitives/serialize.h"
#include "psbt/psbt.h"
#include "script/interpreter.h"
#include "script/solver.h"

#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include <openssl/crypto.h>

#include <map>

namespace {

constexpr std::string_view PREFIX_SIMPLE = "smp";
constexpr std::string_view PREFIX_FULL = "ful";
constexpr std::string_view PREFIX_POF = "pof";

const secp256k1_context* RecoveryContext()
{
    // Signing with a context that was never randomized is still correct; Core's SignCompact uses its global
    // (randomized) context, but blinding is a side-channel defence only and RFC6979 fixes the nonce.
    static secp256k1_context* const ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    return ctx;
}

std::vector<uint8_t> SerializeWitnessStack(const ScriptWitness& witness)
{
    std::vector<uint8_t> out;
    VectorWriter w(out);
    WriteCompactSize(w, witness.stack.size());
    for (const auto& item : witness.stack) {
        WriteCompactSize(w, item.size());
        w.write(item);
    }
    return out;
}

/** The simple format's witness stack: exactly the bytes of one serialized stack. */
std::optional<ScriptWitness> ParseWitnessStack(std::span<const uint8_t> bytes)
{
    try {
        SpanReader r(bytes);
        const uint64_t count = ReadCompactSize(r);
        if (count > r.remaining()) return std::nullopt;  // every item takes at least its length byte
        ScriptWitness w;
        for (uint64_t i = 0; i < count; ++i) {
            const uint64_t len = ReadCompactSize(r);
            if (len > r.remaining()) return std::nullopt;
            auto& item = w.stack.emplace_back();
            r.ReadAppend(item, static_cast<size_t>(len));
        }
        if (!r.empty()) return std::nullopt;
        return w;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

bool IsUpgradableError(ScriptError err)
{
    return err == SCRIPT_ERR_DISCOURAGE_UPGRADABLE_NOPS || err == SCRIPT_ERR_DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM ||
           err == SCRIPT_ERR_DISCOURAGE_UPGRADABLE_TAPROOT_VERSION || err == SCRIPT_ERR_DISCOURAGE_OP_SUCCESS ||
           err == SCRIPT_ERR_DISCOURAGE_UPGRADABLE_PUBKEYTYPE;
}

/** BIP322 required rule: every signature commits to the whole transaction (SIGHASH_ALL, or taproot's default). */
class SighashAllChecker : public TransactionSignatureChecker
{
public:
    using TransactionSignatureChecker::TransactionSignatureChecker;
    bool CheckECDSASignature(const std::vector<uint8_t>& sig, const std::vector<uint8_t>& pubkey,
                             const Script& script_code, SigVersion sigversion) const override
    {
        if (!sig.empty() && sig.back() != SIGHASH_ALL) return false;
        return TransactionSignatureChecker::CheckECDSASignature(sig, pubkey, script_code, sigversion);
    }
    bool CheckSchnorrSignature(std::span<const uint8_t> sig, std::span<const uint8_t> pubkey, SigVersion sigversion,
                               ScriptExecutionData& execdata, ScriptError* serror = nullptr) const override
    {
        if (sig.size() == 65 && sig[64] != SIGHASH_ALL) {
            if (serror) *serror = SCRIPT_ERR_SCHNORR_SIG_HASHTYPE;
            return false;
        }
        return TransactionSignatureChecker::CheckSchnorrSignature(sig, pubkey, sigversion, execdata, serror);
    }
};

Bip322Result Fail(Bip322State state, std::string error, Bip322Format format)
{
    Bip322Result r;
    r.state = state;
    r.error = std::move(error);
    r.format = format;
    return r;
}

/** BIP322 "Verification Process" on a decoded to_sign and the outputs its inputs spend. */
Bip322Result VerifyToSign(const MutableTransaction& to_sign_mut, const uint256& to_spend_txid,
                          std::vector<TxOut> spent, Bip322Format format)
{
    if (to_sign_mut.vin.empty() || to_sign_mut.vin[0].prevout != OutPoint(to_spend_txid, 0)) {
        return Fail(Bip322State::INVALID, "to_sign does not spend to_spend", format);
    }
    if (to_sign_mut.vout.size() != 1 || to_sign_mut.vout[0].value != 0 ||
        to_sign_mut.vout[0].script_pubkey != Script(std::vector<uint8_t>{OP_RETURN})) {
        return Fail(Bip322State::INVALID, "to_sign must have exactly one OP_RETURN output of value 0", format);
    }
    if (spent.size() != to_sign_mut.vin.size()) {
        return Fail(Bip322State::INCONCLUSIVE, "spent outputs of the additional inputs are unknown", format);
    }
    // Upgradeable rule: other versions may gain meaning later.
    if (to_sign_mut.version != 0 && to_sign_mut.version != 2) {
        return Fail(Bip322State::INCONCLUSIVE, "to_sign version must be 0 or 2", format);
    }
    const Transaction tx(to_sign_mut);
    PrecomputedTransactionData txdata;
    txdata.Init(tx, std::vector<TxOut>(spent));
    for (size_t i = 0; i < tx.vin.size(); ++i) {
        const SighashAllChecker checker(&tx, static_cast<unsigned int>(i), spent[i].value, txdata,
                                                  MissingDataBehavior::FAIL);
        ScriptError err = SCRIPT_ERR_OK;
        if (!VerifyScript(tx.vin[i].script_sig, spent[i].script_pubkey, &tx.vin[i].witness, Bip322VerifyFlags(),
                          checker, &err)) {
            if (IsUpgradableError(err)) {
                return Fail(Bip322State::INCONCLUSIVE, "upgradeable rule: " + ScriptErrorString(err), format);
            }
            return Fail(Bip322State::INVALID, "invalid signature: " + ScriptErrorString(err), format);
        }
    }
    Bip322Result r;
    r.state = Bip322State::VALID;
    r.format = format;
    r.lock_time = tx.lock_time;
    r.sequence = tx.vin[0].sequence;
    return r;
}

std::optional<MutableTransaction> ParseFullTx(std::span<const uint8_t> bytes)
{
    try {
        auto decoded = DecodeTransaction(bytes, true, true);
        if (!decoded) return std::nullopt;
        return *decoded.value;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

}  // namespace

// ---- legacy ----------------------------------------------------------------------------------------------

uint256 MessageHash(std::string_view message)
{
    HashWriter h;
    WriteCompactSize(h, MESSAGE_MAGIC.size());
    h.write({reinterpret_cast<const uint8_t*>(MESSAGE_MAGIC.data()), MESSAGE_MAGIC.size()});
    WriteCompactSize(h, message.size());
    h.write({reinterpret_cast<const uint8_t*>(message.data()), message.size()});
    return h.GetHash();
}

bool SignCompact(const Key& key, const uint256& hash, std::vector<uint8_t>& sig65)
{
    if (!key.IsValid()) return false;
    secp256k1_ecdsa_recoverable_signature sig;
    if (!secp256k1_ecdsa_sign_recoverable(RecoveryContext(), &sig, hash.data(), key.bytes().data(),
                                          secp256k1_nonce_function_rfc6979, nullptr)) {
        return false;
    }
    int recid = 0;
    sig65.assign(PubKey::COMPACT_SIGNATURE_SIZE, 0);
    secp256k1_ecdsa_recoverable_signature_serialize_compact(RecoveryContext(), sig65.data() + 1, &recid, &sig);
    sig65[0] = static_cast<uint8_t>(27 + recid + (key.IsCompressed() ? 4 : 0));
    return true;
}

std::optional<PubKey> RecoverCompact(const uint256& hash, std::span<const uint8_t> sig65)
{
    if (sig65.size() != PubKey::COMPACT_SIGNATURE_SIZE) return std::nullopt;
    // As Core: the header's low bits give the recovery id and compression; other header values are not rejected.
    const int recid = (sig65[0] - 27) & 3;
    const bool compressed = ((sig65[0] - 27) & 4) != 0;
    secp256k1_ecdsa_recoverable_signature sig;
    if (!secp256k1_ecdsa_recoverable_signature_parse_compact(Secp256k1VerifyContext(), &sig, sig65.data() + 1, recid)) {
        return std::nullopt;
    }
    secp256k1_pubkey pubkey;
    if (!secp256k1_ecdsa_recover(Secp256k1VerifyContext(), &pubkey, &sig, hash.data())) return std::nullopt;
    uint8_t out[PubKey::SIZE];
    size_t len = sizeof(out);
    secp256k1_ec_pubkey_serialize(Secp256k1VerifyContext(), out, &len, &pubkey,
                                  compressed ? SECP256K1_EC_COMPRESSED : SECP256K1_EC_UNCOMPRESSED);
    return PubKey(std::span<const uint8_t>(out, len));
}

bool MessageSign(const Key& key, std::string_view message, std::string& signature)
{
    std::vector<uint8_t> sig;
    if (!SignCompact(key, MessageHash(message), sig)) return false;
    signature = Base64Encode(sig);
    return true;
}

MessageVerificationResult MessageVerify(const std::string& address, const std::string& signature,
                                        std::string_view message, Chain chain)
{
    const Destination dest = DecodeDestination(address, chain);
    if (!IsValidDestination(dest)) return MessageVerificationResult::ERR_INVALID_ADDRESS;
    const PKHash* pkh = std::get_if<PKHash>(&dest);
    if (!pkh) return MessageVerificationResult::ERR_ADDRESS_NO_KEY;
    const auto sig = Base64Decode(signature);
    if (!sig) return MessageVerificationResult::ERR_MALFORMED_SIGNATURE;
    const auto pubkey = RecoverCompact(MessageHash(message), *sig);
    if (!pubkey) return MessageVerificationResult::ERR_PUBKEY_NOT_RECOVERED;
    if (pubkey->GetID() != pkh->hash) return MessageVerificationResult::ERR_NOT_SIGNED;
    return MessageVerificationResult::OK;
}

// ---- BIP322 ----------------------------------------------------------------------------------------------

uint256 Bip322MessageHash(std::string_view message)
{
    return TaggedHash("BIP0322-signed-message", {reinterpret_cast<const uint8_t*>(message.data()), message.size()});
}

MutableTransaction Bip322ToSpend(const uint256& message_hash, const Script& script_pubkey)
{
    MutableTransaction tx;
    tx.version = 0;
    tx.lock_time = 0;
    TxIn in;
    in.prevout = OutPoint();  // 000...000:FFFFFFFF
    in.sequence = 0;
    in.script_sig << OP_0;
    in.script_sig.PushData(std::span<const uint8_t>(message_hash.data(), 32));
    tx.vin.push_back(std::move(in));
    tx.vout.emplace_back(0, script_pubkey);
    return tx;
}

MutableTransaction Bip322ToSign(const uint256& to_spend_txid)
{
    MutableTransaction tx;
    tx.version = 0;
    tx.lock_time = 0;
    TxIn in;
    in.prevout = OutPoint(to_spend_txid, 0);
    in.sequence = 0;
    tx.vin.push_back(std::move(in));
    tx.vout.emplace_back(0, Script(std::vector<uint8_t>{OP_RETURN}));
    return tx;
}

uint32_t Bip322VerifyFlags() { return STANDARD_SCRIPT_VERIFY_FLAGS; }

std::optional<Psbt> Bip322CreatePsbt(const Script& script_pubkey, std::string_view message,
                                     const Bip322SignOptions& options, std::string* error)
{
    const bool simple = options.format == Bip322Format::SIMPLE;
    if (simple && (options.version != 0 || options.lock_time != 0 || options.sequence != 0 ||
                   !options.extra_inputs.empty())) {
        if (error) *error = "the simple format needs default version, lock time and sequence and no extra inputs";
        return std::nullopt;
    }
    if (options.format != Bip322Format::PROOF_OF_FUNDS && !options.extra_inputs.empty()) {
        if (error) *error = "additional inputs need the proof-of-funds format";
        return std::nullopt;
    }
    const MutableTransaction to_spend = Bip322ToSpend(Bip322MessageHash(message), script_pubkey);
    MutableTransaction to_sign = Bip322ToSign(to_spend.GetHash());
    to_sign.version = options.version;
    to_sign.lock_time = options.lock_time;
    to_sign.vin[0].sequence = options.sequence;
    for (const auto& extra : options.extra_inputs) {
        TxIn in;
        in.prevout = extra.outpoint;
        in.sequence = options.sequence;
        to_sign.vin.push_back(std::move(in));
    }
    Psbt psbt(to_sign, 0);
    psbt.inputs[0].non_witness_utxo = MakeTransactionRef(to_spend);
    psbt.inputs[0].witness_utxo = to_spend.vout[0];
    for (size_t i = 0; i < options.extra_inputs.size(); ++i) {
        const Bip322ExtraInput& extra = options.extra_inputs[i];
        psbt.inputs[i + 1].witness_utxo = extra.utxo;
        if (extra.prev_tx) psbt.inputs[i + 1].non_witness_utxo = extra.prev_tx;
    }
    return psbt;
}

std::optional<std::string> Bip322EncodeSigned(Psbt& psbt, Bip322Format format, std::string* error)
{
    MutableTransaction signed_tx;
    if (!FinalizeAndExtractPsbt(psbt, signed_tx)) {
        if (error) *error = "the script could not be fully signed";
        return std::nullopt;
    }
    switch (format) {
    case Bip322Format::SIMPLE: {
        if (signed_tx.vin[0].witness.IsNull() || !signed_tx.vin[0].script_sig.empty()) {
            // P2SH-wrapped segwit puts its redeem script in the scriptSig, which the simple format cannot carry.
            if (error) *error = "the simple format needs a native segwit script; use the full format";
            return std::nullopt;
        }
        return std::string(PREFIX_SIMPLE) + Base64Encode(SerializeWitnessStack(signed_tx.vin[0].witness));
    }
    case Bip322Format::FULL:
        return std::string(PREFIX_FULL) + Base64Encode(EncodeTransaction(signed_tx, true));
    case Bip322Format::PROOF_OF_FUNDS:
        return std::string(PREFIX_POF) + EncodeBase64Psbt(psbt);
    }
    return std::nullopt;
}

std::optional<std::string> Bip322Sign(const std::vector<Key>& key_list, const std::vector<Script>& scripts,
                                      const Script& script_pubkey, std::string_view message,
                                      const Bip322SignOptions& options, std::string* error)
{
    PsbtKeyStore keys;
    for (const Key& k : key_list) keys.AddKey(k);
    for (const Script& s : scripts) keys.AddScript(s);
    keys.SetGrindLowR(options.grind_low_r);
    auto psbt = Bip322CreatePsbt(script_pubkey, message, options, error);
    if (!psbt) return std::nullopt;
    // BIP86 key path: the signer finds the key by the internal key, which the output key alone does not reveal.
    for (auto& in : psbt->inputs) {
        std::vector<std::vector<uint8_t>> sols;
        const TxoutType type = Solver(in.witness_utxo.script_pubkey, sols);
        if (type != TxoutType::WITNESS_V1_TAPROOT) continue;
        for (const Key& k : key_list) {
            const XOnlyPubKey internal = k.GetXOnlyPubKey();
            const auto tweaked = internal.CreateTapTweak(nullptr);
            if (tweaked && std::equal(tweaked->first.begin(), tweaked->first.end(), sols[0].begin(), sols[0].end())) {
                in.tap_internal_key = internal;
            }
        }
    }
    auto txdata = PrecomputePsbtData(*psbt);
    if (!txdata) {
        if (error) *error = "could not prepare the transaction to sign";
        return std::nullopt;
    }
    for (unsigned int i = 0; i < psbt->inputs.size(); ++i) {
        SignPsbtInput(keys, *psbt, i, &*txdata, SIGHASH_DEFAULT, true, nullptr, false);
    }
    return Bip322EncodeSigned(*psbt, options.format, error);
}

Bip322Result Bip322Verify(const Script& script_pubkey, std::string_view message, std::string_view signature)
{
    try {
        const MutableTransaction to_spend = Bip322ToSpend(Bip322MessageHash(message), script_pubkey);
        const uint256 to_spend_txid = to_spend.GetHash();
        std::optional<Bip322Format> format;
        std::string_view body = signature;
        if (signature.starts_with(PREFIX_SIMPLE)) {
            format = Bip322Format::SIMPLE;
        } else if (signature.starts_with(PREFIX_FULL)) {
            format = Bip322Format::FULL;
        } else if (signature.starts_with(PREFIX_POF)) {
            format = Bip322Format::PROOF_OF_FUNDS;
        }
        if (format) body.remove_prefix(3);
        if (body.empty()) return Fail(Bip322State::INVALID, "signature too short", format.value_or(Bip322Format::SIMPLE));
        const auto bytes = Base64Decode(body);
        if (!bytes || bytes->empty()) {
            return Fail(Bip322State::INVALID, "error decoding signature as base64",
                        format.value_or(Bip322Format::SIMPLE));
        }

        auto verify_simple = [&](const ScriptWitness& witness) {
            MutableTransaction to_sign = Bip322ToSign(to_spend_txid);
            to_sign.vin[0].witness = witness;
            return VerifyToSign(to_sign, to_spend_txid, {to_spend.vout[0]}, Bip322Format::SIMPLE);
        };
        auto verify_full = [&](const MutableTransaction& to_sign) {
            if (to_sign.vin.size() != 1) {
                return Fail(Bip322State::INCONCLUSIVE, "additional inputs need the proof-of-funds format",
                            Bip322Format::FULL);
            }
            return VerifyToSign(to_sign, to_spend_txid, {to_spend.vout[0]}, Bip322Format::FULL);
        };

        if (!format) {
            // Unprefixed (the BIP's original encoding): a witness stack, else a whole transaction.
            if (auto witness = ParseWitnessStack(*bytes)) return verify_simple(*witness);
            if (auto tx = ParseFullTx(*bytes)) return verify_full(*tx);
            return Fail(Bip322State::INVALID, "error parsing signature as simple or full variant", Bip322Format::SIMPLE);
        }
        switch (*format) {
        case Bip322Format::SIMPLE: {
            auto witness = ParseWitnessStack(*bytes);
            if (!witness) return Fail(Bip322State::INVALID, "error parsing signature as simple variant", *format);
            return verify_simple(*witness);
        }
        case Bip322Format::FULL: {
            auto tx = ParseFullTx(*bytes);
            if (!tx) return Fail(Bip322State::INVALID, "error parsing signature as full variant", *format);
            return verify_full(*tx);
        }
        case Bip322Format::PROOF_OF_FUNDS: {
            PsbtDecodeResult decoded = DecodeRawPsbt(*bytes);
            if (!decoded.psbt) {
                return Fail(Bip322State::INVALID, "error parsing signature as proof-of-funds PSBT: " + decoded.error,
                            *format);
            }
            const Psbt& psbt = *decoded.psbt;
            auto unsigned_tx = psbt.GetUnsignedTx();
            if (!unsigned_tx || unsigned_tx->vin.size() != psbt.inputs.size()) {
                return Fail(Bip322State::INVALID, "proof-of-funds PSBT has no transaction", *format);
            }
            MutableTransaction to_sign = *unsigned_tx;
            // Previous transactions by txid: a signer may attach one only to the first input spending from it.
            std::map<uint256, TransactionRef> prev_txs;
            for (const PsbtInput& in : psbt.inputs) {
                if (in.non_witness_utxo) prev_txs.emplace(in.non_witness_utxo->GetHash(), in.non_witness_utxo);
            }
            // The first input spends to_spend, which the verifier builds itself; the others carry their UTXOs
            // (a verifier that needs them to exist checks them against its UTXO set separately).
            std::vector<TxOut> spent{to_spend.vout[0]};
            for (size_t i = 0; i < psbt.inputs.size(); ++i) {
                const PsbtInput& in = psbt.inputs[i];
                if (!PsbtInputSigned(in)) {
                    return Fail(Bip322State::INVALID, "proof-of-funds PSBT is not finalized", *format);
                }
                to_sign.vin[i].script_sig = in.final_script_sig;
                to_sign.vin[i].witness = in.final_script_witness;
                if (i == 0) continue;
                const OutPoint& prevout = to_sign.vin[i].prevout;
                auto it = prev_txs.find(prevout.hash);
                if (it != prev_txs.end() && prevout.n < it->second->vout.size()) {
                    spent.push_back(it->second->vout[prevout.n]);
                } else if (!in.witness_utxo.IsNull()) {
                    spent.push_back(in.witness_utxo);
                } else {
                    return Fail(Bip322State::INCONCLUSIVE, "proof-of-funds input has no UTXO", *format);
                }
            }
            return VerifyToSign(to_sign, to_spend_txid, std::move(spent), *format);
        }
        }
        return Fail(Bip322State::INVALID, "unknown format", Bip322Format::SIMPLE);
    } catch (const std::exception& e) {
        return Fail(Bip322State::INVALID, std::string("error: ") + e.what(), Bip322Format::SIMPLE);
    }
}
