// Input signing for the transaction tool, following Core's script/sign.cpp for non-taproot scripts.
#include "app/tx_sign.h"

#include "crypto/hash.h"
#include "script/interpreter.h"
#include "script/sighash.h"
#include "script/solver.h"

#include <utility>
#include <vector>

namespace {
using Bytes = std::vector<uint8_t>;

/** What is known about one input while signing (Core's SignatureData, without PSBT/taproot parts). */
struct SigData {
    bool complete{false};
    bool witness{false};
    Script script_sig;
    Script redeem_script;
    Script witness_script;
    ScriptWitness script_witness;
    std::map<uint160, std::pair<PubKey, Bytes>> signatures;
};

uint160 ScriptId(const Script& script) {
    return Hash160(script.bytes());
}

/** Remembers every signature that verifies (Core's SignatureExtractorChecker). */
class ExtractorChecker final : public MutableTransactionSignatureChecker {
public:
    ExtractorChecker(SigData& data, const MutableTransaction* tx, unsigned int n_in, Amount amount)
        : MutableTransactionSignatureChecker(tx, n_in, amount, MissingDataBehavior::FAIL), m_data(data) {}
    bool CheckECDSASignature(const Bytes& sig, const Bytes& pubkey, const Script& script_code,
                             SigVersion sigversion) const override {
        if (!MutableTransactionSignatureChecker::CheckECDSASignature(sig, pubkey, script_code, sigversion)) {
            return false;
        }
        const PubKey key(pubkey);
        m_data.signatures.emplace(key.GetID(), std::make_pair(key, sig));
        return true;
    }

private:
    SigData& m_data;
};

/** Creates signatures for one input (Core's MutableTransactionSignatureCreator). */
struct Creator {
    const MutableTransaction& tx;
    unsigned int n_in;
    Amount amount;
    int sighash_type;

