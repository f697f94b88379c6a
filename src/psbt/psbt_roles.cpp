// PSBT signer, finalizer, extractor and analysis, following Core's ProduceSignature / SignPSBTInput / AnalyzePSBT.
#include "psbt/psbt_roles.h"

#include "crypto/hash.h"
#include "descriptor/miniscript.h"
#include "policy/feerate.h"
#include "policy/policy.h"
#include "script/sighash.h"
#include "script/solver.h"

#include <algorithm>

namespace {

using Bytes = std::vector<uint8_t>;

KeyOriginInfo OwnOrigin(const PubKey& pk)
{
    KeyOriginInfo info;
    uint160 id = pk.GetID();
    std::copy(id.begin(), id.begin() + 4, info.fingerprint.begin());
    return info;
}

/** Core's SignatureData, reduced to the fields the standard script types use. */
struct SigData {
    bool complete{false};
    bool witness{false};
    Script script_sig;
    ScriptWitness script_witness;
    std::map<uint160, std::pair<PubKey, Bytes>> signatures;
    Script redeem_script;
    Script witness_script;
    std::map<uint160, std::pair<PubKey, KeyOriginInfo>> misc_pubkeys;
    Bytes taproot_key_path_sig;
    std::map<std::pair<XOnlyPubKey, uint256>, Bytes> taproot_script_sigs;
    XOnlyPubKey internal_key;
    uint256 merkle_root;
    std::map<std::pair<Bytes, int>, std::set<Bytes, ShortestFirst>> tap_scripts;
    std::map<XOnlyPubKey, TapLeafOrigins> taproot_misc_pubkeys;
    std::map<uint160, XOnlyPubKey> tap_pubkeys;
    // Hash preimages (PSBT_IN_*_PREIMAGE) for miniscript hash fragments.
    std::map<uint256, Bytes> sha256_preimages, hash256_preimages;
    std::map<uint160, Bytes> ripemd160_preimages, hash160_preimages;
    PsbtMissing missing;
};

/** Accepts every signature: Core's DUMMY_CHECKER, for size estimation. */
class DummyChecker : public BaseSignatureChecker
{
public:
    bool CheckECDSASignature(const std::vector<uint8_t>&, const std::vector<uint8_t>&, const Script&,
                             SigVersion) const override
    {
        return true;
    }
    bool CheckSchnorrSignature(std::span<const uint8_t>, std::span<const uint8_t>, SigVersion, ScriptExecutionData&,
                               ScriptError*) const override
    {
        return true;
    }
};

/** Signs with real keys (txdata set) or makes Core's dummy signatures (txdata null). */
class Creator
{
public:
    Creator(const MutableTransaction& tx, unsigned int n_in, Amount amount, const PrecomputedTransactionData* txdata,
            int sighash)
        : m_tx(tx), m_n_in(n_in), m_amount(amount), m_txdata(txdata), m_sighash(sighash),
          m_checker(txdata ? MutableTransactionSignatureChecker(&tx, n_in, amount, *txdata, MissingDataBehavior::FAIL)
                           : MutableTransactionSignatureChecker(&tx, n_in, amount, MissingDataBehavior::FAIL))
    {
    }
    bool IsDummy() const { return m_txdata == nullptr; }
    const BaseSignatureChecker& Checker() const
    {
        if (IsDummy()) return m_dummy;
        return m_checker;
    }

    bool CreateSig(const PsbtKeyStore& keys, Bytes& sig, const uint160& key_id, const Script& script_code,
                   SigVersion sigversion) const
    {
        if (IsDummy()) {
            // Core's DummySignatureCreator(32, 32): a 72-byte DER-shaped signature.
            sig.assign(32 + 32 + 7, 0);
            sig[0] = 0x30;
            sig[1] = 32 + 32 + 4;
            sig[2] = 0x02;
            sig[3] = 32;
            sig[4] = 0x01;
            sig[4 + 32] = 0x02;
            sig[5 + 32] = 32;
            sig[6 + 32] = 0x01;
            sig[6 + 32 + 32] = SIGHASH_ALL;
            return true;
        }
        const Key* key = keys.GetKey(key_id);
        if (!key) return false;
        if (sigversion == SigVersion::WITNESS_V0 && !key->IsCompressed()) return false;
        int hashtype = m_sighash == SIGHASH_DEFAULT ? SIGHASH_ALL : m_sighash;
        uint256 hash = SignatureHash(script_code, m_tx, m_n_in, hashtype, m_amount, sigversion, m_txdata);
        if (!key->Sign(hash, sig, keys.GrindLowR())) return false;
        sig.push_back(static_cast<uint8_t>(hashtype));
        return true;
    }

