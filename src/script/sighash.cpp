// Signature hashes: legacy (original serializer), BIP143 (witness v0) and BIP341/342 (taproot), plus the
// per-transaction cache of their sub-hashes.
#include "script/sighash.h"

#include "crypto/hash.h"

#include <utility>

namespace {

/** Legacy SIGHASH_SINGLE without a matching output signs this constant (a consensus bug kept forever). */
uint256 UintOne()
{
    uint256 one;
    one.data()[0] = 1;
    return one;
}

template <class Tx>
uint256 PrevoutsSha256(const Tx& tx)
{
    HashWriter w;
    for (const TxIn& in : tx.vin) SerializeOutPoint(w, in.prevout);
    return w.GetSha256();
}

template <class Tx>
uint256 SequencesSha256(const Tx& tx)
{
    HashWriter w;
    for (const TxIn& in : tx.vin) WriteLE(w, in.sequence);
    return w.GetSha256();
}

template <class Tx>
uint256 OutputsSha256(const Tx& tx)
{
    HashWriter w;
    for (const TxOut& out : tx.vout) SerializeTxOut(w, out);
    return w.GetSha256();
}

uint256 SpentAmountsSha256(const std::vector<TxOut>& spent)
{
    HashWriter w;
    for (const TxOut& out : spent) WriteLE(w, out.value);
    return w.GetSha256();
}

uint256 SpentScriptsSha256(const std::vector<TxOut>& spent)
{
    HashWriter w;
    for (const TxOut& out : spent) WriteBytes(w, out.script_pubkey.bytes());
    return w.GetSha256();
}

uint256 Sha256Of(const uint256& h) { return Sha256Hash(std::span<const uint8_t>(h.data(), h.size())); }

/** The script code as the legacy serializer writes it: OP_CODESEPARATORs dropped. The length prefix counts
 *  every other byte of the script; like Core, the copy stops where GetOp stops (a truncated push), so a
 *  malformed script yields the same (inconsistent) preimage Core hashes. */
template <typename S>
void WriteScriptCodeWithoutSeparators(S& s, const Script& script_code)
{
    const std::vector<uint8_t>& bytes = script_code.bytes();
    size_t separators = 0;
    size_t pc = 0;
    opcodetype op;
    while (script_code.GetOp(pc, op)) {
        if (op == OP_CODESEPARATOR) ++separators;
    }
    WriteCompactSize(s, bytes.size() - separators);
    size_t begin = 0;
    pc = 0;
    while (script_code.GetOp(pc, op)) {
        if (op == OP_CODESEPARATOR) {
            s.write(std::span<const uint8_t>(bytes.data() + begin, pc - 1 - begin));
            begin = pc;
        }
    }
    if (begin != bytes.size()) s.write(std::span<const uint8_t>(bytes.data() + begin, pc - begin));
}

/** The original (pre-segwit) transaction serialization for signing, with the hash type's modifications. */
template <typename S, class Tx>
void WriteLegacySigningTx(S& s, const Tx& tx, const Script& script_code, unsigned int n_in, int32_t hash_type)
{
    const bool anyone_can_pay = (hash_type & SIGHASH_ANYONECANPAY) != 0;
    const bool hash_single = (hash_type & 0x1f) == SIGHASH_SINGLE;
    const bool hash_none = (hash_type & 0x1f) == SIGHASH_NONE;

    WriteLE(s, tx.version);
    const size_t n_inputs = anyone_can_pay ? 1 : tx.vin.size();
    WriteCompactSize(s, n_inputs);
    for (size_t i = 0; i < n_inputs; ++i) {
        const size_t input = anyone_can_pay ? n_in : i;
        const TxIn& in = tx.vin[input];
        SerializeOutPoint(s, in.prevout);
        if (input == n_in) {
            WriteScriptCodeWithoutSeparators(s, script_code);
        } else {
            WriteCompactSize(s, 0);  // other inputs' scriptSigs are blanked
        }
        if (input != n_in && (hash_single || hash_none)) {
            WriteLE<S, uint32_t>(s, 0);  // other inputs' sequences are left free to change
        } else {
            WriteLE(s, in.sequence);
        }
    }
    const size_t n_outputs = hash_none ? 0 : hash_single ? n_in + 1 : tx.vout.size();
    WriteCompactSize(s, n_outputs);
    for (size_t i = 0; i < n_outputs; ++i) {
        if (hash_single && i != n_in) {
            SerializeTxOut(s, TxOut());  // value -1 and an empty script: outputs at other indices not committed
        } else {
            SerializeTxOut(s, tx.vout[i]);
        }
    }
    WriteLE(s, tx.lock_time);
}

}  // namespace

