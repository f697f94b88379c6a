// Script verification of one signed input (P2PKH, P2WPKH, P2TR key path, P2TR script path) against the bare
// libsecp256k1 verification of the same signature: the ratio is the interpreter's and sighash's overhead.
#include "bench.h"

#include "crypto/hash.h"
#include "crypto/key.h"
#include "script/interpreter.h"
#include "script/sighash.h"

#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>

#include <cstdlib>
#include <memory>

namespace {
// Consensus flags at the tip plus the standard encoding rules, as a node verifies mempool transactions.
constexpr uint32_t FLAGS = SCRIPT_VERIFY_P2SH | SCRIPT_VERIFY_STRICTENC | SCRIPT_VERIFY_DERSIG | SCRIPT_VERIFY_LOW_S |
                           SCRIPT_VERIFY_NULLDUMMY | SCRIPT_VERIFY_CHECKLOCKTIMEVERIFY |
                           SCRIPT_VERIFY_CHECKSEQUENCEVERIFY | SCRIPT_VERIFY_WITNESS | SCRIPT_VERIFY_NULLFAIL |
                           SCRIPT_VERIFY_WITNESS_PUBKEYTYPE | SCRIPT_VERIFY_TAPROOT;
constexpr Amount AMOUNT = 50000;

Key MakeKey(uint8_t fill)
{
    std::vector<uint8_t> secret(32, fill);
    Key key;
    key.Set(secret, true);
    return key;
}

/** One transaction spending one output, signed; plus the raw signature for the baseline. */
struct SignedSpend {
    std::unique_ptr<Transaction> tx;
    TxOut spent;
    std::unique_ptr<PrecomputedTransactionData> txdata;
    // Baseline material.
    uint256 sighash;
    std::vector<uint8_t> sig;  // DER (ECDSA) or 64-byte BIP340
    std::vector<uint8_t> pubkey;  // 33-byte compressed or 32-byte x-only
};

MutableTransaction Skeleton()
{
    MutableTransaction mtx;
    mtx.version = 2;
    TxIn in;
    in.prevout = OutPoint(Hash256(std::vector<uint8_t>{1, 2, 3}), 0);
    in.sequence = 0xfffffffd;
    mtx.vin.push_back(in);
    Script out;
    out << OP_0 << std::vector<uint8_t>(20, 0x42);
    mtx.vout.emplace_back(AMOUNT - 1000, out);
    return mtx;
}

void Finish(SignedSpend& s, MutableTransaction&& mtx)
{
    s.tx = std::make_unique<Transaction>(std::move(mtx));
    s.txdata = std::make_unique<PrecomputedTransactionData>();
    s.txdata->Init(*s.tx, std::vector<TxOut>{s.spent});
}

Script P2pkhScript(const PubKey& pub)
{
    const uint160 id = pub.GetID();
    Script spk;
    spk << OP_DUP << OP_HASH160 << std::span<const uint8_t>(id.data(), 20) << OP_EQUALVERIFY << OP_CHECKSIG;
    return spk;
}

SignedSpend MakeP2pkh()
{
    SignedSpend s;
    const Key key = MakeKey(0x11);
    const PubKey pub = key.GetPubKey();
    s.spent = TxOut(AMOUNT, P2pkhScript(pub));
    MutableTransaction mtx = Skeleton();
    s.sighash = SignatureHash(s.spent.script_pubkey, mtx, 0, SIGHASH_ALL, AMOUNT, SigVersion::BASE);
    key.Sign(s.sighash, s.sig);
    std::vector<uint8_t> with_type = s.sig;
    with_type.push_back(SIGHASH_ALL);
    s.pubkey.assign(pub.begin(), pub.end());
    mtx.vin[0].script_sig << with_type << s.pubkey;
    Finish(s, std::move(mtx));
    return s;
}

SignedSpend MakeP2wpkh()
{
    SignedSpend s;
    const Key key = MakeKey(0x22);
    const PubKey pub = key.GetPubKey();
    const uint160 id = pub.GetID();
    Script spk;
    spk << OP_0 << std::span<const uint8_t>(id.data(), 20);
    s.spent = TxOut(AMOUNT, spk);
    MutableTransaction mtx = Skeleton();
    s.sighash = SignatureHash(P2pkhScript(pub), mtx, 0, SIGHASH_ALL, AMOUNT, SigVersion::WITNESS_V0);
    key.Sign(s.sighash, s.sig);
    std::vector<uint8_t> with_type = s.sig;
    with_type.push_back(SIGHASH_ALL);
    s.pubkey.assign(pub.begin(), pub.end());
    mtx.vin[0].witness.stack = {with_type, s.pubkey};
    Finish(s, std::move(mtx));
    return s;
}

SignedSpend MakeP2trKeyPath()
{
    SignedSpend s;
    const Key key = MakeKey(0x33);
    const XOnlyPubKey internal = key.GetXOnlyPubKey();
    const auto output = internal.CreateTapTweak(nullptr);
    Script spk;
    spk << OP_1 << std::span<const uint8_t>(output->first.data(), 32);
    s.spent = TxOut(AMOUNT, spk);
    MutableTransaction mtx = Skeleton();
    PrecomputedTransactionData pre;
    pre.Init(mtx, std::vector<TxOut>{s.spent}, true);  // force: the unsigned input has no witness yet
    ScriptExecutionData execdata;
    execdata.annex_init = true;
    execdata.annex_present = false;
    if (!SignatureHashSchnorr(s.sighash, execdata, mtx, 0, SIGHASH_DEFAULT, SigVersion::TAPROOT, pre,
                              MissingDataBehavior::FAIL)) {
        std::abort();  // benchmark setup broken
    }
    s.sig.resize(64);
    key.SignSchnorr(s.sighash, s.sig, nullptr, uint256());
    s.pubkey.assign(output->first.begin(), output->first.end());
    mtx.vin[0].witness.stack = {s.sig};
    Finish(s, std::move(mtx));
    return s;
}

SignedSpend MakeP2trScriptPath()
{
    SignedSpend s;
    const Key internal_key = MakeKey(0x44);
    const Key leaf_key = MakeKey(0x55);
    const XOnlyPubKey internal = internal_key.GetXOnlyPubKey();
    const XOnlyPubKey leaf_pub = leaf_key.GetXOnlyPubKey();
    Script leaf;
    leaf << std::span<const uint8_t>(leaf_pub.data(), 32) << OP_CHECKSIG;
    const uint256 leaf_hash = ComputeTapleafHash(TAPROOT_LEAF_TAPSCRIPT, leaf.bytes());
    const uint256 root = leaf_hash;  // a tree of one leaf
    const auto output = internal.CreateTapTweak(&root);
    Script spk;
    spk << OP_1 << std::span<const uint8_t>(output->first.data(), 32);
    s.spent = TxOut(AMOUNT, spk);
    MutableTransaction mtx = Skeleton();
    PrecomputedTransactionData pre;
    pre.Init(mtx, std::vector<TxOut>{s.spent}, true);  // force: the unsigned input has no witness yet
    ScriptExecutionData execdata;
    execdata.annex_init = true;
    execdata.annex_present = false;
    execdata.tapleaf_hash_init = true;
    execdata.tapleaf_hash = leaf_hash;
    execdata.codeseparator_pos_init = true;
    execdata.codeseparator_pos = 0xFFFFFFFF;
    if (!SignatureHashSchnorr(s.sighash, execdata, mtx, 0, SIGHASH_DEFAULT, SigVersion::TAPSCRIPT, pre,
                              MissingDataBehavior::FAIL)) {
        std::abort();  // benchmark setup broken
    }
    s.sig.resize(64);
    leaf_key.SignSchnorr(s.sighash, s.sig, nullptr, uint256(), false);
    s.pubkey.assign(leaf_pub.begin(), leaf_pub.end());
    std::vector<uint8_t> control{uint8_t(TAPROOT_LEAF_TAPSCRIPT | (output->second ? 1 : 0))};
    control.insert(control.end(), internal.begin(), internal.end());
    mtx.vin[0].witness.stack = {s.sig, leaf.bytes(), control};
    Finish(s, std::move(mtx));
    return s;
}

void VerifyInput(benchmark::State& state, const SignedSpend& s)
{
    const TransactionSignatureChecker checker(s.tx.get(), 0, s.spent.value, *s.txdata, MissingDataBehavior::FAIL);
    const TxIn& in = s.tx->vin[0];
    ScriptError err;
    if (!VerifyScript(in.script_sig, s.spent.script_pubkey, &in.witness, FLAGS, checker, &err)) {
        state.SkipWithError(("signed input does not verify: " + ScriptErrorString(err)).c_str());
        return;
    }
    for (auto _ : state) {
        bool ok = VerifyScript(in.script_sig, s.spent.script_pubkey, &in.witness, FLAGS, checker, &err);
        benchmark::DoNotOptimize(ok);
    }
}

void RawEcdsa(benchmark::State& state, const SignedSpend& s)
{
    const secp256k1_context* ctx = Secp256k1VerifyContext();
    secp256k1_pubkey pk;
    secp256k1_ecdsa_signature sig;
    if (!secp256k1_ec_pubkey_parse(ctx, &pk, s.pubkey.data(), s.pubkey.size()) ||
        !secp256k1_ecdsa_signature_parse_der(ctx, &sig, s.sig.data(), s.sig.size()) ||
        !secp256k1_ecdsa_verify(ctx, &sig, s.sighash.data(), &pk)) {
        state.SkipWithError("raw ECDSA verification failed");
        return;
    }
    for (auto _ : state) benchmark::DoNotOptimize(secp256k1_ecdsa_verify(ctx, &sig, s.sighash.data(), &pk));
}

void RawSchnorr(benchmark::State& state, const SignedSpend& s)
{
    const secp256k1_context* ctx = Secp256k1VerifyContext();
    secp256k1_xonly_pubkey pk;
    if (!secp256k1_xonly_pubkey_parse(ctx, &pk, s.pubkey.data()) ||
        !secp256k1_schnorrsig_verify(ctx, s.sig.data(), s.sighash.data(), 32, &pk)) {
        state.SkipWithError("raw Schnorr verification failed");
        return;
    }
    for (auto _ : state) {
        benchmark::DoNotOptimize(secp256k1_schnorrsig_verify(ctx, s.sig.data(), s.sighash.data(), 32, &pk));
    }
}

const SignedSpend& P2pkh()
{
    static const SignedSpend s = MakeP2pkh();
    return s;
}
const SignedSpend& P2wpkh()
{
    static const SignedSpend s = MakeP2wpkh();
    return s;
}
const SignedSpend& P2trKey()
{
    static const SignedSpend s = MakeP2trKeyPath();
    return s;
}
const SignedSpend& P2trScript()
{
    static const SignedSpend s = MakeP2trScriptPath();
    return s;
}

void VerifyP2pkhRawEcdsa(benchmark::State& state) { RawEcdsa(state, P2pkh()); }
void VerifyP2pkh(benchmark::State& state) { VerifyInput(state, P2pkh()); }
void VerifyP2wpkhRawEcdsa(benchmark::State& state) { RawEcdsa(state, P2wpkh()); }
void VerifyP2wpkh(benchmark::State& state) { VerifyInput(state, P2wpkh()); }
void VerifyP2trKeyRawSchnorr(benchmark::State& state) { RawSchnorr(state, P2trKey()); }
void VerifyP2trKeyPath(benchmark::State& state) { VerifyInput(state, P2trKey()); }
void VerifyP2trScriptRawSchnorr(benchmark::State& state) { RawSchnorr(state, P2trScript()); }
void VerifyP2trScriptPath(benchmark::State& state) { VerifyInput(state, P2trScript()); }
}  // namespace

BENCHMARK(VerifyP2pkhRawEcdsa);
SOV_BENCHMARK_VS(VerifyP2pkh, VerifyP2pkhRawEcdsa);
BENCHMARK(VerifyP2wpkhRawEcdsa);
SOV_BENCHMARK_VS(VerifyP2wpkh, VerifyP2wpkhRawEcdsa);
BENCHMARK(VerifyP2trKeyRawSchnorr);
SOV_BENCHMARK_VS(VerifyP2trKeyPath, VerifyP2trKeyRawSchnorr);
BENCHMARK(VerifyP2trScriptRawSchnorr);
SOV_BENCHMARK_VS(VerifyP2trScriptPath, VerifyP2trScriptRawSchnorr);