    bool CreateSchnorrSig(const PsbtKeyStore& keys, Bytes& sig, const XOnlyPubKey& pubkey, const uint256* leaf_hash,
                          const uint256* merkle_root, SigVersion sigversion) const
    {
        if (IsDummy()) {
            sig.assign(64, 0);
            return true;
        }
        const Key* key = keys.GetKeyByXOnly(pubkey);
        if (!key) return false;
        if (!m_txdata->bip341_taproot_ready || !m_txdata->spent_outputs_ready) return false;
        ScriptExecutionData execdata;
        execdata.annex_init = true;
        execdata.annex_present = false;
        if (sigversion == SigVersion::TAPSCRIPT) {
            execdata.codeseparator_pos_init = true;
            execdata.codeseparator_pos = 0xFFFFFFFF;
            if (!leaf_hash) return false;
            execdata.tapleaf_hash_init = true;
            execdata.tapleaf_hash = *leaf_hash;
        }
        uint256 hash;
        if (!SignatureHashSchnorr(hash, execdata, m_tx, m_n_in, static_cast<uint8_t>(m_sighash), sigversion, *m_txdata,
                                  MissingDataBehavior::FAIL)) {
            return false;
        }
        sig.assign(64, 0);
        // Core signs with zero auxiliary randomness; a null merkle_root pointer means the untweaked key.
        if (!key->SignSchnorr(hash, sig, merkle_root, uint256(), merkle_root != nullptr)) return false;
        if (m_sighash) sig.push_back(static_cast<uint8_t>(m_sighash));
        return true;
    }

private:
    const MutableTransaction& m_tx;
    unsigned int m_n_in;
    Amount m_amount;
    const PrecomputedTransactionData* m_txdata;
    int m_sighash;
    MutableTransactionSignatureChecker m_checker;
    DummyChecker m_dummy;
};

bool GetPubKeyFor(const PsbtKeyStore& keys, const SigData& sd, const uint160& id, PubKey& out)
{
    if (auto it = sd.signatures.find(id); it != sd.signatures.end()) {
        out = it->second.first;
        return true;
    }
    if (auto it = sd.misc_pubkeys.find(id); it != sd.misc_pubkeys.end()) {
        out = it->second.first;
        return true;
    }
    if (auto it = sd.tap_pubkeys.find(id); it != sd.tap_pubkeys.end()) {
        uint8_t buf[33];
        buf[0] = 0x02;
        std::copy(it->second.begin(), it->second.end(), buf + 1);
        out = PubKey(buf);
        return true;
    }
    if (auto pk = keys.GetPubKey(id)) {
        out = *pk;
        return true;
    }
    return false;
}

bool GetScriptFor(const PsbtKeyStore& keys, const SigData& sd, const uint160& id, Script& out)
{
    if (const Script* s = keys.GetScript(id)) {
        out = *s;
        return true;
    }
    if (Hash160(sd.redeem_script.bytes()) == id) {
        out = sd.redeem_script;
        return true;
    }
    if (Hash160(sd.witness_script.bytes()) == id) {
        out = sd.witness_script;
        return true;
    }
    return false;
}

bool CreateSigFor(const Creator& creator, SigData& sd, const PsbtKeyStore& keys, Bytes& sig, const PubKey& pubkey,
                  const Script& script_code, SigVersion sigversion, bool with_origins)
{
    uint160 id = pubkey.GetID();
    if (auto it = sd.signatures.find(id); it != sd.signatures.end()) {
        sig = it->second.second;
        return true;
    }
    if (with_origins) {
        if (auto origin = keys.GetKeyOrigin(id)) sd.misc_pubkeys.emplace(id, std::make_pair(pubkey, *origin));
    }
    if (creator.CreateSig(keys, sig, id, script_code, sigversion)) {
        sd.signatures.emplace(id, std::make_pair(pubkey, sig));
        return true;
    }
    sd.missing.sigs.push_back(id);
    return false;
}

bool CreateTapScriptSig(const Creator& creator, SigData& sd, const PsbtKeyStore& keys, Bytes& sig,
                        const XOnlyPubKey& pubkey, const uint256& leaf_hash, bool with_origins)
{
    if (with_origins) {
        if (auto origin = keys.GetKeyOriginByXOnly(pubkey)) {
            auto it = sd.taproot_misc_pubkeys.find(pubkey);
            if (it == sd.taproot_misc_pubkeys.end()) {
                sd.taproot_misc_pubkeys.emplace(pubkey, TapLeafOrigins{{leaf_hash}, *origin});
            } else {
                it->second.first.insert(leaf_hash);
            }
        }
    }
    auto key = std::make_pair(pubkey, leaf_hash);
    if (auto it = sd.taproot_script_sigs.find(key); it != sd.taproot_script_sigs.end()) {
        sig = it->second;
        return true;
    }
    if (creator.CreateSchnorrSig(keys, sig, pubkey, &leaf_hash, nullptr, SigVersion::TAPSCRIPT)) {
        sd.taproot_script_sigs[key] = sig;
        return true;
    }
    return false;
}

/** Miniscript satisfier over a PSBT input (Core's WshSatisfier / TapSatisfier): signatures come from the
 *  signer (or the partial signatures), timelocks are checked against the spending transaction, preimages from
 *  the PSBT. Keys are the script's keys in decoding order. */
class PsbtMsSatisfier final : public miniscript::Satisfier
{
public:
    PsbtMsSatisfier(const PsbtKeyStore& keys, const Creator& creator, SigData& sd, const Script& script,
                    const uint256* leaf_hash, bool with_origins)
        : m_keys(keys), m_creator(creator), m_sd(sd), m_script(script), m_leaf_hash(leaf_hash),
          m_with_origins(with_origins)
    {
    }
    miniscript::MsContext Ctx() const
    {
        return m_leaf_hash ? miniscript::MsContext::TAPSCRIPT : miniscript::MsContext::P2WSH;
    }
    miniscript::ScriptKeyCallbacks Callbacks()
    {
        miniscript::ScriptKeyCallbacks kc;
        kc.from_bytes = [this](std::span<const uint8_t> b) -> std::optional<uint32_t> {
            if (m_leaf_hash ? b.size() != 32 : b.size() != 33) return std::nullopt;
            if (!m_leaf_hash && !PubKey(Bytes(b.begin(), b.end())).IsFullyValid()) return std::nullopt;
            m_key_bytes.emplace_back(b.begin(), b.end());
            return uint32_t(m_key_bytes.size() - 1);
        };
        kc.from_pkh = [this](std::span<const uint8_t> h) -> std::optional<uint32_t> {
            uint160 id;
            std::copy(h.begin(), h.end(), id.begin());
            if (m_leaf_hash) {
                std::optional<XOnlyPubKey> found;
                if (auto it = m_sd.tap_pubkeys.find(id); it != m_sd.tap_pubkeys.end()) found = it->second;
                for (const auto& [xk, origin] : m_sd.taproot_misc_pubkeys) {
                    if (!found && Hash160(std::span<const uint8_t>(xk.data(), 32)) == id) found = xk;
                }
                if (!found) found = m_keys.GetXOnlyByHash(id);
                if (!found) return std::nullopt;
                m_key_bytes.emplace_back(found->data(), found->data() + 32);
            } else {
                PubKey pk;
                if (!GetPubKeyFor(m_keys, m_sd, id, pk)) {
                    m_sd.missing.pubkeys.push_back(id);
                    return std::nullopt;
                }
                m_key_bytes.emplace_back(pk.begin(), pk.end());
            }
            return uint32_t(m_key_bytes.size() - 1);
        };
        return kc;
    }
    miniscript::Availability Sign(uint32_t key, std::vector<uint8_t>& sig) const override
    {
        const Bytes& kb = m_key_bytes.at(key);
        bool ok;
        if (m_leaf_hash) {
            ok = CreateTapScriptSig(m_creator, m_sd, m_keys, sig, XOnlyPubKey(kb), *m_leaf_hash, m_with_origins);
        } else {
            ok = CreateSigFor(m_creator, m_sd, m_keys, sig, PubKey(kb), m_script, SigVersion::WITNESS_V0,
                              m_with_origins);
        }
        return ok ? miniscript::Availability::YES : miniscript::Availability::NO;
    }
    std::vector<uint8_t> KeyBytes(uint32_t key) const override { return m_key_bytes.at(key); }
    bool CheckAfter(uint32_t value) const override { return m_creator.Checker().CheckLockTime(ScriptNum(value)); }
    bool CheckOlder(uint32_t value) const override { return m_creator.Checker().CheckSequence(ScriptNum(value)); }
    miniscript::Availability SatSHA256(const std::vector<uint8_t>& hash, std::vector<uint8_t>& pre) const override
    {
        return Find(m_sd.sha256_preimages, uint256(hash), pre);
    }
    miniscript::Availability SatHASH256(const std::vector<uint8_t>& hash, std::vector<uint8_t>& pre) const override
    {
        return Find(m_sd.hash256_preimages, uint256(hash), pre);
    }
    miniscript::Availability SatRIPEMD160(const std::vector<uint8_t>& hash, std::vector<uint8_t>& pre) const override
    {
        return Find(m_sd.ripemd160_preimages, uint160(hash), pre);
    }
    miniscript::Availability SatHASH160(const std::vector<uint8_t>& hash, std::vector<uint8_t>& pre) const override
    {
        return Find(m_sd.hash160_preimages, uint160(hash), pre);
    }

private:
    template <typename M, typename K>
    static miniscript::Availability Find(const M& map, const K& k, std::vector<uint8_t>& out)
    {
        auto it = map.find(k);
        if (it == map.end()) return miniscript::Availability::NO;
        out = it->second;
        return miniscript::Availability::YES;
    }
    const PsbtKeyStore& m_keys;
    const Creator& m_creator;
    SigData& m_sd;
    const Script& m_script;
    const uint256* m_leaf_hash;
    bool m_with_origins;
    std::vector<Bytes> m_key_bytes;
};

/** Satisfies a P2WSH witness script or a tapscript leaf as miniscript (Core's fallback after the standard
 *  script shapes). */
bool SatisfyMiniscript(const PsbtKeyStore& keys, const Creator& creator, SigData& sd, const Script& script,
                       const uint256* leaf_hash, std::vector<Bytes>& result, bool with_origins)
{
    PsbtMsSatisfier sat(keys, creator, sd, script, leaf_hash, with_origins);
    auto node = miniscript::FromScript(script, sat.Ctx(), sat.Callbacks());
    if (!node) return false;
    std::vector<Bytes> stack;
    if (miniscript::Satisfy(*node, sat, stack) != miniscript::Availability::YES) return false;
    result = std::move(stack);
    return true;
}

/** Tapscript satisfaction for the two standard leaf shapes: pk (<key> CHECKSIG) and multi_a. */
bool SignTapScriptStandard(const PsbtKeyStore& keys, const Creator& creator, SigData& sd, const uint256& leaf_hash,
                           const Bytes& script, std::vector<Bytes>& result, bool with_origins, bool& shape_known)
{
    shape_known = true;
    if (script.size() == 34 && script[0] == 0x20 && script[33] == OP_CHECKSIG) {
        XOnlyPubKey pk(std::span<const uint8_t>(script).subspan(1, 32));
        Bytes sig;
        if (!CreateTapScriptSig(creator, sd, keys, sig, pk, leaf_hash, with_origins)) return false;
        result = {sig};
        return true;
    }
    // multi_a: <k1> CHECKSIG <k2> CHECKSIGADD ... <n> NUMEQUAL
    shape_known = false;
    std::vector<XOnlyPubKey> pks;
    size_t pc = 0;
    Script s(script);
    opcodetype op;
    Bytes data;
    while (pc < s.size()) {
        if (!s.GetOp(pc, op, &data)) return false;
        if (data.size() == 32 && op == 0x20) {
            pks.emplace_back(data);
            opcodetype next;
            if (!s.GetOp(pc, next)) return false;
            if (next != (pks.size() == 1 ? OP_CHECKSIG : OP_CHECKSIGADD)) return false;
            continue;
        }
        break;
    }
    if (pks.empty()) return false;
    int k;
    if (op >= OP_1 && op <= OP_16) {
        k = Script::DecodeOP_N(op);
    } else {
        // A threshold above 16 is a minimal push of at most 4 bytes; anything else is no multi_a.
        if (data.empty() || data.size() > 4 || !ScriptNum::IsMinimallyEncoded(data)) return false;
        k = ScriptNum(data, true).GetInt();
    }
    opcodetype last;
    if (!s.GetOp(pc, last) || last != OP_NUMEQUAL || pc != s.size() || k < 1 || k > static_cast<int>(pks.size())) {
        return false;
    }
    shape_known = true;
    std::vector<Bytes> sigs(pks.size());
    int have = 0;
    for (size_t i = 0; i < pks.size(); ++i) {
        Bytes sig;
        if (CreateTapScriptSig(creator, sd, keys, sig, pks[i], leaf_hash, with_origins) && have < k) {
            sigs[i] = sig;
            ++have;
        }
    }
    if (have < k) return false;
    result.clear();
    for (size_t i = pks.size(); i-- > 0;) result.push_back(sigs[i]);
    return true;
}

/** Tapscript leaf satisfaction: the pk and multi_a shapes directly, anything else as miniscript. */
bool SignTapScript(const PsbtKeyStore& keys, const Creator& creator, SigData& sd, int leaf_version,
                   const Bytes& script, std::vector<Bytes>& result, bool with_origins)
{
    if (leaf_version != TAPROOT_LEAF_TAPSCRIPT) return false;
    const uint256 leaf_hash = ComputeTapleafHash(static_cast<uint8_t>(leaf_version), script);
    bool shape_known = false;
    if (SignTapScriptStandard(keys, creator, sd, leaf_hash, script, result, with_origins, shape_known)) return true;
    if (shape_known) return false;
    return SatisfyMiniscript(keys, creator, sd, Script(script), &leaf_hash, result, with_origins);
}

size_t StackSerializedSize(const std::vector<Bytes>& stack)
{
    size_t n = CompactSizeLen(stack.size());
    for (const auto& b : stack) n += CompactSizeLen(b.size()) + b.size();
    return n;
}

bool SignTaproot(const PsbtKeyStore& keys, const Creator& creator, const XOnlyPubKey& output, SigData& sd,
                 std::vector<Bytes>& result, bool with_origins)
{
    if (with_origins) {
        for (const XOnlyPubKey& k : {sd.internal_key, output}) {
            if (auto origin = keys.GetKeyOriginByXOnly(k)) {
                if (!sd.taproot_misc_pubkeys.count(k)) sd.taproot_misc_pubkeys.emplace(k, TapLeafOrigins{{}, *origin});
            }
        }
    }
    if (sd.taproot_key_path_sig.empty()) {
        Bytes sig;
        if (creator.CreateSchnorrSig(keys, sig, sd.internal_key, nullptr, &sd.merkle_root, SigVersion::TAPROOT)) {
            sd.taproot_key_path_sig = sig;
        }
    }
    if (sd.taproot_key_path_sig.empty()) {
        Bytes sig;
        if (creator.CreateSchnorrSig(keys, sig, output, nullptr, nullptr, SigVersion::TAPROOT)) {
            sd.taproot_key_path_sig = sig;
        }
    }
    if (!sd.taproot_key_path_sig.empty()) {
        result = {sd.taproot_key_path_sig};
        return true;
    }
    std::vector<Bytes> best;
    for (const auto& [leaf, control_blocks] : sd.tap_scripts) {
        std::vector<Bytes> stack;
        if (SignTapScript(keys, creator, sd, leaf.second, leaf.first, stack, with_origins)) {
            stack.push_back(leaf.first);
            stack.push_back(*control_blocks.begin());
            if (best.empty() || StackSerializedSize(stack) < StackSerializedSize(best)) best = std::move(stack);
        }
    }
    if (!best.empty()) {
        result = std::move(best);
        return true;
    }
    return false;
}

bool SignStep(const PsbtKeyStore& keys, const Creator& creator, const Script& script, std::vector<Bytes>& ret,
              TxoutType& type, SigVersion sigversion, SigData& sd, bool with_origins)
{
    ret.clear();
    std::vector<Bytes> sols;
    type = Solver(script, sols);
    Bytes sig;
    switch (type) {
    case TxoutType::NONSTANDARD:
    case TxoutType::NULL_DATA:
    case TxoutType::WITNESS_UNKNOWN:
    case TxoutType::ANCHOR:
        return false;
    case TxoutType::PUBKEY:
        if (!CreateSigFor(creator, sd, keys, sig, PubKey(sols[0]), script, sigversion, with_origins)) return false;
        ret.push_back(std::move(sig));
        return true;
    case TxoutType::PUBKEYHASH: {
        uint160 id(sols[0]);
        PubKey pk;
        if (!GetPubKeyFor(keys, sd, id, pk)) {
            sd.missing.pubkeys.push_back(id);
            return false;
        }
        if (!CreateSigFor(creator, sd, keys, sig, pk, script, sigversion, with_origins)) return false;
        ret.push_back(std::move(sig));
        ret.emplace_back(pk.begin(), pk.end());
        return true;
    }
    case TxoutType::SCRIPTHASH: {
        uint160 id(sols[0]);
        Script s;
        if (GetScriptFor(keys, sd, id, s)) {
            ret.push_back(s.bytes());
            return true;
        }
        sd.missing.redeem_script = id;
        return false;
    }
    case TxoutType::MULTISIG: {
        size_t required = sols.front()[0];
        ret.emplace_back();
        for (size_t i = 1; i + 1 < sols.size(); ++i) {
            // Every key is tried so that all signatures that can be made are recorded (Core).
            if (CreateSigFor(creator, sd, keys, sig, PubKey(sols[i]), script, sigversion, with_origins)) {
                if (ret.size() < required + 1) ret.push_back(std::move(sig));
            }
        }
        bool ok = ret.size() == required + 1;
        while (ret.size() < required + 1) ret.emplace_back();
        return ok;
    }
    case TxoutType::WITNESS_V0_KEYHASH:
        ret.push_back(sols[0]);
        return true;
    case TxoutType::WITNESS_V0_SCRIPTHASH: {
        uint160 id;
        Ripemd160(sols[0], id.data());
        Script s;
        if (GetScriptFor(keys, sd, id, s)) {
            ret.push_back(s.bytes());
            return true;
        }
        sd.missing.witness_script = uint256(sols[0]);
        return false;
    }
    case TxoutType::WITNESS_V1_TAPROOT:
        return SignTaproot(keys, creator, XOnlyPubKey(sols[0]), sd, ret, with_origins);
    }
    return false;
}

Script PushAll(const std::vector<Bytes>& values)
{
    Script s;
    for (const Bytes& v : values) {
        if (v.empty()) {
            s << OP_0;
        } else if (v.size() == 1 && v[0] >= 1 && v[0] <= 16) {
            s << Script::EncodeOP_N(v[0]);
        } else if (v.size() == 1 && v[0] == 0x81) {
            s << OP_1NEGATE;
        } else {
            s.PushData(v);
        }
    }
    return s;
}

bool ProduceSignature(const PsbtKeyStore& keys, const Creator& creator, const Script& spk, SigData& sd,
                      bool with_origins)
{
    if (sd.complete) return true;
    std::vector<Bytes> result;
    TxoutType type;
    bool solved = SignStep(keys, creator, spk, result, type, SigVersion::BASE, sd, with_origins);
    bool p2sh = false;
    Script subscript;
    if (solved && type == TxoutType::SCRIPTHASH) {
        subscript = Script(result[0]);
        sd.redeem_script = subscript;
        solved = SignStep(keys, creator, subscript, result, type, SigVersion::BASE, sd, with_origins) &&
                 type != TxoutType::SCRIPTHASH;
        p2sh = true;
    }
    if (solved && type == TxoutType::WITNESS_V0_KEYHASH) {
        Script ws;
        ws << OP_DUP << OP_HASH160;
        ws.PushData(result[0]);
        ws << OP_EQUALVERIFY << OP_CHECKSIG;
        TxoutType sub;
        solved = SignStep(keys, creator, ws, result, sub, SigVersion::WITNESS_V0, sd, with_origins);
        sd.script_witness.stack = result;
        sd.witness = true;
        result.clear();
    } else if (solved && type == TxoutType::WITNESS_V0_SCRIPTHASH) {
        Script ws(result[0]);
        sd.witness_script = ws;
        TxoutType sub = TxoutType::NONSTANDARD;
        solved = SignStep(keys, creator, ws, result, sub, SigVersion::WITNESS_V0, sd, with_origins) &&
                 sub != TxoutType::SCRIPTHASH && sub != TxoutType::WITNESS_V0_SCRIPTHASH &&
                 sub != TxoutType::WITNESS_V0_KEYHASH;
        // Not a standard shape: satisfy it as miniscript (Core does this only when the standard signer left no
        // partial stack, which CHECKMULTISIG keeps for combining).
        if (!solved && result.empty()) {
            solved = SatisfyMiniscript(keys, creator, sd, ws, nullptr, result, with_origins);
        }
        result.push_back(ws.bytes());
        sd.script_witness.stack = result;
        sd.witness = true;
        result.clear();
    } else if (type == TxoutType::WITNESS_V1_TAPROOT && !p2sh) {
        sd.witness = true;
        if (solved) sd.script_witness.stack = std::move(result);
        result.clear();
    } else if (solved && type == TxoutType::WITNESS_UNKNOWN) {
        sd.witness = true;
    }
    if (!sd.witness) sd.script_witness.stack.clear();
    if (p2sh) result.push_back(subscript.bytes());
    sd.script_sig = PushAll(result);
    sd.complete = solved && VerifyScript(sd.script_sig, spk, &sd.script_witness, STANDARD_SCRIPT_VERIFY_FLAGS,
                                         creator.Checker());
    return sd.complete;
}

void FillSigData(const PsbtInput& in, SigData& sd)
{
    if (!in.final_script_sig.empty()) {
        sd.script_sig = in.final_script_sig;
        sd.complete = true;
    }
    if (!in.final_script_witness.IsNull()) {
        sd.script_witness = in.final_script_witness;
        sd.complete = true;
    }
    if (sd.complete) return;
    sd.signatures.insert(in.partial_sigs.begin(), in.partial_sigs.end());
    sd.sha256_preimages.insert(in.sha256_preimages.begin(), in.sha256_preimages.end());
    sd.hash256_preimages.insert(in.hash256_preimages.begin(), in.hash256_preimages.end());
    sd.ripemd160_preimages.insert(in.ripemd160_preimages.begin(), in.ripemd160_preimages.end());
    sd.hash160_preimages.insert(in.hash160_preimages.begin(), in.hash160_preimages.end());
    if (!in.redeem_script.empty()) sd.redeem_script = in.redeem_script;
    if (!in.witness_script.empty()) sd.witness_script = in.witness_script;
    for (const auto& [pk, origin] : in.hd_keypaths) sd.misc_pubkeys.emplace(pk.GetID(), std::make_pair(pk, origin));
    if (!in.tap_key_sig.empty()) sd.taproot_key_path_sig = in.tap_key_sig;
    sd.taproot_script_sigs.insert(in.tap_script_sigs.begin(), in.tap_script_sigs.end());
    if (!in.tap_internal_key.GetUint256().IsNull()) sd.internal_key = in.tap_internal_key;
    if (!in.tap_merkle_root.IsNull()) sd.merkle_root = in.tap_merkle_root;
    for (const auto& [leaf, cbs] : in.tap_scripts) sd.tap_scripts.emplace(leaf, cbs);
    for (const auto& [pk, leaf_origin] : in.tap_bip32_paths) {
        sd.taproot_misc_pubkeys.emplace(pk, leaf_origin);
        sd.tap_pubkeys.emplace(Hash160(std::span<const uint8_t>(pk.data(), 32)), pk);
    }
}

void FromSigData(PsbtInput& in, const SigData& sd)
{
    if (sd.complete) {
        in.partial_sigs.clear();
        in.hd_keypaths.clear();
        in.redeem_script.clear();
        in.witness_script.clear();
        if (!sd.script_sig.empty()) in.final_script_sig = sd.script_sig;
        if (!sd.script_witness.IsNull()) in.final_script_witness = sd.script_witness;
        return;
    }
    in.partial_sigs.insert(sd.signatures.begin(), sd.signatures.end());
    if (in.redeem_script.empty() && !sd.redeem_script.empty()) in.redeem_script = sd.redeem_script;
    if (in.witness_script.empty() && !sd.witness_script.empty()) in.witness_script = sd.witness_script;
    for (const auto& [id, entry] : sd.misc_pubkeys) in.hd_keypaths.emplace(entry.first, entry.second);
    if (!sd.taproot_key_path_sig.empty()) in.tap_key_sig = sd.taproot_key_path_sig;
    in.tap_script_sigs.insert(sd.taproot_script_sigs.begin(), sd.taproot_script_sigs.end());
    if (!sd.internal_key.GetUint256().IsNull()) in.tap_internal_key = sd.internal_key;
    if (!sd.merkle_root.IsNull()) in.tap_merkle_root = sd.merkle_root;
    for (const auto& [leaf, cbs] : sd.tap_scripts) in.tap_scripts.emplace(leaf, cbs);
    for (const auto& [pk, leaf_origin] : sd.taproot_misc_pubkeys) in.tap_bip32_paths.emplace(pk, leaf_origin);
}

}  // namespace

