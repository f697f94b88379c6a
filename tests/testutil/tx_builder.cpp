// Test helper: output construction and signing for every standard script type (see tx_builder.h).
#include "testutil/tx_builder.h"

#include "crypto/hash.h"
#include "primitives/serialize.h"
#include "script/sighash.h"
#include "util/hex.h"

#include <algorithm>
#include <cstring>

namespace testutil {

const char* OutputKindName(OutputKind kind)
{
    switch (kind) {
    case OutputKind::P2PKH: return "p2pkh";
    case OutputKind::P2SH_MULTISIG: return "p2sh-multisig";
    case OutputKind::P2WPKH: return "p2wpkh";
    case OutputKind::P2SH_P2WPKH: return "p2sh-p2wpkh";
    case OutputKind::P2WSH_MULTISIG: return "p2wsh-multisig";
    case OutputKind::P2TR_KEY: return "p2tr-key";
    case OutputKind::P2TR_SCRIPT: return "p2tr-script";
    case OutputKind::CLTV: return "cltv";
    case OutputKind::CSV: return "csv";
    }
    return "?";
}

namespace {

std::vector<uint8_t> PubBytes(const Key& key)
{
    const PubKey pub = key.GetPubKey();  // a named copy: bytes() of a temporary would dangle
    return {pub.begin(), pub.end()};
}

std::vector<uint8_t> XOnlyBytes(const Key& key)
{
    const XOnlyPubKey x = key.GetXOnlyPubKey();
    return {x.begin(), x.end()};
}

Script P2pkhScript(const uint160& id)
{
    Script s;
    s << OP_DUP << OP_HASH160;
    s.PushData(std::span<const uint8_t>(id.data(), 20));
    s << OP_EQUALVERIFY << OP_CHECKSIG;
    return s;
}

Script P2shScript(const Script& redeem)
{
    const uint160 h = Hash160(redeem.bytes());
    Script s;
    s << OP_HASH160;
    s.PushData(std::span<const uint8_t>(h.data(), 20));
    s << OP_EQUAL;
    return s;
}

Script P2wpkhScript(const uint160& id)
{
    Script s;
    s << OP_0;
    s.PushData(std::span<const uint8_t>(id.data(), 20));
    return s;
}

Script P2wshScript(const Script& witness_script)
{
    const uint256 h = Sha256Hash(witness_script.bytes());
    Script s;
    s << OP_0;
    s.PushData(std::span<const uint8_t>(h.data(), 32));
    return s;
}

Script P2trScript(const XOnlyPubKey& output_key)
{
    Script s;
    s << OP_1;
    s.PushData(std::span<const uint8_t>(output_key.begin(), output_key.end()));
    return s;
}

Script MultisigScript(const std::vector<Key>& keys)
{
    Script s;
    s.PushInt(2);
    for (const Key& k : keys) s.PushData(PubBytes(k));
    s.PushInt(static_cast<int64_t>(keys.size()));
    s << OP_CHECKMULTISIG;
    return s;
}

/** BIP341 TapBranch: tagged hash of the two child hashes in lexicographic order. */
uint256 TapBranch(const uint256& a, const uint256& b)
{
    HashWriter w = TaggedHashWriter("TapBranch");
    const bool a_first = std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
    const uint256& first = a_first ? a : b;
    const uint256& second = a_first ? b : a;
    w.write(std::span<const uint8_t>(first.begin(), first.end()));
    w.write(std::span<const uint8_t>(second.begin(), second.end()));
    return w.GetSha256();
}

std::vector<uint8_t> EcdsaSig(const Key& key, const Script& script_code, const MutableTransaction& tx,
                              unsigned int n_in, Amount amount, SigVersion sigversion)
{
    const uint256 hash = SignatureHash(script_code, tx, n_in, SIGHASH_ALL, amount, sigversion);
    std::vector<uint8_t> sig;
    if (!key.Sign(hash, sig)) return {};
    sig.push_back(SIGHASH_ALL);
    return sig;
}

Script PushAll(const std::vector<std::vector<uint8_t>>& items)
{
    Script s;
    for (const auto& item : items) {
        if (item.empty()) {
            s << OP_0;
        } else {
            s.PushData(item);
        }
    }
    return s;
}

}  // namespace

Key DeterministicKey(uint64_t seed, uint64_t index)
{
    for (uint64_t attempt = 0;; ++attempt) {
        uint8_t buf[24];
        std::memcpy(buf, &seed, 8);
        std::memcpy(buf + 8, &index, 8);
        std::memcpy(buf + 16, &attempt, 8);
        const uint256 secret = Sha256Hash(buf);
        Key key;
        if (key.Set(std::span<const uint8_t>(secret.begin(), secret.end()), true)) return key;
    }
}

SpendInfo MakeSpendInfo(OutputKind kind, const std::vector<Key>& keys, int64_t lock_height, int64_t csv_blocks)
{
    SpendInfo info;
    info.kind = kind;
    switch (kind) {
    case OutputKind::P2PKH:
        info.keys = {keys.at(0)};
        info.script_pubkey = P2pkhScript(keys.at(0).GetPubKey().GetID());
        break;
    case OutputKind::P2SH_MULTISIG:
        info.redeem_script = MultisigScript({keys.at(0), keys.at(1), keys.at(2)});
        info.keys = {keys[0], keys[1]};  // 2 of 3, signatures in key order
        info.script_pubkey = P2shScript(info.redeem_script);
        break;
    case OutputKind::P2WPKH:
        info.keys = {keys.at(0)};
        info.script_pubkey = P2wpkhScript(keys.at(0).GetPubKey().GetID());
        break;
    case OutputKind::P2SH_P2WPKH:
        info.keys = {keys.at(0)};
        info.redeem_script = P2wpkhScript(keys.at(0).GetPubKey().GetID());
        info.script_pubkey = P2shScript(info.redeem_script);
        break;
    case OutputKind::P2WSH_MULTISIG:
        info.witness_script = MultisigScript({keys.at(0), keys.at(1), keys.at(2)});
        info.keys = {keys[0], keys[2]};  // a different pair than P2SH: any 2 of 3 in key order
        info.script_pubkey = P2wshScript(info.witness_script);
        break;
    case OutputKind::P2TR_KEY: {
        info.internal_key = keys.at(0);
        const auto tweaked = info.internal_key.GetXOnlyPubKey().CreateTapTweak(nullptr);
        if (tweaked) info.script_pubkey = P2trScript(tweaked->first);
        break;
    }
    case OutputKind::P2TR_SCRIPT: {
        info.internal_key = keys.at(0);
        info.keys = {keys.at(1)};
        info.leaf_script.PushData(XOnlyBytes(keys[1]));
        info.leaf_script << OP_CHECKSIG;
        // A second leaf (never spent) so the control block carries a merkle path, not just the internal key.
        Script other;
        other.PushInt(csv_blocks + 1000) << OP_CHECKSEQUENCEVERIFY << OP_DROP;
        other.PushData(XOnlyBytes(keys[0]));
        other << OP_CHECKSIG;
        const uint256 leaf = ComputeTapleafHash(TAPROOT_LEAF_TAPSCRIPT, info.leaf_script.bytes());
        const uint256 sibling = ComputeTapleafHash(TAPROOT_LEAF_TAPSCRIPT, other.bytes());
        info.merkle_root = TapBranch(leaf, sibling);
        const XOnlyPubKey internal = info.internal_key.GetXOnlyPubKey();
        const auto tweaked = internal.CreateTapTweak(&*info.merkle_root);
        if (!tweaked) break;
        info.script_pubkey = P2trScript(tweaked->first);
        // BIP341 control block: leaf version | output key parity, internal key, then the sibling hashes.
        info.control.push_back(static_cast<uint8_t>(TAPROOT_LEAF_TAPSCRIPT | (tweaked->second ? 1 : 0)));
        info.control.insert(info.control.end(), internal.begin(), internal.end());
        info.control.insert(info.control.end(), sibling.begin(), sibling.end());
        break;
    }
    case OutputKind::CLTV:
        info.keys = {keys.at(0)};
        info.lock_height = lock_height;
        info.redeem_script.PushInt(lock_height) << OP_CHECKLOCKTIMEVERIFY << OP_DROP;
        info.redeem_script.PushData(PubBytes(keys[0]));
        info.redeem_script << OP_CHECKSIG;
        info.script_pubkey = P2shScript(info.redeem_script);
        break;
    case OutputKind::CSV:
        info.keys = {keys.at(0)};
        info.csv_blocks = csv_blocks;
        info.witness_script.PushInt(csv_blocks) << OP_CHECKSEQUENCEVERIFY << OP_DROP;
        info.witness_script.PushData(PubBytes(keys[0]));
        info.witness_script << OP_CHECKSIG;
        info.script_pubkey = P2wshScript(info.witness_script);
        break;
    }
    return info;
}

Script OpReturnScript(std::span<const uint8_t> data)
{
    Script s;
    s << OP_RETURN;
    s.PushData(data);
    return s;
}

void ApplyTimelocks(MutableTransaction& tx, const std::vector<SpendableCoin>& coins)
{
    for (size_t i = 0; i < coins.size() && i < tx.vin.size(); ++i) {
        const SpendInfo& info = coins[i].info;
        if (info.kind == OutputKind::CLTV) {
            // BIP65: nLockTime must reach the script's height and the input must not be final.
            tx.lock_time = std::max<uint32_t>(tx.lock_time, static_cast<uint32_t>(info.lock_height));
            if (tx.vin[i].sequence == TxIn::SEQUENCE_FINAL) tx.vin[i].sequence = TxIn::MAX_SEQUENCE_NONFINAL;
        } else if (info.kind == OutputKind::CSV) {
            // BIP68/112: a block-based relative lock of at least the script's count, in a version 2 transaction.
            tx.version = std::max(tx.version, 2);
            tx.vin[i].sequence = static_cast<uint32_t>(info.csv_blocks);
        }
    }
    // A CLTV input makes nLockTime matter only if some input is non-final; the loop above ensured that.
}

bool SignTransaction(MutableTransaction& tx, const std::vector<SpendableCoin>& coins)
{
    if (coins.size() != tx.vin.size()) return false;
    std::vector<TxOut> spent;
    for (const auto& c : coins) spent.push_back(c.out);
    PrecomputedTransactionData txdata;
    // force: the witnesses are still empty, so Init could not tell that BIP341 data is needed (as Core's signer).
    txdata.Init(tx, std::move(spent), /*force=*/true);
    for (unsigned int i = 0; i < tx.vin.size(); ++i) {
        const SpendInfo& info = coins[i].info;
        const Amount amount = coins[i].out.value;
        TxIn& in = tx.vin[i];
        in.script_sig.clear();
        in.witness.stack.clear();
        switch (info.kind) {
        case OutputKind::P2PKH: {
            const auto sig = EcdsaSig(info.keys[0], info.script_pubkey, tx, i, amount, SigVersion::BASE);
            if (sig.empty()) return false;
            in.script_sig = PushAll({sig, PubBytes(info.keys[0])});
            break;
        }
        case OutputKind::P2SH_MULTISIG:
        case OutputKind::CLTV: {
            std::vector<std::vector<uint8_t>> items;
            if (info.kind == OutputKind::P2SH_MULTISIG) items.emplace_back();  // CHECKMULTISIG's dummy (NULLDUMMY)
            for (const Key& k : info.keys) {
                auto sig = EcdsaSig(k, info.redeem_script, tx, i, amount, SigVersion::BASE);
                if (sig.empty()) return false;
                items.push_back(std::move(sig));
            }
            items.push_back(info.redeem_script.bytes());
            in.script_sig = PushAll(items);
            break;
        }
        case OutputKind::P2WPKH:
        case OutputKind::P2SH_P2WPKH: {
            // BIP143: the script code of a key-hash program is the P2PKH script of that hash.
            const Script code = P2pkhScript(info.keys[0].GetPubKey().GetID());
            const auto sig = EcdsaSig(info.keys[0], code, tx, i, amount, SigVersion::WITNESS_V0);
            if (sig.empty()) return false;
            in.witness.stack = {sig, PubBytes(info.keys[0])};
            if (info.kind == OutputKind::P2SH_P2WPKH) in.script_sig = PushAll({info.redeem_script.bytes()});
            break;
        }
        case OutputKind::P2WSH_MULTISIG:
        case OutputKind::CSV: {
            std::vector<std::vector<uint8_t>> stack;
            if (info.kind == OutputKind::P2WSH_MULTISIG) stack.emplace_back();
            for (const Key& k : info.keys) {
                auto sig = EcdsaSig(k, info.witness_script, tx, i, amount, SigVersion::WITNESS_V0);
                if (sig.empty()) return false;
                stack.push_back(std::move(sig));
            }
            stack.push_back(info.witness_script.bytes());
            in.witness.stack = std::move(stack);
            break;
        }
        case OutputKind::P2TR_KEY:
        case OutputKind::P2TR_SCRIPT: {
            const bool key_path = info.kind == OutputKind::P2TR_KEY;
            ScriptExecutionData execdata;
            execdata.annex_init = true;
            execdata.annex_present = false;
            if (!key_path) {
                execdata.tapleaf_hash_init = true;
                execdata.tapleaf_hash = ComputeTapleafHash(TAPROOT_LEAF_TAPSCRIPT, info.leaf_script.bytes());
                execdata.codeseparator_pos_init = true;
                execdata.codeseparator_pos = 0xFFFFFFFF;
            }
            uint256 hash;
            if (!SignatureHashSchnorr(hash, execdata, tx, i, SIGHASH_DEFAULT,
                                      key_path ? SigVersion::TAPROOT : SigVersion::TAPSCRIPT, txdata,
                                      MissingDataBehavior::FAIL)) {
                return false;
            }
            std::vector<uint8_t> sig(64);
            const uint256 aux;  // zero auxiliary randomness: deterministic signatures
            const bool ok = key_path ? info.internal_key.SignSchnorr(hash, sig, nullptr, aux)
                                     : info.keys[0].SignSchnorr(hash, sig, nullptr, aux, /*tweak=*/false);
            if (!ok) return false;
            if (key_path) {
                in.witness.stack = {sig};
            } else {
                in.witness.stack = {sig, info.leaf_script.bytes(), info.control};
            }
            break;
        }
        }
    }
    return true;
}

bool VerifyTransaction(const MutableTransaction& tx, const std::vector<SpendableCoin>& coins, uint32_t flags,
                       std::string* error)
{
    if (coins.size() != tx.vin.size()) {
        if (error) *error = "coins and inputs differ in number";
        return false;
    }
    std::vector<TxOut> spent;
    for (const auto& c : coins) spent.push_back(c.out);
    PrecomputedTransactionData txdata;
    txdata.Init(tx, std::move(spent));
    for (unsigned int i = 0; i < tx.vin.size(); ++i) {
        const MutableTransactionSignatureChecker checker(&tx, i, coins[i].out.value, txdata,
                                                         MissingDataBehavior::FAIL);
        ScriptError serror{};
        if (!VerifyScript(tx.vin[i].script_sig, coins[i].out.script_pubkey, &tx.vin[i].witness, flags, checker,
                          &serror)) {
            if (error) {
                *error = "input " + std::to_string(i) + " (" + OutputKindName(coins[i].info.kind) +
                         "): " + ScriptErrorString(serror);
            }
            return false;
        }
    }
    return true;
}

std::string EncodeHexTx(const MutableTransaction& tx)
{
    std::vector<uint8_t> bytes;
    VectorWriter w(bytes);
    SerializeTransaction(w, tx, true);
    return HexStr(bytes);
}

int64_t VirtualSize(const MutableTransaction& tx)
{
    SizeComputer stripped, full;
    SerializeTransaction(stripped, tx, false);
    SerializeTransaction(full, tx, true);
    const int64_t weight = static_cast<int64_t>(stripped.size()) * (WITNESS_SCALE_FACTOR - 1) +
                           static_cast<int64_t>(full.size());
    return (weight + WITNESS_SCALE_FACTOR - 1) / WITNESS_SCALE_FACTOR;
}

}  // namespace testutil
