// Descriptor wallet engine; see wallet.h.
#include "wallet/wallet.h"

#include "address/destination.h"
#include "consensus/consensus.h"
#include "crypto/hash.h"
#include "descriptor/bip32.h"
#include "policy/policy.h"
#include "psbt/psbt_roles.h"
#include "rpc/protocol.h"
#include "sqlite/sqlite.h"
#include "util/hex.h"
#include "util/logging.h"
#include "util/strencodings.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstring>
#include <functional>

namespace fs = std::filesystem;

namespace {
constexpr int WALLET_SCHEMA_VERSION = 1;

const char* SCHEMA = R"(
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS descriptors (id INTEGER PRIMARY KEY AUTOINCREMENT, text TEXT NOT NULL UNIQUE,
    active INTEGER NOT NULL, internal INTEGER NOT NULL, range_start INTEGER NOT NULL, range_end INTEGER NOT NULL,
    next_index INTEGER NOT NULL, timestamp INTEGER NOT NULL, label TEXT NOT NULL, secret BLOB,
    encrypted INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS txs (txid TEXT PRIMARY KEY, raw BLOB NOT NULL, height INTEGER NOT NULL,
    block_hash TEXT NOT NULL, time_received INTEGER NOT NULL, block_time INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS labels (address TEXT PRIMARY KEY, label TEXT NOT NULL);
)";

/** BIP341 control blocks of every leaf of a taproot tree (leaves in depth-first order with their depths), and the
 *  Merkle root; false when the depths do not form a tree. PSBT_IN_TAP_LEAF_SCRIPT needs them for script-path
 *  signing (miniscript leaves). */
bool TaprootControlBlocks(const TaprootTree& tree, uint256& root, std::vector<std::vector<uint8_t>>& controls)
{
    struct Sub {
        uint256 hash;
        std::vector<size_t> leaves;
    };
    std::vector<std::vector<uint8_t>> paths(tree.leaves.size());
    size_t next = 0;
    std::function<std::optional<Sub>(int)> build = [&](int depth) -> std::optional<Sub> {
        if (next >= tree.leaves.size() || depth > 128) return std::nullopt;
        if (tree.leaves[next].first == depth) {
            const size_t i = next++;
            return Sub{ComputeTapleafHash(TAPROOT_LEAF_TAPSCRIPT, tree.leaves[i].second.bytes()), {i}};
        }
        if (tree.leaves[next].first < depth) return std::nullopt;
        auto l = build(depth + 1);
        if (!l) return std::nullopt;
        auto r = build(depth + 1);
        if (!r) return std::nullopt;
        for (size_t i : l->leaves) paths[i].insert(paths[i].end(), r->hash.begin(), r->hash.end());
        for (size_t i : r->leaves) paths[i].insert(paths[i].end(), l->hash.begin(), l->hash.end());
        const bool lfirst = std::lexicographical_compare(l->hash.begin(), l->hash.end(), r->hash.begin(), r->hash.end());
        std::vector<uint8_t> cat;
        const uint256& a = lfirst ? l->hash : r->hash;
        const uint256& b = lfirst ? r->hash : l->hash;
        cat.insert(cat.end(), a.begin(), a.end());
        cat.insert(cat.end(), b.begin(), b.end());
        Sub s{TaggedHash("TapBranch", cat), std::move(l->leaves)};
        s.leaves.insert(s.leaves.end(), r->leaves.begin(), r->leaves.end());
        return s;
    };
    auto top = build(0);
    if (!top || next != tree.leaves.size()) return false;
    root = top->hash;
    auto tweaked = tree.internal_key.CreateTapTweak(&root);
    if (!tweaked) return false;
    controls.clear();
    for (size_t i = 0; i < tree.leaves.size(); ++i) {
        std::vector<uint8_t> cb{uint8_t(TAPROOT_LEAF_TAPSCRIPT | (tweaked->second ? 1 : 0))};
        cb.insert(cb.end(), tree.internal_key.begin(), tree.internal_key.end());
        cb.insert(cb.end(), paths[i].begin(), paths[i].end());
        controls.push_back(std::move(cb));
    }
    return true;
}
}  // namespace

Wallet::Wallet(NodeContext& node, std::string name, fs::path file)
    : m_node(node), m_name(std::move(name)), m_file(std::move(file))
{
}

Wallet::~Wallet()
{
    Stop();
    StopRelockThread();
}

std::unique_ptr<Wallet> Wallet::Create(NodeContext& node, const fs::path& file, const std::string& name,
                                       const CreateOptions& options, std::string* error)
{
    std::error_code ec;
    fs::create_directories(file.parent_path(), ec);
    std::unique_ptr<Wallet> w(new Wallet(node, name, file));
    w->m_db = sql::Database::Open(file, true, error);
    if (!w->m_db) return nullptr;
    if (!w->m_db->Exec(SCHEMA, error) || !w->m_db->SetUserVersion(WALLET_SCHEMA_VERSION)) return nullptr;
    w->m_disable_private_keys = options.disable_private_keys;
    w->m_db->Exec(std::string("INSERT OR REPLACE INTO meta VALUES ('disable_private_keys', '") +
                  (options.disable_private_keys ? "1" : "0") + "');");
    {
        // A new wallet starts at the tip: nothing before it can pay keys that did not exist.
        std::lock_guard lock(node.chainman->Mutex());
        w->SaveBestBlock(node.chainman->Tip()->GetBlockHash());
    }
    if (!options.disable_private_keys && !options.blank) {
        // Core's default descriptors from a fresh BIP32 seed, one per address type, receive and change: BIP44
        // (legacy), BIP49 (p2sh-segwit), BIP84 (bech32) and BIP86 (bech32m).
        std::array<uint8_t, 32> seed;
        if (RAND_bytes(seed.data(), seed.size()) != 1) {
            if (error) *error = "cannot get random bytes for the wallet seed";
            return nullptr;
        }
        ExtKey master;
        master.SetSeed(seed);
        MemoryCleanse(seed.data(), seed.size());
        const std::string xprv = EncodeExtKey(master, node.params->chain);
        const std::string coin = node.params->chain == Chain::MAIN ? "0h" : "1h";
        const int64_t now = node.Now();
        for (bool internal : {false, true}) {
            const std::string branch = internal ? "1" : "0";
            for (const auto& [fn, purpose] : {std::pair{"pkh(", "44h"}, std::pair{"sh(wpkh(", "49h"},
                                              std::pair{"wpkh(", "84h"}, std::pair{"tr(", "86h"}}) {
                const std::string close(std::count(fn, fn + std::strlen(fn), '('), ')');
                const std::string desc = std::string(fn) + xprv + "/" + purpose + "/" + coin + "/0h/" + branch + "/*" + close;
                if (!w->ImportDescriptor(desc, true, internal, std::nullopt, now, "", error)) return nullptr;
            }
        }
    }
    return w;
}

std::unique_ptr<Wallet> Wallet::Open(NodeContext& node, const fs::path& file, const std::string& name, std::string* error)
{
    std::unique_ptr<Wallet> w(new Wallet(node, name, file));
    w->m_db = sql::Database::Open(file, false, error);
    if (!w->m_db) return nullptr;
    const int version = w->m_db->UserVersion();
    if (version != WALLET_SCHEMA_VERSION) {
        if (error) *error = file.string() + " is not a Sovereign wallet of a known version (schema " + std::to_string(version) + ")";
        return nullptr;
    }
    if (!w->LoadFromDb(error)) return nullptr;
    w->LoadLockedCoins();
    return w;
}

bool Wallet::LoadFromDb(std::string* error)
{
    std::lock_guard lock(m_mutex);
    auto meta = m_db->Prepare("SELECT key, value FROM meta;");
    while (meta.Step()) {
        if (meta.Text(0) == "disable_private_keys") m_disable_private_keys = meta.Text(1) == "1";
        if (meta.Text(0) == "best_block") m_best_block = uint256::FromHex(meta.Text(1)).value_or(uint256());
        if (meta.Text(0) == "master_key") {
            m_master_record = MasterKeyRecord::Decode(meta.Text(1));
            if (!m_master_record) {
                if (error) *error = "wallet " + m_name + ": the encrypted master key record is damaged";
                return false;
            }
        }
    }
    auto d = m_db->Prepare("SELECT id, text, active, internal, range_start, range_end, next_index, timestamp, label, "
                           "secret, encrypted FROM descriptors;");
    while (d.Step()) {
        WalletDescriptor wd;
        wd.id = d.Int(0);
        wd.text = d.Text(1);
        wd.active = d.Int(2);
        wd.internal = d.Int(3);
        wd.range_start = d.Int(4);
        wd.range_end = d.Int(5);
        wd.next_index = d.Int(6);
        wd.timestamp = d.Int(7);
        wd.label = d.Text(8);
        std::string why;
        auto parsed = ParseDescriptor(wd.text, m_node.params->chain, why);
        if (parsed.size() != 1) {
            if (error) *error = "wallet " + m_name + " holds a descriptor that does not parse: " + why;
            return false;
        }
        wd.parsed = std::move(parsed[0]);
        if (!ExpandDescriptor(wd)) {
            if (error) *error = "wallet " + m_name + ": cannot derive the scripts of descriptor " + std::to_string(wd.id);
            return false;
        }
        if (!d.IsNull(9)) {
            wd.has_private = true;
            std::vector<uint8_t> secret = d.Blob(9);
            if (d.Int(10)) {
                m_sealed[wd.id] = std::move(secret);
            } else {
                std::string text(secret.begin(), secret.end());
                OPENSSL_cleanse(secret.data(), secret.size());
                if (!LoadPrivate(wd.id, text, error)) return false;
                WipeString(text);
            }
        }
        m_descriptors.emplace(wd.id, std::move(wd));
    }
    auto t = m_db->Prepare("SELECT raw, height, block_hash, time_received, block_time FROM txs;");
    while (t.Step()) {
        auto tx = DecodeTransaction(t.Blob(0));
        if (!tx) continue;
        WalletTx wtx;
        wtx.tx = MakeTransactionRef(std::move(*tx.value));
        wtx.height = static_cast<int>(t.Int(1));
        wtx.block_hash = uint256::FromHex(t.Text(2)).value_or(uint256());
        wtx.time_received = t.Int(3);
        wtx.block_time = t.Int(4);
        for (const TxIn& in : wtx.tx->vin) m_spends[in.prevout] = wtx.tx->GetHash();
        m_txs.emplace(wtx.tx->GetHash(), std::move(wtx));
    }
    auto l = m_db->Prepare("SELECT address, label FROM labels;");
    while (l.Step()) m_labels[l.Text(0)] = l.Text(1);
    return true;
}

bool Wallet::ExpandDescriptor(WalletDescriptor& d)
{
    const int64_t first = d.parsed->IsRange() ? d.range_start : 0;
    const int64_t last = d.parsed->IsRange() ? d.range_end : 0;
    for (int64_t i = first; i <= last; ++i) {
        std::vector<Script> scripts;
        FlatSigningProvider provider;
        if (!d.parsed->Expand(static_cast<int>(i), scripts, provider)) return false;
        for (Script& s : scripts) m_scripts.emplace(std::move(s), std::make_pair(d.id, i));
    }
    return true;
}

bool Wallet::ImportDescriptor(const std::string& text, bool active, bool internal,
                              std::optional<std::pair<int64_t, int64_t>> range, int64_t timestamp,
                              const std::string& label, std::string* error)
{
    std::string why;
    auto parsed = ParseDescriptor(text, m_node.params->chain, why);
    if (parsed.empty()) {
        if (error) *error = why;
        return false;
    }
    if (parsed.size() != 1) {
        if (error) *error = "Multipath descriptors must be imported one path at a time";
        return false;
    }
    if (m_disable_private_keys && parsed[0]->HavePrivateKeys()) {
        if (error) *error = "Cannot import private keys to a wallet with private keys disabled";
        return false;
    }
    if (active && !parsed[0]->IsRange()) {
        if (error) *error = "Active descriptors must be ranged";
        return false;
    }
    std::unique_ptr<Descriptor> full = std::move(parsed[0]);
    WalletDescriptor d;
    d.active = active;
    d.internal = internal;
    d.range_start = range ? range->first : 0;
    d.range_end = range ? range->second : (full->IsRange() ? DEFAULT_KEYPOOL_SIZE - 1 : 0);
    d.timestamp = timestamp;
    d.label = label;
    // The public form derives every script; hardened steps below a private key move into the key origin.
    if (!full->ToNormalizedString(d.text)) d.text = full->ToString();
    auto pub = ParseDescriptor(d.text, m_node.params->chain, why);
    if (pub.size() != 1) {
        if (error) *error = "cannot derive a public form of the descriptor: " + why;
        return false;
    }
    d.parsed = std::move(pub[0]);
    d.has_private = full->HavePrivateKeys();
    std::lock_guard lock(m_mutex);
    std::string private_text;
    std::vector<uint8_t> secret;
    if (d.has_private) {
        if (IsEncrypted() && IsLocked()) {
            if (error) *error = "Error: Please enter the wallet passphrase with walletpassphrase first.";
            return false;
        }
        full->ToPrivateString(private_text);
        secret = IsEncrypted() ? SealSecret(m_master_key.span(), std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(private_text.data()), private_text.size()), d.text)
                               : std::vector<uint8_t>(private_text.begin(), private_text.end());
    }
    // Same descriptor again (public form): update its range and flags.
    for (auto& [id, existing] : m_descriptors) {
        if (existing.parsed->ToString() == d.parsed->ToString()) d.id = id;
    }
    if (active) {
        // One active descriptor per (output type, internal): the new one replaces the old one's role.
        for (auto& [id, existing] : m_descriptors) {
            if (id != d.id && existing.active && existing.internal == internal &&
                existing.parsed->GetOutputType() == d.parsed->GetOutputType()) {
                existing.active = false;
                m_db->Exec("UPDATE descriptors SET active = 0 WHERE id = " + std::to_string(id) + ";");
            }
        }
    }
    if (d.id) {
        const WalletDescriptor& old = m_descriptors[d.id];
        d.next_index = std::max(d.next_index, old.next_index);
        d.range_end = std::max(d.range_end, old.range_end);
        if (!d.has_private && old.has_private) {
            // Re-importing the public form keeps the private keys the wallet already has.
            d.has_private = true;
            auto keep = m_db->Prepare("SELECT secret FROM descriptors WHERE id = ?;");
            keep.Bind(1, d.id);
            if (keep.Step()) secret = keep.Blob(0);
        }
    }
    auto s = m_db->Prepare(d.id ? "UPDATE descriptors SET text=?1, active=?2, internal=?3, range_start=?4, range_end=?5, "
                                  "next_index=?6, timestamp=?7, label=?8, secret=?10, encrypted=?11 WHERE id=?9;"
                                : "INSERT INTO descriptors (text, active, internal, range_start, range_end, next_index, "
                                  "timestamp, label, secret, encrypted) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?10, ?11);");
    s.Bind(1, std::string_view(d.text)).Bind(2, int64_t{d.active}).Bind(3, int64_t{d.internal}).Bind(4, d.range_start);
    s.Bind(5, d.range_end).Bind(6, d.next_index).Bind(7, d.timestamp).Bind(8, std::string_view(d.label));
    if (d.id) s.Bind(9, d.id);
    if (d.has_private) {
        s.Bind(10, secret);
    } else {
        s.BindNull(10);
    }
    s.Bind(11, int64_t{d.has_private && IsEncrypted()});
    OPENSSL_cleanse(secret.data(), secret.size());
    if (!s.Run()) {
        WipeString(private_text);
        if (error) *error = "cannot store the descriptor: " + m_db->LastError();
        return false;
    }
    if (!d.id) d.id = m_db->LastInsertRowId();
    if (!ExpandDescriptor(d)) {
        WipeString(private_text);
        if (error) *error = "Cannot expand descriptor. Probably because of hardened derivations without private keys provided";
        return false;
    }
    const int64_t id = d.id;
    if (!private_text.empty()) {
        m_private[id] = std::move(full);
        if (IsEncrypted()) {
            auto sealed = m_db->Prepare("SELECT secret FROM descriptors WHERE id = ?;");
            sealed.Bind(1, id);
            if (sealed.Step()) m_sealed[id] = sealed.Blob(0);
        }
    }
    WipeString(private_text);
    m_descriptors.erase(id);
    m_descriptors.emplace(id, std::move(d));
    return true;
}