// ---- key store ---------------------------------------------------------------------------------------------

void PsbtKeyStore::AddKey(const Key& key)
{
    PubKey pk = key.GetPubKey();
    m_keys[pk.GetID()] = key;
    if (pk.IsCompressed()) {
        // combo(): a compressed key is also spendable as P2WPKH, and so as P2SH-P2WPKH.
        Script wpkh;
        wpkh << OP_0;
        wpkh.PushData(std::span<const uint8_t>(pk.GetID().data(), 20));
        m_scripts[Hash160(wpkh.bytes())] = wpkh;
    }
}

void PsbtKeyStore::AddPubKey(const PubKey& pubkey, const KeyOriginInfo& origin)
{
    m_pubkeys[pubkey.GetID()] = {pubkey, origin};
}

void PsbtKeyStore::AddScript(const Script& script) { m_scripts[Hash160(script.bytes())] = script; }

const Key* PsbtKeyStore::GetKey(const uint160& id) const
{
    auto it = m_keys.find(id);
    return it == m_keys.end() ? nullptr : &it->second;
}

const Key* PsbtKeyStore::GetKeyByXOnly(const XOnlyPubKey& xonly) const
{
    for (uint8_t prefix : {uint8_t{0x02}, uint8_t{0x03}}) {
        uint8_t buf[33];
        buf[0] = prefix;
        std::copy(xonly.begin(), xonly.end(), buf + 1);
        if (const Key* k = GetKey(PubKey(buf).GetID())) return k;
    }
    return nullptr;
}