    bool CreateSig(const SigningKeys& keys, Bytes& sig, const uint160& key_id, const Script& script_code,
                   SigVersion sigversion) const {
        const Key* key = keys.GetKey(key_id);
        if (!key) return false;
        // Uncompressed keys are not allowed in witness scripts (policy), and segwit signatures commit to
        // amounts.
        if (sigversion == SigVersion::WITNESS_V0 && !key->IsCompressed()) return false;
        if (sigversion == SigVersion::WITNESS_V0 && !MoneyRange(amount)) return false;
        const int hash_type = sighash_type == SIGHASH_DEFAULT ? SIGHASH_ALL : sighash_type;
        const uint256 hash = SignatureHash(script_code, tx, n_in, hash_type, amount, sigversion);
        if (!key->Sign(hash, sig)) return false;
        sig.push_back(static_cast<uint8_t>(hash_type));
        return true;
    }
};

bool CreateSig(const Creator& creator, SigData& data, const SigningKeys& keys, Bytes& sig_out,
               const PubKey& pubkey, const Script& script_code, SigVersion sigversion) {
    const uint160 key_id = pubkey.GetID();
    if (auto it = data.signatures.find(key_id); it != data.signatures.end()) {
        sig_out = it->second.second;
        return true;
    }
    if (creator.CreateSig(keys, sig_out, key_id, script_code, sigversion)) {
        data.signatures.emplace(key_id, std::make_pair(pubkey, sig_out));
        return true;
    }
    return false;
}

bool LookupScript(const SigningKeys& keys, const SigData& data, const uint160& id, Script& out) {
    if (const Script* s = keys.GetScript(id)) {
        out = *s;
        return true;
    }
    if (ScriptId(data.redeem_script) == id) {
        out = data.redeem_script;
        return true;
    }
    if (ScriptId(data.witness_script) == id) {
        out = data.witness_script;
        return true;
    }
    return false;
}

bool LookupPubKey(const SigningKeys& keys, const SigData& data, const uint160& key_id, PubKey& out) {
    if (auto it = data.signatures.find(key_id); it != data.signatures.end()) {
        out = it->second.first;
        return true;
    }
    return keys.GetPubKey(key_id, out);
}

bool SignStep(const SigningKeys& keys, const Creator& creator, const Script& script_pubkey,
              std::vector<Bytes>& ret, TxoutType& type, SigVersion sigversion, SigData& data) {
    ret.clear();
    Bytes sig;
    std::vector<Bytes> solutions;
    type = Solver(script_pubkey, solutions);
    switch (type) {
        case TxoutType::NONSTANDARD:
        case TxoutType::NULL_DATA:
        case TxoutType::WITNESS_UNKNOWN:
        case TxoutType::WITNESS_V1_TAPROOT:  // key-path and script-path signing are not offered by this tool
            return false;
        case TxoutType::PUBKEY:
            if (!CreateSig(creator, data, keys, sig, PubKey(solutions[0]), script_pubkey, sigversion))
                return false;
            ret.push_back(std::move(sig));
            return true;
        case TxoutType::PUBKEYHASH: {
            const uint160 key_id(solutions[0]);
            PubKey pubkey;
            if (!LookupPubKey(keys, data, key_id, pubkey)) return false;
            if (!CreateSig(creator, data, keys, sig, pubkey, script_pubkey, sigversion)) return false;
            ret.push_back(std::move(sig));
            ret.emplace_back(pubkey.begin(), pubkey.end());
            return true;
        }
        case TxoutType::SCRIPTHASH: {
            Script redeem;
            if (!LookupScript(keys, data, uint160(solutions[0]), redeem)) return false;
            ret.push_back(redeem.bytes());
            return true;
        }
        case TxoutType::MULTISIG: {
            const size_t required = solutions.front()[0];
            ret.emplace_back();  // the extra item CHECKMULTISIG pops (its off-by-one bug)
            for (size_t i = 1; i + 1 < solutions.size(); ++i) {
                // Always try every key so that all available signatures are collected, as Core does.
                if (CreateSig(creator, data, keys, sig, PubKey(solutions[i]), script_pubkey, sigversion)) {
                    if (ret.size() < required + 1) ret.push_back(std::move(sig));
                }
            }
            const bool ok = ret.size() == required + 1;
            while (ret.size() < required + 1) ret.emplace_back();
            return ok;
        }
        case TxoutType::WITNESS_V0_KEYHASH:
            ret.push_back(solutions[0]);
            return true;
        case TxoutType::WITNESS_V0_SCRIPTHASH: {
            Script witness_script;
            // The script id of a P2WSH program is RIPEMD160 of its SHA256, i.e. HASH160 of the script.
            uint8_t id[20];
            Ripemd160(solutions[0], id);
            if (!LookupScript(keys, data, uint160(std::span<const uint8_t>(id, 20)), witness_script))
                return false;
            ret.push_back(witness_script.bytes());
            return true;
        }
        case TxoutType::ANCHOR:
            return true;
    }
    return false;
}

Script PushAll(const std::vector<Bytes>& values) {
    Script result;
    for (const Bytes& v : values) {
        if (v.empty()) {
            result << OP_0;
        } else if (v.size() == 1 && v[0] >= 1 && v[0] <= 16) {
            result << Script::EncodeOP_N(v[0]);
        } else if (v.size() == 1 && v[0] == 0x81) {
            result << OP_1NEGATE;
        } else {
            result << v;
        }
    }
    return result;
}

bool ProduceSignature(const SigningKeys& keys, const Creator& creator, const Script& from_pubkey,
                      SigData& data) {
    if (data.complete) return true;
    std::vector<Bytes> result;
    TxoutType type;
    bool solved = SignStep(keys, creator, from_pubkey, result, type, SigVersion::BASE, data);
    bool p2sh = false;
    Script subscript;
    if (solved && type == TxoutType::SCRIPTHASH) {
        subscript = Script(result[0]);
        data.redeem_script = subscript;
        solved = SignStep(keys, creator, subscript, result, type, SigVersion::BASE, data) &&
                 type != TxoutType::SCRIPTHASH;
        p2sh = true;
    }
    if (solved && type == TxoutType::WITNESS_V0_KEYHASH) {
        Script witness_script;
        witness_script << OP_DUP << OP_HASH160 << result[0] << OP_EQUALVERIFY << OP_CHECKSIG;
        TxoutType sub_type;
        solved = SignStep(keys, creator, witness_script, result, sub_type, SigVersion::WITNESS_V0, data);
        data.script_witness.stack = result;
        data.witness = true;
        result.clear();
    } else if (solved && type == TxoutType::WITNESS_V0_SCRIPTHASH) {
        Script witness_script(result[0]);
        data.witness_script = witness_script;
        TxoutType sub_type{TxoutType::NONSTANDARD};
        solved = SignStep(keys, creator, witness_script, result, sub_type, SigVersion::WITNESS_V0, data) &&
                 sub_type != TxoutType::SCRIPTHASH && sub_type != TxoutType::WITNESS_V0_SCRIPTHASH &&
                 sub_type != TxoutType::WITNESS_V0_KEYHASH;
        result.push_back(witness_script.bytes());
        data.script_witness.stack = result;
        data.witness = true;
        result.clear();
    } else if (type == TxoutType::WITNESS_V1_TAPROOT && !p2sh) {
        data.witness = true;
        if (solved) data.script_witness.stack = std::move(result);
        result.clear();
    } else if (solved && type == TxoutType::WITNESS_UNKNOWN) {
        data.witness = true;
    }
    if (!data.witness) data.script_witness.stack.clear();
    if (p2sh) result.push_back(subscript.bytes());
    data.script_sig = PushAll(result);

    const MutableTransactionSignatureChecker checker(&creator.tx, creator.n_in, creator.amount,
                                                     MissingDataBehavior::FAIL);
    data.complete = solved && VerifyScript(data.script_sig, from_pubkey, &data.script_witness,
                                           StandardScriptVerifyFlags(), checker);
    return data.complete;
}

/** Signatures and scripts already present in the input (Core's DataFromTransaction). */
SigData DataFromTransaction(const MutableTransaction& tx, unsigned int n_in, const TxOut& txout) {
    SigData data;
    data.script_sig = tx.vin[n_in].script_sig;
    data.script_witness = tx.vin[n_in].witness;
    ScriptStack script_stack;
    std::vector<Bytes> witness_stack = data.script_witness.stack;
    EvalScript(script_stack, data.script_sig, SCRIPT_VERIFY_STRICTENC, BaseSignatureChecker(),
               SigVersion::BASE);

    ExtractorChecker extractor(data, &tx, n_in, txout.value);
    if (VerifyScript(data.script_sig, txout.script_pubkey, &data.script_witness, StandardScriptVerifyFlags(),
                     extractor)) {
        data.complete = true;
        return data;
    }

    std::vector<Bytes> solutions;
    TxoutType type = Solver(txout.script_pubkey, solutions);
    SigVersion sigversion = SigVersion::BASE;
    Script next_script = txout.script_pubkey;
    if (type == TxoutType::SCRIPTHASH && !script_stack.empty() && !script_stack.back().empty()) {
        data.redeem_script = Script(script_stack.back());
        next_script = data.redeem_script;
        type = Solver(next_script, solutions);
        script_stack.pop_back();
    }
    if (type == TxoutType::WITNESS_V0_SCRIPTHASH && !witness_stack.empty() && !witness_stack.back().empty()) {
        data.witness_script = Script(witness_stack.back());
        next_script = data.witness_script;
        type = Solver(next_script, solutions);
        witness_stack.pop_back();
        script_stack = std::move(witness_stack);
        witness_stack.clear();
        sigversion = SigVersion::WITNESS_V0;
    }
    if (type == TxoutType::MULTISIG && !script_stack.empty() && solutions.size() > 1) {
        // Match signatures to keys in order, as CHECKMULTISIG would.
        const size_t num_pubkeys = solutions.size() - 2;
        size_t last_success_key = 0;
        for (const Bytes& sig : script_stack) {
            for (size_t i = last_success_key; i < num_pubkeys; ++i) {
                const Bytes& pubkey = solutions[i + 1];
                if (data.signatures.contains(PubKey(pubkey).GetID()) ||
                    extractor.CheckECDSASignature(sig, pubkey, next_script, sigversion)) {
                    last_success_key = i + 1;
                    break;
                }
            }
        }
    }
    return data;
}
}  // namespace