bool Wallet::LoadPrivate(int64_t id, const std::string& private_text, std::string* error)
{
    std::string why;
    auto parsed = ParseDescriptor(private_text, m_node.params->chain, why);
    if (parsed.size() != 1) {
        if (error) *error = "wallet " + m_name + ": a private descriptor does not parse: " + why;
        return false;
    }
    m_private[id] = std::move(parsed[0]);
    return true;
}

bool Wallet::IsEncrypted() const
{
    std::lock_guard lock(m_mutex);
    return m_master_record.has_value();
}

bool Wallet::IsLocked() const
{
    std::lock_guard lock(m_mutex);
    return m_master_record.has_value() && m_master_key.empty();
}

int64_t Wallet::UnlockedUntil() const
{
    std::lock_guard lock(m_mutex);
    return m_master_key.empty() ? 0 : m_unlocked_until;
}

bool Wallet::EncryptWallet(std::string passphrase, std::string* error)
{
    std::lock_guard lock(m_mutex);
    if (m_master_record) {
        WipeString(passphrase);
        if (error) *error = "Error: running with an encrypted wallet, but encryptwallet was called.";
        return false;
    }
    MasterKeyRecord record;
    SecureBytes salt = RandomSecret(record.kdf.salt.size());
    std::copy(salt.data(), salt.data() + salt.size(), record.kdf.salt.begin());
    auto kek = DeriveKey(passphrase, record.kdf);
    WipeString(passphrase);
    if (!kek) {
        if (error) *error = "Error: Failed to encrypt the wallet (key derivation failed).";
        return false;
    }
    SecureBytes master = RandomSecret(32);
    record.sealed = SealSecret(kek->span(), master.span(), "sovereign-wallet-master-key");
    sql::Transaction dbtx(*m_db);
    auto meta = m_db->Prepare("INSERT OR REPLACE INTO meta VALUES ('master_key', ?);");
    const std::string encoded = record.Encode();
    if (!meta.Bind(1, std::string_view(encoded)).Run()) {
        if (error) *error = "Error: Failed to encrypt the wallet: " + m_db->LastError();
        return false;
    }
    auto rows = m_db->Prepare("SELECT id, text, secret FROM descriptors WHERE secret IS NOT NULL AND encrypted = 0;");
    std::vector<std::pair<int64_t, std::vector<uint8_t>>> sealed;
    while (rows.Step()) {
        std::vector<uint8_t> plain = rows.Blob(2);
        sealed.emplace_back(rows.Int(0), SealSecret(master.span(), plain, rows.Text(1)));
        OPENSSL_cleanse(plain.data(), plain.size());
    }
    for (const auto& [id, blob] : sealed) {
        auto u = m_db->Prepare("UPDATE descriptors SET secret = ?, encrypted = 1 WHERE id = ?;");
        if (!u.Bind(1, blob).Bind(2, id).Run()) {
            if (error) *error = "Error: Failed to encrypt the wallet: " + m_db->LastError();
            return false;
        }
        m_sealed[id] = blob;
    }
    if (!dbtx.Commit(error)) return false;
    // The plaintext copy may remain in free pages of the file: ask SQLite to wipe them.
    m_db->Exec("PRAGMA secure_delete = ON; VACUUM; PRAGMA wal_checkpoint(TRUNCATE);");
    m_master_record = record;
    m_private.clear();  // locked from now on
    m_master_key.Clear();
    return true;
}