std::optional<XOnlyPubKey> PsbtKeyStore::GetXOnlyByHash(const uint160& id) const
{
    auto match = [&](const PubKey& pk) { return Hash160(std::span<const uint8_t>(pk.data() + 1, 32)) == id; };
    for (const auto& [kid, key] : m_keys) {
        const PubKey pk = key.GetPubKey();
        if (match(pk)) return XOnlyPubKey(pk);
    }
    for (const auto& [kid, entry] : m_pubkeys) {
        if (match(entry.first)) return XOnlyPubKey(entry.first);
    }
    return std::nullopt;
}

std::optional<PubKey> PsbtKeyStore::GetPubKey(const uint160& id) const
{
    if (const Key* k = GetKey(id)) return k->GetPubKey();
    if (auto it = m_pubkeys.find(id); it != m_pubkeys.end()) return it->second.first;
    return std::nullopt;
}

std::optional<KeyOriginInfo> PsbtKeyStore::GetKeyOrigin(const uint160& id) const
{
    if (auto it = m_pubkeys.find(id); it != m_pubkeys.end()) return it->second.second;
    if (const Key* k = GetKey(id)) return OwnOrigin(k->GetPubKey());
    return std::nullopt;
}

std::optional<KeyOriginInfo> PsbtKeyStore::GetKeyOriginByXOnly(const XOnlyPubKey& xonly) const
{
    for (uint8_t prefix : {uint8_t{0x02}, uint8_t{0x03}}) {
        uint8_t buf[33];
        buf[0] = prefix;
        std::copy(xonly.begin(), xonly.end(), buf + 1);
        if (auto it = m_pubkeys.find(PubKey(buf).GetID()); it != m_pubkeys.end()) return it->second.second;
    }
    if (const Key* k = GetKeyByXOnly(xonly)) return OwnOrigin(k->GetPubKey());
    return std::nullopt;
}