template <typename Tx>
void PrecomputedTransactionData::Init(const Tx& tx, std::vector<TxOut>&& spent, bool force)
{
    bip143_segwit_ready = false;
    bip341_taproot_ready = false;
    spent_outputs = std::move(spent);
    // One spent output per input, or none at all (Core asserts this; here a mismatch means "unknown").
    spent_outputs_ready = !spent_outputs.empty() && spent_outputs.size() == tx.vin.size();
    if (!spent_outputs_ready) spent_outputs.clear();

    bool uses_bip143 = force;
    bool uses_bip341 = force;
    for (size_t i = 0; i < tx.vin.size() && !(uses_bip143 && uses_bip341); ++i) {
        if (tx.vin[i].witness.IsNull()) continue;
        const Script& spk = spent_outputs_ready ? spent_outputs[i].script_pubkey : Script();
        if (spent_outputs_ready && spk.size() == 2 + WITNESS_V1_TAPROOT_SIZE && spk[0] == OP_1) {
            // Any witness spend of a 34-byte OP_1 script is treated as taproot; a wrong guess fails validation.
            uses_bip341 = true;
        } else {
            // Everything else with a witness may be v0 (possibly P2SH-wrapped): compute BIP143 data.
            uses_bip143 = true;
        }
    }

    if (uses_bip143 || uses_bip341) {
        prevouts_single_hash = PrevoutsSha256(tx);
        sequences_single_hash = SequencesSha256(tx);
        outputs_single_hash = OutputsSha256(tx);
    }
    if (uses_bip143) {
        // BIP143 uses double SHA256: the second round over the BIP341 single hashes.
        hash_prevouts = Sha256Of(prevouts_single_hash);
        hash_sequence = Sha256Of(sequences_single_hash);
        hash_outputs = Sha256Of(outputs_single_hash);
        bip143_segwit_ready = true;
    }
    if (uses_bip341 && spent_outputs_ready) {
        spent_amounts_single_hash = SpentAmountsSha256(spent_outputs);
        spent_scripts_single_hash = SpentScriptsSha256(spent_outputs);
        bip341_taproot_ready = true;
    }
}

template <typename Tx>
PrecomputedTransactionData::PrecomputedTransactionData(const Tx& tx)
{
    Init(tx, {});
}