void Wallet::StopRelockThread()
{
    {
        std::lock_guard lock(m_mutex);
        m_relock_stop = true;
    }
    m_relock_cv.notify_all();
    if (m_relock_thread.joinable()) m_relock_thread.join();
    std::lock_guard lock(m_mutex);
    m_relock_stop = false;
}

bool Wallet::Unlock(std::string passphrase, int64_t seconds, std::string* error)
{
    std::optional<MasterKeyRecord> record;
    {
        std::lock_guard lock(m_mutex);
        record = m_master_record;
    }
    if (!record) {
        WipeString(passphrase);
        if (error) *error = "Error: running with an unencrypted wallet, but walletpassphrase was called.";
        return false;
    }
    auto kek = DeriveKey(passphrase, record->kdf);
    WipeString(passphrase);
    auto master = kek ? OpenSealed(kek->span(), record->sealed, "sovereign-wallet-master-key") : std::nullopt;
    if (!master) {
        if (error) *error = "Error: The wallet passphrase entered was incorrect.";
        return false;
    }
    StopRelockThread();
    std::lock_guard lock(m_mutex);
    m_private.clear();
    for (const auto& [id, sealed] : m_sealed) {
        auto plain = OpenSealed(master->span(), sealed, m_descriptors.count(id) ? m_descriptors.at(id).text : "");
        if (!plain) {
            if (error) *error = "Error: a private descriptor of wallet " + m_name + " fails its integrity check";
            m_private.clear();
            return false;
        }
        std::string text(reinterpret_cast<const char*>(plain->data()), plain->size());
        const bool ok = LoadPrivate(id, text, error);
        WipeString(text);
        if (!ok) {
            m_private.clear();
            return false;
        }
    }
    m_master_key = std::move(*master);
    m_unlocked_until = m_node.Now() + seconds;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    m_relock_thread = std::thread([this, deadline] {
        std::unique_lock lock(m_mutex);
        m_relock_cv.wait_until(lock, deadline, [this] { return m_relock_stop; });
        if (!m_relock_stop) {
            m_private.clear();
            m_master_key.Clear();
            m_unlocked_until = 0;
        }
    });
    return true;
}