const Script* PsbtKeyStore::GetScript(const uint160& id) const
{
    auto it = m_scripts.find(id);
    return it == m_scripts.end() ? nullptr : &it->second;
}

// ---- roles -------------------------------------------------------------------------------------------------

std::optional<PrecomputedTransactionData> PrecomputePsbtData(const Psbt& psbt)
{
    auto tx = psbt.GetUnsignedTx();
    if (!tx) return std::nullopt;
    bool have_all = true;
    std::vector<TxOut> utxos;
    for (const PsbtInput& in : psbt.inputs) {
        if (!in.GetUTXO(utxos.emplace_back())) have_all = false;
    }
    PrecomputedTransactionData txdata;
    if (have_all) {
        txdata.Init(*tx, std::move(utxos), true);
    } else {
        txdata.Init(*tx, {}, true);
    }
    return txdata;
}

bool PsbtInputSigned(const PsbtInput& in) { return !in.final_script_sig.empty() || !in.final_script_witness.IsNull(); }

bool PsbtInputSignedAndVerified(const Psbt& psbt, unsigned int index, const PrecomputedTransactionData* txdata)
{
    const PsbtInput& in = psbt.inputs.at(index);
    TxOut utxo;
    if (!in.GetUTXO(utxo)) return false;
    auto tx = psbt.GetUnsignedTx();
    if (!tx) return false;
    if (txdata) {
        MutableTransactionSignatureChecker checker(&*tx, index, utxo.value, *txdata, MissingDataBehavior::FAIL);
        return VerifyScript(in.final_script_sig, utxo.script_pubkey, &in.final_script_witness,
                            STANDARD_SCRIPT_VERIFY_FLAGS, checker);
    }
    MutableTransactionSignatureChecker checker(&*tx, index, utxo.value, MissingDataBehavior::FAIL);
    return VerifyScript(in.final_script_sig, utxo.script_pubkey, &in.final_script_witness,
                        STANDARD_SCRIPT_VERIFY_FLAGS, checker);
}