template <class Tx>
uint256 SignatureHash(const Script& script_code, const Tx& tx, unsigned int n_in, int32_t hash_type, Amount amount,
                      SigVersion sigversion, const PrecomputedTransactionData* cache)
{
    // Core asserts here; an out-of-range input signs the constant one, as early Core versions returned.
    if (n_in >= tx.vin.size()) return UintOne();

    if (sigversion == SigVersion::WITNESS_V0) {
        // BIP143.
        const int base_type = hash_type & 0x1f;
        const bool anyone_can_pay = (hash_type & SIGHASH_ANYONECANPAY) != 0;
        const bool cached = cache && cache->bip143_segwit_ready;
        uint256 hash_prevouts, hash_sequence, hash_outputs;
        if (!anyone_can_pay) {
            hash_prevouts = cached ? cache->hash_prevouts : Sha256Of(PrevoutsSha256(tx));
        }
        if (!anyone_can_pay && base_type != SIGHASH_SINGLE && base_type != SIGHASH_NONE) {
            hash_sequence = cached ? cache->hash_sequence : Sha256Of(SequencesSha256(tx));
        }
        if (base_type != SIGHASH_SINGLE && base_type != SIGHASH_NONE) {
            hash_outputs = cached ? cache->hash_outputs : Sha256Of(OutputsSha256(tx));
        } else if (base_type == SIGHASH_SINGLE && n_in < tx.vout.size()) {
            HashWriter w;
            SerializeTxOut(w, tx.vout[n_in]);
            hash_outputs = w.GetHash();
        }
        HashWriter w;
        WriteLE(w, tx.version);
        WriteBlob(w, hash_prevouts);
        WriteBlob(w, hash_sequence);
        SerializeOutPoint(w, tx.vin[n_in].prevout);
        WriteBytes(w, script_code.bytes());  // the whole script code, separators included
        WriteLE(w, amount);
        WriteLE(w, tx.vin[n_in].sequence);
        WriteBlob(w, hash_outputs);
        WriteLE(w, tx.lock_time);
        WriteLE(w, hash_type);
        return w.GetHash();
    }

    if ((hash_type & 0x1f) == SIGHASH_SINGLE && n_in >= tx.vout.size()) return UintOne();

    HashWriter w;
    WriteLegacySigningTx(w, tx, script_code, n_in, hash_type);
    WriteLE(w, hash_type);
    return w.GetHash();
}

namespace {

/** Writes the BIP341 signature message (epoch byte first) to w; false where the signature must fail. */
template <typename W, class Tx>
bool WriteSchnorrMessage(W& w, ScriptExecutionData& execdata, const Tx& tx, unsigned int n_in, uint8_t hash_type,
                         SigVersion sigversion, const PrecomputedTransactionData& cache)
{
    uint8_t ext_flag;
    if (sigversion == SigVersion::TAPROOT) {
        ext_flag = 0;
    } else if (sigversion == SigVersion::TAPSCRIPT) {
        ext_flag = 1;  // BIP342
    } else {
        return false;
    }
    if (n_in >= tx.vin.size()) return false;
    // Core aborts on missing data with MissingDataBehavior::ASSERT_FAIL; failing the signature is the safe
    // equivalent without a crash, and what FAIL asks for.
    if (!(cache.bip341_taproot_ready && cache.spent_outputs_ready)) return false;
    if (!execdata.annex_init) return false;
    if (sigversion == SigVersion::TAPSCRIPT && !(execdata.tapleaf_hash_init && execdata.codeseparator_pos_init)) {
        return false;
    }

    // BIP341: SIGHASH_DEFAULT (0) means SIGHASH_ALL; only 0x00-0x03 and 0x81-0x83 are defined.
    const uint8_t output_type = hash_type == SIGHASH_DEFAULT ? SIGHASH_ALL : (hash_type & SIGHASH_OUTPUT_MASK);
    const uint8_t input_type = hash_type & SIGHASH_INPUT_MASK;
    if (!(hash_type <= 0x03 || (hash_type >= 0x81 && hash_type <= 0x83))) return false;

    WriteLE<W, uint8_t>(w, 0);  // epoch
    WriteLE(w, hash_type);
    WriteLE(w, tx.version);
    WriteLE(w, tx.lock_time);
    if (input_type != SIGHASH_ANYONECANPAY) {
        WriteBlob(w, cache.prevouts_single_hash);
        WriteBlob(w, cache.spent_amounts_single_hash);
        WriteBlob(w, cache.spent_scripts_single_hash);
        WriteBlob(w, cache.sequences_single_hash);
    }
    if (output_type == SIGHASH_ALL) WriteBlob(w, cache.outputs_single_hash);

    const bool have_annex = execdata.annex_present;
    const uint8_t spend_type = static_cast<uint8_t>((ext_flag << 1) + (have_annex ? 1 : 0));
    WriteLE(w, spend_type);
    if (input_type == SIGHASH_ANYONECANPAY) {
        SerializeOutPoint(w, tx.vin[n_in].prevout);
        SerializeTxOut(w, cache.spent_outputs[n_in]);
        WriteLE(w, tx.vin[n_in].sequence);
    } else {
        WriteLE<W, uint32_t>(w, n_in);
    }
    if (have_annex) WriteBlob(w, execdata.annex_hash);

    if (output_type == SIGHASH_SINGLE) {
        if (n_in >= tx.vout.size()) return false;
        if (!execdata.output_hash) {
            HashWriter single;
            SerializeTxOut(single, tx.vout[n_in]);
            execdata.output_hash = single.GetSha256();
        }
        WriteBlob(w, *execdata.output_hash);
    }

    if (sigversion == SigVersion::TAPSCRIPT) {
        WriteBlob(w, execdata.tapleaf_hash);
        WriteLE<W, uint8_t>(w, 0);  // key_version 0: 32-byte BIP340 keys
        WriteLE(w, execdata.codeseparator_pos);
    }
    return true;
}

}  // namespace