void Wallet::Lock()
{
    StopRelockThread();
    std::lock_guard lock(m_mutex);
    if (!m_master_record) return;
    m_private.clear();
    m_master_key.Clear();
    m_unlocked_until = 0;
}

bool Wallet::ChangePassphrase(std::string old_passphrase, std::string new_passphrase, std::string* error)
{
    std::lock_guard lock(m_mutex);
    if (!m_master_record) {
        WipeString(old_passphrase);
        WipeString(new_passphrase);
        if (error) *error = "Error: running with an unencrypted wallet, but walletpassphrasechange was called.";
        return false;
    }
    auto kek = DeriveKey(old_passphrase, m_master_record->kdf);
    WipeString(old_passphrase);
    auto master = kek ? OpenSealed(kek->span(), m_master_record->sealed, "sovereign-wallet-master-key") : std::nullopt;
    if (!master) {
        WipeString(new_passphrase);
        if (error) *error = "Error: The wallet passphrase entered for the wallet decryption was incorrect.";
        return false;
    }
    MasterKeyRecord record;
    SecureBytes salt = RandomSecret(record.kdf.salt.size());
    std::copy(salt.data(), salt.data() + salt.size(), record.kdf.salt.begin());
    auto new_kek = DeriveKey(new_passphrase, record.kdf);
    WipeString(new_passphrase);
    if (!new_kek) {
        if (error) *error = "Error: key derivation failed";
        return false;
    }
    record.sealed = SealSecret(new_kek->span(), master->span(), "sovereign-wallet-master-key");
    auto meta = m_db->Prepare("INSERT OR REPLACE INTO meta VALUES ('master_key', ?);");
    const std::string encoded = record.Encode();
    if (!meta.Bind(1, std::string_view(encoded)).Run()) {
        if (error) *error = "Error: cannot store the new passphrase: " + m_db->LastError();
        return false;
    }
    m_master_record = record;
    return true;
}

std::vector<const WalletDescriptor*> Wallet::Descriptors() const
{
    std::lock_guard lock(m_mutex);
    std::vector<const WalletDescriptor*> out;
    for (const auto& [id, d] : m_descriptors) out.push_back(&d);
    return out;
}