size_t CountPsbtUnsignedInputs(const Psbt& psbt)
{
    return std::count_if(psbt.inputs.begin(), psbt.inputs.end(), [](const PsbtInput& in) { return !PsbtInputSigned(in); });
}

PsbtError SignPsbtInput(const PsbtKeyStore& keys, Psbt& psbt, unsigned int index,
                        const PrecomputedTransactionData* txdata, std::optional<int> sighash_type, bool finalize,
                        PsbtMissing* missing, bool bip32_derivs)
{
    PsbtInput& in = psbt.inputs.at(index);
    auto tx = psbt.GetUnsignedTx();
    if (!tx) return PsbtError::INVALID_TX;
    if (PsbtInputSignedAndVerified(psbt, index, txdata)) return PsbtError::OK;

    SigData sd;
    FillSigData(in, sd);

    bool require_witness_sig = false;
    TxOut utxo;
    if (in.non_witness_utxo) {
        if (in.prev_out >= in.non_witness_utxo->vout.size()) return PsbtError::MISSING_INPUTS;
        if (in.non_witness_utxo->GetHash() != in.prev_txid) return PsbtError::MISSING_INPUTS;
        utxo = in.non_witness_utxo->vout[in.prev_out];
    } else if (!in.witness_utxo.IsNull()) {
        utxo = in.witness_utxo;
        // A witness UTXO alone cannot be checked against the spent transaction: only a witness signature, which
        // commits to the amount, is safe then (Core).
        require_witness_sig = true;
    } else {
        return PsbtError::MISSING_INPUTS;
    }

    const bool is_taproot = utxo.script_pubkey.IsPayToTaproot();
    int sighash = sighash_type.value_or(is_taproot ? SIGHASH_DEFAULT : SIGHASH_ALL);
    if (in.sighash_type && *in.sighash_type != sighash) return PsbtError::SIGHASH_MISMATCH;
    if (is_taproot ? sighash != SIGHASH_DEFAULT : (sighash != SIGHASH_DEFAULT && sighash != SIGHASH_ALL)) {
        in.sighash_type = sighash;
    }
    if (sighash == SIGHASH_DEFAULT) {
        if (!in.tap_key_sig.empty() && in.tap_key_sig.size() != 64) return PsbtError::SIGHASH_MISMATCH;
        for (const auto& [k, sig] : in.tap_script_sigs) {
            if (sig.size() != 64) return PsbtError::SIGHASH_MISMATCH;
        }
    } else {
        if (!in.tap_key_sig.empty() && (in.tap_key_sig.size() != 65 || in.tap_key_sig.back() != sighash)) {
            return PsbtError::SIGHASH_MISMATCH;
        }
        for (const auto& [k, sig] : in.tap_script_sigs) {
            if (sig.size() != 65 || sig.back() != sighash) return PsbtError::SIGHASH_MISMATCH;
        }
        for (const auto& [k, sig] : in.partial_sigs) {
            if (sig.second.back() != sighash) return PsbtError::SIGHASH_MISMATCH;
        }
    }

    sd.witness = false;
    Creator creator(*tx, index, utxo.value, txdata, sighash);
    bool complete = ProduceSignature(keys, creator, utxo.script_pubkey, sd, bip32_derivs);
    if (require_witness_sig && !sd.witness) return PsbtError::INCOMPLETE;
    if (!finalize && sd.complete) sd.complete = false;
    FromSigData(in, sd);
    if (sd.witness) in.witness_utxo = utxo;
    if (missing) *missing = sd.missing;
    return complete ? PsbtError::OK : PsbtError::INCOMPLETE;
}