void SigningKeys::AddKey(const Key& key) {
    const PubKey pubkey = key.GetPubKey();
    m_keys[pubkey.GetID()] = key;
    if (pubkey.IsCompressed()) {
        // Core's ImplicitlyLearnRelatedKeyScripts: the P2WPKH script of a compressed key.
        Script p2wpkh;
        const uint160 id = pubkey.GetID();
        p2wpkh << OP_0 << std::span<const uint8_t>(id.begin(), id.end());
        AddScript(p2wpkh);
    }
}

void SigningKeys::AddScript(const Script& script) {
    m_scripts[ScriptId(script)] = script;
}

const Key* SigningKeys::GetKey(const uint160& key_id) const {
    auto it = m_keys.find(key_id);
    return it == m_keys.end() ? nullptr : &it->second;
}

bool SigningKeys::GetPubKey(const uint160& key_id, PubKey& pubkey) const {
    const Key* key = GetKey(key_id);
    if (!key) return false;
    pubkey = key->GetPubKey();
    return true;
}

const Script* SigningKeys::GetScript(const uint160& script_id) const {
    auto it = m_scripts.find(script_id);
    return it == m_scripts.end() ? nullptr : &it->second;
}

uint32_t StandardScriptVerifyFlags() {
    return SCRIPT_VERIFY_P2SH | SCRIPT_VERIFY_DERSIG | SCRIPT_VERIFY_NULLDUMMY |
           SCRIPT_VERIFY_CHECKLOCKTIMEVERIFY | SCRIPT_VERIFY_CHECKSEQUENCEVERIFY | SCRIPT_VERIFY_WITNESS |
           SCRIPT_VERIFY_TAPROOT | SCRIPT_VERIFY_STRICTENC | SCRIPT_VERIFY_MINIMALDATA |
           SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_NOPS | SCRIPT_VERIFY_CLEANSTACK | SCRIPT_VERIFY_MINIMALIF |
           SCRIPT_VERIFY_NULLFAIL | SCRIPT_VERIFY_LOW_S |
           SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM | SCRIPT_VERIFY_WITNESS_PUBKEYTYPE |
           SCRIPT_VERIFY_CONST_SCRIPTCODE | SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_TAPROOT_VERSION |
           SCRIPT_VERIFY_DISCOURAGE_OP_SUCCESS | SCRIPT_VERIFY_DISCOURAGE_UPGRADABLE_PUBKEYTYPE;
}

bool SignTxInput(MutableTransaction& tx, unsigned int n_in, const TxOut& prevout, const SigningKeys& keys,
                 int sighash_type) {
    if (n_in >= tx.vin.size()) return false;
    SigData data = DataFromTransaction(tx, n_in, prevout);
    const bool hash_single = (sighash_type & ~SIGHASH_ANYONECANPAY) == SIGHASH_SINGLE;
    // SIGHASH_SINGLE is only signed when a matching output exists (the legacy "1" hash is never signed).
    if (!hash_single || n_in < tx.vout.size()) {
        const Creator creator{tx, n_in, prevout.value, sighash_type};
        ProduceSignature(keys, creator, prevout.script_pubkey, data);
    }
    tx.vin[n_in].script_sig = data.script_sig;
    tx.vin[n_in].witness = data.script_witness;
    return data.complete;
}