void Wallet::TopUp(WalletDescriptor& d, int64_t used_index)
{
    if (!d.parsed->IsRange() || used_index + DEFAULT_KEYPOOL_SIZE <= d.range_end) return;
    const int64_t old_end = d.range_end;
    d.range_end = used_index + DEFAULT_KEYPOOL_SIZE;
    for (int64_t i = old_end + 1; i <= d.range_end; ++i) {
        std::vector<Script> scripts;
        FlatSigningProvider provider;
        if (!d.parsed->Expand(static_cast<int>(i), scripts, provider)) break;
        for (Script& s : scripts) m_scripts.emplace(std::move(s), std::make_pair(d.id, i));
    }
    m_db->Exec("UPDATE descriptors SET range_end = " + std::to_string(d.range_end) + " WHERE id = " + std::to_string(d.id) + ";");
}

std::optional<Script> Wallet::GetNewScript(OutputType type, bool internal, const std::string& label, std::string* error)
{
    std::lock_guard lock(m_mutex);
    for (auto& [id, d] : m_descriptors) {
        if (!d.active || d.internal != internal || d.parsed->GetOutputType() != type) continue;
        std::vector<Script> scripts;
        FlatSigningProvider provider;
        if (!d.parsed->Expand(static_cast<int>(d.next_index), scripts, provider) || scripts.empty()) {
            if (error) *error = "Error: Keypool ran out, please call keypoolrefill first";
            return std::nullopt;
        }
        const int64_t used = d.next_index++;
        m_db->Exec("UPDATE descriptors SET next_index = " + std::to_string(d.next_index) + " WHERE id = " + std::to_string(id) + ";");
        TopUp(d, used);
        if (!internal) {
            Destination dest;
            if (ExtractDestination(scripts[0], dest)) {
                const std::string address = EncodeDestination(dest, m_node.params->chain);
                m_labels[address] = label;
                auto s = m_db->Prepare("INSERT OR REPLACE INTO labels VALUES (?, ?);");
                s.Bind(1, std::string_view(address)).Bind(2, std::string_view(label)).Run();
            }
        }
        return scripts[0];
    }
    if (error) {
        *error = m_disable_private_keys && m_descriptors.empty()
                     ? "Error: This wallet has no available keys"
                     : "Error: This wallet has no available keys";
    }
    return std::nullopt;
}

bool Wallet::HasActiveInternal(OutputType type) const
{
    std::lock_guard lock(m_mutex);
    return std::any_of(m_descriptors.begin(), m_descriptors.end(), [&](const auto& kv) {
        return kv.second.active && kv.second.internal && kv.second.parsed->GetOutputType() == type;
    });
}

OutputType Wallet::ChangeType(const std::vector<Recipient>& recipients) const
{
    // Core's CWallet::TransactionChangeType with the default -addresstype (bech32) and no -changetype: change
    // looks like a payment when the wallet has change of that kind (privacy), else bech32m, else bech32.
    bool any_tr = false, any_wpkh = false, any_sh = false, any_pkh = false;
    for (const Recipient& r : recipients) {
        Destination dest;
        if (!ExtractDestination(r.script, dest)) continue;
        any_tr |= std::holds_alternative<WitnessV1Taproot>(dest);
        any_wpkh |= std::holds_alternative<WitnessV0KeyHash>(dest);
        any_sh |= std::holds_alternative<ScriptHash>(dest);
        any_pkh |= std::holds_alternative<PKHash>(dest);
    }
    const bool has_bech32m = HasActiveInternal(OutputType::BECH32M);
    const bool has_bech32 = HasActiveInternal(OutputType::BECH32);
    if (has_bech32m && any_tr) return OutputType::BECH32M;
    if (has_bech32 && any_wpkh) return OutputType::BECH32;
    if (any_sh && HasActiveInternal(OutputType::P2SH_SEGWIT)) return OutputType::P2SH_SEGWIT;
    if (any_pkh && HasActiveInternal(OutputType::LEGACY)) return OutputType::LEGACY;
    if (has_bech32m) return OutputType::BECH32M;
    return OutputType::BECH32;
}

bool Wallet::IsMine(const Script& script) const
{
    std::lock_guard lock(m_mutex);
    return m_scripts.count(script) > 0;
}

std::optional<std::pair<int64_t, int64_t>> Wallet::ScriptOrigin(const Script& script) const
{
    std::lock_guard lock(m_mutex);
    auto it = m_scripts.find(script);
    if (it == m_scripts.end()) return std::nullopt;
    return it->second;
}

std::map<std::string, std::string> Wallet::Labels() const
{
    std::lock_guard lock(m_mutex);
    return m_labels;
}

void Wallet::SetLabel(const std::string& address, const std::string& label)
{
    std::lock_guard lock(m_mutex);
    m_labels[address] = label;
    auto s = m_db->Prepare("INSERT OR REPLACE INTO labels VALUES (?, ?);");
    s.Bind(1, std::string_view(address)).Bind(2, std::string_view(label)).Run();
}

bool Wallet::IsRelevant(const Transaction& tx) const
{
    for (const TxOut& out : tx.vout) {
        if (m_scripts.count(out.script_pubkey)) return true;
    }
    for (const TxIn& in : tx.vin) {
        auto it = m_txs.find(in.prevout.hash);
        if (it != m_txs.end() && in.prevout.n < it->second.tx->vout.size() &&
            m_scripts.count(it->second.tx->vout[in.prevout.n].script_pubkey)) {
            return true;
        }
    }
    return false;
}

bool Wallet::IsFromMe(const Transaction& tx) const
{
    if (tx.IsCoinBase()) return false;
    for (const TxIn& in : tx.vin) {
        auto it = m_txs.find(in.prevout.hash);
        if (it == m_txs.end() || in.prevout.n >= it->second.tx->vout.size() ||
            !m_scripts.count(it->second.tx->vout[in.prevout.n].script_pubkey)) {
            return false;
        }
    }
    return true;
}