bool FinalizePsbt(Psbt& psbt)
{
    auto txdata = PrecomputePsbtData(psbt);
    if (!txdata) return false;
    bool complete = true;
    PsbtKeyStore none;
    for (unsigned int i = 0; i < psbt.inputs.size(); ++i) {
        complete &= SignPsbtInput(none, psbt, i, &*txdata, psbt.inputs[i].sighash_type, true) == PsbtError::OK;
    }
    return complete;
}

bool FinalizeAndExtractPsbt(Psbt& psbt, MutableTransaction& result)
{
    if (!FinalizePsbt(psbt)) return false;
    auto tx = psbt.GetUnsignedTx();
    if (!tx) return false;
    result = *tx;
    for (size_t i = 0; i < result.vin.size(); ++i) {
        result.vin[i].script_sig = psbt.inputs[i].final_script_sig;
        result.vin[i].witness = psbt.inputs[i].final_script_witness;
    }
    return true;
}

void RemoveUnnecessaryTransactions(Psbt& psbt)
{
    std::vector<size_t> to_drop;
    for (size_t i = 0; i < psbt.inputs.size(); ++i) {
        const PsbtInput& in = psbt.inputs[i];
        int ver;
        std::vector<uint8_t> prog;
        if (in.witness_utxo.IsNull() || !in.witness_utxo.script_pubkey.IsWitnessProgram(ver, prog) || ver == 0) {
            return;
        }
        if (in.sighash_type && (*in.sighash_type & 0x80) == SIGHASH_ANYONECANPAY) return;
        if (in.non_witness_utxo) to_drop.push_back(i);
    }
    for (size_t i : to_drop) psbt.inputs[i].non_witness_utxo = nullptr;
}

void UpdatePsbtOutput(const PsbtKeyStore& keys, Psbt& psbt, unsigned int index)
{
    auto tx = psbt.GetUnsignedTx();
    if (!tx) return;
    const TxOut& out = tx->vout.at(index);
    PsbtOutput& pout = psbt.outputs.at(index);
    SigData sd;
    if (!pout.redeem_script.empty()) sd.redeem_script = pout.redeem_script;
    if (!pout.witness_script.empty()) sd.witness_script = pout.witness_script;
    for (const auto& [pk, origin] : pout.hd_keypaths) sd.misc_pubkeys.emplace(pk.GetID(), std::make_pair(pk, origin));
    // A would-be spend of the output, to learn its scripts and keys (no real signatures are needed).
    MutableTransaction spend;
    spend.vin.emplace_back();
    PrecomputedTransactionData none;
    Creator creator(spend, 0, out.value, &none, SIGHASH_ALL);
    PsbtKeyStore public_only;
    (void)public_only;
    ProduceSignature(keys, creator, out.script_pubkey, sd, true);
    if (pout.redeem_script.empty() && !sd.redeem_script.empty()) pout.redeem_script = sd.redeem_script;
    if (pout.witness_script.empty() && !sd.witness_script.empty()) pout.witness_script = sd.witness_script;
    for (const auto& [id, entry] : sd.misc_pubkeys) pout.hd_keypaths.emplace(entry.first, entry.second);
    for (const auto& [pk, leaf_origin] : sd.taproot_misc_pubkeys) pout.tap_bip32_paths.emplace(pk, leaf_origin);
}

void UpdatePsbtFromData(Psbt& psbt, const PsbtKeyStore& store, const std::vector<TransactionRef>& prev_txs)
{
    for (PsbtInput& in : psbt.inputs) {
        for (const TransactionRef& tx : prev_txs) {
            if (tx->GetHash() != in.prev_txid || in.prev_out >= tx->vout.size()) continue;
            const TxOut& spent = tx->vout[in.prev_out];
            int version;
            std::vector<uint8_t> program;
            bool segwit = spent.script_pubkey.IsWitnessProgram(version, program);
            std::vector<std::vector<uint8_t>> sols;
            if (!segwit && Solver(spent.script_pubkey, sols) == TxoutType::SCRIPTHASH) {
                const Script* redeem = store.GetScript(uint160(sols[0]));
                segwit = redeem && redeem->IsWitnessProgram(version, program);
            }
            if (segwit) {
                in.witness_utxo = spent;
            } else {
                in.non_witness_utxo = tx;
            }
        }
    }
    auto txdata = PrecomputePsbtData(psbt);
    if (!txdata) return;
    for (unsigned int i = 0; i < psbt.inputs.size(); ++i) {
        if (PsbtInputSigned(psbt.inputs[i])) continue;
        // Signing without secrets fills in scripts and key origins only.
        SignPsbtInput(store, psbt, i, &*txdata, std::nullopt, false);
    }
    for (unsigned int i = 0; i < psbt.outputs.size(); ++i) UpdatePsbtOutput(store, psbt, i);
}