template <class Tx>
bool SignatureHashSchnorr(uint256& hash_out, ScriptExecutionData& execdata, const Tx& tx, unsigned int n_in,
                          uint8_t hash_type, SigVersion sigversion, const PrecomputedTransactionData& cache,
                          MissingDataBehavior mdb)
{
    (void)mdb;  // both behaviours fail the signature here; see WriteSchnorrMessage
    HashWriter w = TaggedHashWriter("TapSighash");
    if (!WriteSchnorrMessage(w, execdata, tx, n_in, hash_type, sigversion, cache)) return false;
    hash_out = w.GetSha256();
    return true;
}

template <class Tx>
bool SignatureMessageSchnorr(std::vector<uint8_t>& msg_out, ScriptExecutionData& execdata, const Tx& tx,
                             unsigned int n_in, uint8_t hash_type, SigVersion sigversion,
                             const PrecomputedTransactionData& cache)
{
    msg_out.clear();
    VectorWriter w(msg_out);
    if (WriteSchnorrMessage(w, execdata, tx, n_in, hash_type, sigversion, cache)) return true;
    msg_out.clear();
    return false;
}

template void PrecomputedTransactionData::Init(const Transaction&, std::vector<TxOut>&&, bool);
template void PrecomputedTransactionData::Init(const MutableTransaction&, std::vector<TxOut>&&, bool);
template PrecomputedTransactionData::PrecomputedTransactionData(const Transaction&);
template PrecomputedTransactionData::PrecomputedTransactionData(const MutableTransaction&);

template uint256 SignatureHash(const Script&, const Transaction&, unsigned int, int32_t, Amount, SigVersion,
                               const PrecomputedTransactionData*);
template uint256 SignatureHash(const Script&, const MutableTransaction&, unsigned int, int32_t, Amount, SigVersion,
                               const PrecomputedTransactionData*);
template bool SignatureHashSchnorr(uint256&, ScriptExecutionData&, const Transaction&, unsigned int, uint8_t,
                                   SigVersion, const PrecomputedTransactionData&, MissingDataBehavior);
template bool SignatureHashSchnorr(uint256&, ScriptExecutionData&, const MutableTransaction&, unsigned int, uint8_t,
                                   SigVersion, const PrecomputedTransactionData&, MissingDataBehavior);
template bool SignatureMessageSchnorr(std::vector<uint8_t>&, ScriptExecutionData&, const Transaction&, unsigned int,
                                      uint8_t, SigVersion, const PrecomputedTransactionData&);
template bool SignatureMessageSchnorr(std::vector<uint8_t>&, ScriptExecutionData&, const MutableTransaction&,
                                      unsigned int, uint8_t, SigVersion, const PrecomputedTransactionData&);