void Wallet::SaveTx(const WalletTx& wtx)
{
    auto s = m_db->Prepare("INSERT OR REPLACE INTO txs (txid, raw, height, block_hash, time_received, block_time) "
                           "VALUES (?, ?, ?, ?, ?, ?);");
    s.Bind(1, std::string_view(wtx.tx->GetHash().GetHex())).Bind(2, EncodeTransaction(*wtx.tx));
    s.Bind(3, int64_t{wtx.height}).Bind(4, std::string_view(wtx.block_hash.GetHex()));
    s.Bind(5, wtx.time_received).Bind(6, wtx.block_time);
    if (!s.Run()) LogPrintf("Wallet %s: cannot store transaction %s: %s\n", m_name.c_str(), wtx.tx->GetHash().GetHex().c_str(), m_db->LastError().c_str());
}

void Wallet::SaveBestBlock(const uint256& hash)
{
    m_best_block = hash;
    auto s = m_db->Prepare("INSERT OR REPLACE INTO meta VALUES ('best_block', ?);");
    s.Bind(1, std::string_view(hash.GetHex())).Run();
}

void Wallet::AddTx(const TransactionRef& tx, int height, const uint256& block_hash, int64_t block_time)
{
    auto it = m_txs.find(tx->GetHash());
    if (it == m_txs.end()) {
        if (!IsRelevant(*tx)) return;
        WalletTx wtx;
        wtx.tx = tx;
        wtx.time_received = m_node.Now();
        it = m_txs.emplace(tx->GetHash(), std::move(wtx)).first;
        for (const TxIn& in : tx->vin) m_spends[in.prevout] = tx->GetHash();
    }
    it->second.height = height;
    it->second.block_hash = block_hash;
    it->second.block_time = block_time;
    // Addresses used from the keypool: derive further ahead (Core's TopUp on use).
    for (const TxOut& out : tx->vout) {
        auto s = m_scripts.find(out.script_pubkey);
        if (s == m_scripts.end()) continue;
        WalletDescriptor& d = m_descriptors.at(s->second.first);
        if (s->second.second >= d.next_index) {
            d.next_index = s->second.second + 1;
            m_db->Exec("UPDATE descriptors SET next_index = " + std::to_string(d.next_index) + " WHERE id = " + std::to_string(d.id) + ";");
        }
        TopUp(d, s->second.second);
    }
    SaveTx(it->second);
}

void Wallet::BlockConnected(const Block& block, const BlockIndex& index)
{
    std::lock_guard lock(m_mutex);
    sql::Transaction dbtx(*m_db);
    for (const auto& tx : block.vtx) AddTx(tx, index.height, index.GetBlockHash(), index.GetBlockTime());
    SaveBestBlock(index.GetBlockHash());
    dbtx.Commit();
}

void Wallet::BlockDisconnected(const Block& block, const BlockIndex& index)
{
    std::lock_guard lock(m_mutex);
    sql::Transaction dbtx(*m_db);
    for (const auto& tx : block.vtx) {
        auto it = m_txs.find(tx->GetHash());
        if (it == m_txs.end()) continue;
        if (tx->IsCoinBase()) {
            // A disconnected coinbase can never come back: forget it.
            m_db->Exec("DELETE FROM txs WHERE txid = '" + tx->GetHash().GetHex() + "';");
            m_txs.erase(it);
            continue;
        }
        it->second.height = -1;
        it->second.block_hash = uint256();
        SaveTx(it->second);
    }
    if (index.pprev) SaveBestBlock(index.pprev->GetBlockHash());
    dbtx.Commit();
}

void Wallet::TransactionAddedToMempool(const TransactionRef& tx)
{
    std::lock_guard lock(m_mutex);
    if (m_txs.count(tx->GetHash())) return;
    AddTx(tx, -1, uint256(), 0);
}

int Wallet::Rescan(int from, int to)
{
    ChainstateManager& cm = *m_node.chainman;
    int last = from - 1;
    m_scanning = true;
    m_abort_rescan = false;
    for (int h = std::max(0, from); h <= to && !m_abort_rescan; ++h) {
        const BlockIndex* index;
        {
            std::lock_guard lock(cm.Mutex());
            index = cm.Chain()[h];
        }
        if (!index) break;
        auto block = cm.ReadBlock(*index);
        if (!block) break;
        BlockConnected(*block, *index);
        last = h;
        if (m_node.shutdown_requested()) break;
    }
    m_scanning = false;
    return last;
}

uint256 Wallet::BestBlock() const
{
    std::lock_guard lock(m_mutex);
    return m_best_block;
}

void Wallet::Start()
{
    ChainstateManager& cm = *m_node.chainman;
    // Roll back what a reorg while the wallet was closed took away, then scan forward; the last step and the
    // registration happen under the chain lock so no block is missed.
    int from;
    {
        std::lock_guard chain_lock(cm.Mutex());
        std::lock_guard lock(m_mutex);
        const BlockIndex* best = m_best_block.IsNull() ? nullptr : cm.LookupBlockIndex(m_best_block);
        const BlockIndex* fork = best ? cm.Chain().FindFork(best) : nullptr;
        from = fork ? fork->height + 1 : 0;
        for (auto& [txid, wtx] : m_txs) {
            if (wtx.height >= from) {
                wtx.height = -1;
                wtx.block_hash = uint256();
                SaveTx(wtx);
            }
        }
    }
    const int tip = [&] {
        std::lock_guard chain_lock(cm.Mutex());
        return cm.Chain().Height();
    }();
    if (from <= tip) {
        LogPrintf("Wallet %s: rescanning blocks %d to %d\n", m_name.c_str(), from, tip);
        from = Rescan(from, tip) + 1;
    }
    std::lock_guard chain_lock(cm.Mutex());
    Rescan(from, cm.Chain().Height());
    m_node.notifications->Register(this);
    m_registered = true;
}

void Wallet::Stop()
{
    if (m_registered && m_node.notifications) {
        m_node.notifications->Unregister(this);
        m_registered = false;
    }
}

int Wallet::Depth(const WalletTx& wtx) const
{
    if (wtx.height < 0) return 0;
    return m_node.chainman->Chain().Height() - wtx.height + 1;
}