bool SignPsbtWithKeys(const PsbtKeyStore& keys, Psbt& psbt, std::optional<int> sighash_type, bool finalize,
                      bool bip32_derivs)
{
    auto txdata = PrecomputePsbtData(psbt);
    if (!txdata) return false;
    bool complete = true;
    for (unsigned int i = 0; i < psbt.inputs.size(); ++i) {
        if (PsbtInputSigned(psbt.inputs[i])) continue;
        complete &= SignPsbtInput(keys, psbt, i, &*txdata, sighash_type, finalize, nullptr, bip32_derivs) ==
                    PsbtError::OK;
    }
    RemoveUnnecessaryTransactions(psbt);
    if (bip32_derivs) {
        for (unsigned int i = 0; i < psbt.outputs.size(); ++i) UpdatePsbtOutput(keys, psbt, i);
    }
    return complete;
}

std::string PsbtRoleName(PsbtRole role)
{
    switch (role) {
    case PsbtRole::CREATOR: return "creator";
    case PsbtRole::UPDATER: return "updater";
    case PsbtRole::SIGNER: return "signer";
    case PsbtRole::FINALIZER: return "finalizer";
    case PsbtRole::EXTRACTOR: return "extractor";
    }
    return "";
}

PsbtAnalysis AnalyzePsbt(Psbt psbt)
{
    PsbtAnalysis result;
    auto unsigned_tx = psbt.GetUnsignedTx();
    auto set_invalid = [&](const std::string& err) {
        result = PsbtAnalysis{};
        result.error = err;
        result.next = PsbtRole::CREATOR;
    };
    if (!unsigned_tx) {
        set_invalid("PSBT cannot be made into a valid transaction");
        return result;
    }
    MutableTransaction& mtx = *unsigned_tx;
    bool calc_fee = true;
    Amount in_amt = 0;
    result.inputs.resize(psbt.inputs.size());
    const PrecomputedTransactionData txdata = *PrecomputePsbtData(psbt);
    PsbtKeyStore none;

    for (unsigned int i = 0; i < psbt.inputs.size(); ++i) {
        PsbtInput& in = psbt.inputs[i];
        PsbtInputAnalysis& ia = result.inputs[i];
        ia.next = PsbtRole::EXTRACTOR;
        TxOut utxo;
        if (in.GetUTXO(utxo)) {
            if (!MoneyRange(utxo.value) || !MoneyRange(in_amt + utxo.value)) {
                set_invalid("PSBT is not valid. Input " + std::to_string(i) + " has invalid value");
                return result;
            }
            in_amt += utxo.value;
            ia.has_utxo = true;
        } else {
            if (in.non_witness_utxo && in.prev_out >= in.non_witness_utxo->vout.size()) {
                set_invalid("PSBT is not valid. Input " + std::to_string(i) + " specifies invalid prevout");
                return result;
            }
            ia.has_utxo = false;
            ia.is_final = false;
            ia.next = PsbtRole::UPDATER;
            calc_fee = false;
        }
        if (!utxo.IsNull() && utxo.script_pubkey.IsUnspendable()) {
            set_invalid("PSBT is not valid. Input " + std::to_string(i) + " spends unspendable output");
            return result;
        }
        if (!PsbtInputSignedAndVerified(psbt, i, &txdata)) {
            ia.is_final = false;
            PsbtMissing miss;
            bool complete = SignPsbtInput(none, psbt, i, &txdata, std::nullopt, true, &miss) == PsbtError::OK;
            if (!complete) {
                ia.missing_pubkeys = miss.pubkeys;
                ia.missing_redeem_script = miss.redeem_script;
                ia.missing_witness_script = miss.witness_script;
                ia.missing_sigs = miss.sigs;
                if (miss.pubkeys.empty() && miss.redeem_script.IsNull() && miss.witness_script.IsNull() &&
                    !miss.sigs.empty()) {
                    ia.next = PsbtRole::SIGNER;
                } else {
                    ia.next = PsbtRole::UPDATER;
                }
            } else {
                ia.next = PsbtRole::FINALIZER;
            }
        } else if (!utxo.IsNull()) {
            ia.is_final = true;
        }
    }
    result.next = PsbtRole::EXTRACTOR;
    for (const auto& ia : result.inputs) result.next = std::min(result.next, ia.next);

    if (calc_fee) {
        Amount out_amt = 0;
        for (const PsbtOutput& out : psbt.outputs) {
            if (!MoneyRange(out_amt) || !MoneyRange(out.amount) || !MoneyRange(out_amt + out.amount)) {
                out_amt = -1;
                break;
            }
            out_amt += out.amount;
        }
        if (!MoneyRange(out_amt)) {
            set_invalid("PSBT is not valid. Output amount invalid");
            return result;
        }
        Amount fee = in_amt - out_amt;
        result.fee = fee;

        bool success = true;
        std::vector<TxOut> spent;
        for (unsigned int i = 0; i < psbt.inputs.size(); ++i) {
            PsbtInput& in = psbt.inputs[i];
            TxOut coin;
            if (SignPsbtInput(none, psbt, i, nullptr, std::nullopt, true) != PsbtError::OK || !in.GetUTXO(coin)) {
                success = false;
                break;
            }
            mtx.vin[i].script_sig = in.final_script_sig;
            mtx.vin[i].witness = in.final_script_witness;
            spent.push_back(coin);
        }
        if (success) {
            const Transaction ctx(mtx);
            // Core's GetTransactionSigOpCost: legacy and P2SH sigops weigh 4, witness sigops 1.
            int64_t sigops = 0;
            for (const TxIn& txin : ctx.vin) sigops += txin.script_sig.GetSigOpCount(false);
            for (const TxOut& txout : ctx.vout) sigops += txout.script_pubkey.GetSigOpCount(false);
            sigops *= WITNESS_SCALE_FACTOR;
            for (size_t i = 0; i < ctx.vin.size(); ++i) {
                const Script& spk = spent[i].script_pubkey;
                if (spk.IsPayToScriptHash()) {
                    sigops += int64_t(spk.GetSigOpCount(ctx.vin[i].script_sig)) * WITNESS_SCALE_FACTOR;
                }
                sigops += CountWitnessSigOps(ctx.vin[i].script_sig, spk, &ctx.vin[i].witness,
                                             STANDARD_SCRIPT_VERIFY_FLAGS);
            }
            size_t size = GetVirtualTransactionSize(ctx, sigops, DEFAULT_BYTES_PER_SIGOP);
            result.estimated_vsize = size;
            result.estimated_feerate = FeeRate(fee, static_cast<int64_t>(size)).GetFeePerK();
        }
    }
    return result;
}