bool Wallet::IsSpent(const OutPoint& out) const
{
    auto it = m_spends.find(out);
    if (it == m_spends.end()) return false;
    auto tx = m_txs.find(it->second);
    if (tx == m_txs.end()) return false;
    if (tx->second.height >= 0) return true;
    // An unconfirmed spend counts while it is in the mempool (or was just made by us).
    std::lock_guard lock(m_node.mempool->m_mutex);
    return m_node.mempool->Exists(tx->second.tx->GetHash()) || IsFromMe(*tx->second.tx);
}

std::vector<WalletCoin> Wallet::ListCoins(bool include_unspendable) const
{
    std::lock_guard chain_lock(m_node.chainman->Mutex());
    std::lock_guard lock(m_mutex);
    std::vector<WalletCoin> out;
    for (const auto& [txid, wtx] : m_txs) {
        const int depth = Depth(wtx);
        if (wtx.height < 0) {
            // Unconfirmed and no longer in the mempool (replaced or evicted): not spendable.
            std::lock_guard pool_lock(m_node.mempool->m_mutex);
            if (!m_node.mempool->Exists(txid)) continue;
        }
        const bool from_me = IsFromMe(*wtx.tx);
        for (uint32_t n = 0; n < wtx.tx->vout.size(); ++n) {
            const TxOut& txout = wtx.tx->vout[n];
            auto s = m_scripts.find(txout.script_pubkey);
            if (s == m_scripts.end()) continue;
            const OutPoint op(txid, n);
            if (IsSpent(op)) continue;
            WalletCoin c;
            c.outpoint = op;
            c.out = txout;
            c.depth = depth;
            c.coinbase = wtx.tx->IsCoinBase();
            c.from_me = from_me;
            c.desc_id = s->second.first;
            c.index = s->second.second;
            c.change = m_descriptors.at(c.desc_id).internal;
            const bool mature = !c.coinbase || depth >= COINBASE_MATURITY;
            c.spendable = mature && !m_disable_private_keys && m_descriptors.at(c.desc_id).has_private;
            if (!include_unspendable && !mature) continue;
            out.push_back(std::move(c));
        }
    }
    return out;
}

WalletBalances Wallet::GetBalances() const
{
    WalletBalances b;
    for (const WalletCoin& c : ListCoins(true)) {
        if (c.coinbase && c.depth < COINBASE_MATURITY) {
            b.immature += c.out.value;
        } else if (c.depth >= 1 || c.from_me) {
            b.trusted += c.out.value;
        } else {
            b.untrusted_pending += c.out.value;
        }
    }
    return b;
}

std::vector<WalletTx> Wallet::Transactions() const
{
    std::lock_guard lock(m_mutex);
    std::vector<WalletTx> out;
    for (const auto& [txid, wtx] : m_txs) out.push_back(wtx);
    std::sort(out.begin(), out.end(), [](const WalletTx& a, const WalletTx& b) {
        const int ha = a.height < 0 ? INT32_MAX : a.height, hb = b.height < 0 ? INT32_MAX : b.height;
        return ha != hb ? ha < hb : a.time_received < b.time_received;
    });
    return out;
}

std::optional<WalletTx> Wallet::GetTx(const uint256& txid) const
{
    std::lock_guard lock(m_mutex);
    auto it = m_txs.find(txid);
    if (it == m_txs.end()) return std::nullopt;
    return it->second;
}

std::pair<Amount, std::optional<Amount>> Wallet::TxAmounts(const Transaction& tx) const
{
    std::lock_guard lock(m_mutex);
    Amount in_mine = 0, in_total = 0, out_mine = 0, out_total = 0;
    bool all_inputs_known = !tx.IsCoinBase();
    for (const TxIn& in : tx.vin) {
        auto it = m_txs.find(in.prevout.hash);
        if (it == m_txs.end() || in.prevout.n >= it->second.tx->vout.size()) {
            all_inputs_known = false;
            continue;
        }
        const TxOut& prev = it->second.tx->vout[in.prevout.n];
        in_total += prev.value;
        if (m_scripts.count(prev.script_pubkey)) in_mine += prev.value;
    }
    for (const TxOut& out : tx.vout) {
        out_total += out.value;
        if (m_scripts.count(out.script_pubkey)) out_mine += out.value;
    }
    std::optional<Amount> fee;
    if (all_inputs_known && in_mine == in_total) fee = in_total - out_total;
    return {out_mine - in_mine, fee};
}

bool Wallet::FillPsbt(Psbt& psbt, bool sign, bool finalize, bool bip32_derivs) const
{
    PsbtKeyStore store;
    auto tx = psbt.GetUnsignedTx();
    if (!tx) return false;
    {
        std::lock_guard lock(m_mutex);
        for (size_t i = 0; i < psbt.inputs.size(); ++i) {
            PsbtInput& in = psbt.inputs[i];
            if (in.witness_utxo.IsNull() && !in.non_witness_utxo) {
                auto it = m_txs.find(tx->vin[i].prevout.hash);
                if (it != m_txs.end() && tx->vin[i].prevout.n < it->second.tx->vout.size()) {
                    in.witness_utxo = it->second.tx->vout[tx->vin[i].prevout.n];
                    int version;
                    std::vector<uint8_t> program;
                    if (!in.witness_utxo.script_pubkey.IsWitnessProgram(version, program)) in.non_witness_utxo = it->second.tx;
                }
            }
            TxOut utxo;
            if (!in.GetUTXO(utxo)) continue;
            auto s = m_scripts.find(utxo.script_pubkey);
            if (s == m_scripts.end()) continue;
            const WalletDescriptor& d = m_descriptors.at(s->second.first);
            FlatSigningProvider provider;
            std::vector<Script> scripts;
            d.parsed->Expand(static_cast<int>(s->second.second), scripts, provider);
            if (sign) {
                auto priv = m_private.find(s->second.first);
                if (priv != m_private.end()) priv->second->ExpandPrivate(static_cast<int>(s->second.second), provider);
            }
            for (const auto& [id, script] : provider.scripts) {
                store.AddScript(script);
                int version;
                std::vector<uint8_t> program;
                if (utxo.script_pubkey.IsWitnessProgram(version, program) && version == 0 && program.size() == 32 &&
                    in.witness_script.empty()) {
                    uint256 h;
                    Sha256().Write(script.data(), script.size()).Finalize(h.data());
                    if (std::equal(h.begin(), h.end(), program.begin())) in.witness_script = script;
                }
            }
            for (const auto& [id, origin] : provider.origins) store.AddPubKey(origin.first, origin.second);
            for (const auto& [id, key] : provider.keys) store.AddKey(key);
            for (const auto& [output_key, tree] : provider.tr_trees) {
                if (in.tap_internal_key == XOnlyPubKey() && tree.leaves.empty()) in.tap_internal_key = tree.internal_key;
                int version;
                std::vector<uint8_t> program;
                if (tree.leaves.empty() || !utxo.script_pubkey.IsWitnessProgram(version, program) || version != 1 ||
                    program.size() != 32 || !std::equal(program.begin(), program.end(), output_key.begin())) {
                    continue;
                }
                // Script leaves (miniscript): internal key, Merkle root and each leaf with its control block.
                uint256 root;
                std::vector<std::vector<uint8_t>> controls;
                if (!TaprootControlBlocks(tree, root, controls)) continue;
                if (in.tap_internal_key == XOnlyPubKey()) in.tap_internal_key = tree.internal_key;
                if (in.tap_merkle_root.IsNull()) in.tap_merkle_root = root;
                for (size_t l = 0; l < tree.leaves.size(); ++l) {
                    in.tap_scripts[{tree.leaves[l].second.bytes(), TAPROOT_LEAF_TAPSCRIPT}].insert(controls[l]);
                }
            }
        }
        // Outputs to our own scripts (change): their derivation info.
        for (size_t i = 0; i < psbt.outputs.size(); ++i) {
            auto s = m_scripts.find(tx->vout[i].script_pubkey);
            if (s == m_scripts.end()) continue;
            FlatSigningProvider provider;
            std::vector<Script> scripts;
            m_descriptors.at(s->second.first).parsed->Expand(static_cast<int>(s->second.second), scripts, provider);
            for (const auto& [id, origin] : provider.origins) store.AddPubKey(origin.first, origin.second);
            for (const auto& [output_key, tree] : provider.tr_trees) {
                if (psbt.outputs[i].tap_internal_key == XOnlyPubKey() && tree.leaves.empty()) psbt.outputs[i].tap_internal_key = tree.internal_key;
            }
        }
    }
    if (!sign) store = PsbtKeyStore();  // updater only: no keys, but keep scripts and origins
    return SignPsbtWithKeys(store, psbt, std::nullopt, finalize, bip32_derivs);
}

// ---- WalletManager ----------------------------------------------------------------------------------------

WalletManager::WalletManager(NodeContext& node, fs::path wallets_dir) : m_node(node), m_dir(std::move(wallets_dir)) {}

WalletManager::~WalletManager() { UnloadAll(); }

fs::path WalletManager::PathFor(const std::string& name) const { return m_dir / (name.empty() ? "default_wallet" : name) / "wallet.dat"; }

std::shared_ptr<Wallet> WalletManager::Create(const std::string& name, const Wallet::CreateOptions& options,
                                              std::string* error, int* code)
{
    const fs::path file = PathFor(name);
    if (name.find('/') != std::string::npos || name.find("..") != std::string::npos) {
        if (error) *error = "Wallet name may not contain path separators or '..'";
        if (code) *code = RPC_INVALID_PARAMETER;
        return nullptr;
    }
    if (fs::exists(file)) {
        if (error) *error = "Failed to create database path '" + file.parent_path().string() + "'. Database already exists.";
        if (code) *code = RPC_WALLET_ERROR;
        return nullptr;
    }
    std::string why;
    std::shared_ptr<Wallet> w = Wallet::Create(m_node, file, name, options, &why);
    if (!w) {
        if (error) *error = "Wallet creation failed: " + why;
        if (code) *code = RPC_WALLET_ERROR;
        return nullptr;
    }
    w->Start();
    std::lock_guard lock(m_mutex);
    m_wallets.push_back(w);
    return w;
}

std::shared_ptr<Wallet> WalletManager::Load(const std::string& name, std::string* error, int* code)
{
    if (Get(name)) {
        if (error) *error = "Wallet \"" + name + "\" is already loaded.";
        if (code) *code = RPC_WALLET_ALREADY_LOADED;
        return nullptr;
    }
    const fs::path file = PathFor(name);
    if (!fs::exists(file)) {
        if (error) *error = "Wallet file verification failed. Failed to load database path '" + file.parent_path().string() + "'. Path does not exist.";
        if (code) *code = RPC_WALLET_NOT_FOUND;
        return nullptr;
    }
    std::string why;
    std::shared_ptr<Wallet> w = Wallet::Open(m_node, file, name, &why);
    if (!w) {
        if (error) *error = "Wallet loading failed. " + why;
        if (code) *code = RPC_WALLET_ERROR;
        return nullptr;
    }
    w->Start();
    std::lock_guard lock(m_mutex);
    m_wallets.push_back(w);
    return w;
}

bool WalletManager::Unload(const std::string& name, std::string* error, int* code)
{
    std::shared_ptr<Wallet> w;
    {
        std::lock_guard lock(m_mutex);
        auto it = std::find_if(m_wallets.begin(), m_wallets.end(), [&](const auto& x) { return x->Name() == name; });
        if (it == m_wallets.end()) {
            if (error) *error = "Requested wallet does not exist or is not loaded";
            if (code) *code = RPC_WALLET_NOT_FOUND;
            return false;
        }
        w = *it;
        m_wallets.erase(it);
    }
    w->Stop();
    return true;
}

std::shared_ptr<Wallet> WalletManager::Get(const std::string& name) const
{
    std::lock_guard lock(m_mutex);
    for (const auto& w : m_wallets) {
        if (w->Name() == name) return w;
    }
    return nullptr;
}

std::vector<std::shared_ptr<Wallet>> WalletManager::List() const
{
    std::lock_guard lock(m_mutex);
    return m_wallets;
}

void WalletManager::UnloadAll()
{
    std::vector<std::shared_ptr<Wallet>> all;
    {
        std::lock_guard lock(m_mutex);
        all.swap(m_wallets);
    }
    for (auto& w : all) w->Stop();
}
