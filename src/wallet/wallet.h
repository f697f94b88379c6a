// The descriptor wallet: keys as output descriptors (BIP32 seeds for new wallets, imported public or private
// descriptors for reserves), one SQLite file per wallet, transactions tracked from the node's chain and mempool
// events, balances, coin selection, PSBT funding and signing, and sending. Core's descriptor wallet semantics.
//
// Lock order: the chainstate lock before the wallet's own m_mutex.
#pragma once

#include "descriptor/descriptor.h"
#include "node/context.h"
#include "policy/feerate.h"
#include "psbt/psbt.h"
#include "wallet/coinselection.h"
#include "wallet/crypter.h"

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <condition_variable>
#include <thread>
#include <vector>

namespace sql {
class Database;
}

/** Core's -keypool default: addresses derived ahead of the last one used, so funds sent to them are seen. */
constexpr int DEFAULT_KEYPOOL_SIZE = 1000;

struct WalletDescriptor {
    int64_t id{0};
    std::string text;  // public form (normalized: hardened steps moved into the key origin)
    bool active{false};
    bool internal{false};
    int64_t range_start{0};
    int64_t range_end{0};   // last position derived ahead (inclusive)
    int64_t next_index{0};  // next position to hand out
    int64_t timestamp{0};
    std::string label;
    std::unique_ptr<Descriptor> parsed;  // the public form: derives scripts without private keys
    bool has_private{false};             // the wallet holds its private keys (encrypted or not)
};

struct WalletTx {
    TransactionRef tx;
    int height{-1};  // -1: not in a block of the active chain
    uint256 block_hash;
    int64_t time_received{0};
    int64_t block_time{0};
};

struct WalletCoin {
    OutPoint outpoint;
    TxOut out;
    int depth{0};  // confirmations (0: unconfirmed)
    bool coinbase{false};
    bool from_me{false};  // the creating transaction spends only our coins (trusted while unconfirmed)
    bool change{false};
    bool spendable{false};
    int64_t desc_id{0};
    int64_t index{0};
};

struct WalletBalances {
    Amount trusted{0};
    Amount untrusted_pending{0};
    Amount immature{0};
};

struct Recipient {
    Script script;
    Amount amount{0};
    bool subtract_fee{false};
};

/** How to fund a transaction (Core's CCoinControl plus the RPCs' funding options). */
struct FundOptions {
    std::vector<OutPoint> preset_inputs;  // inputs that must be spent ("inputs" of send/walletcreatefundedpsbt)
    bool add_inputs{true};                // coin selection may add inputs to the preset ones
    std::optional<Script> change_script;  // "change_address"; else a new internal address
    std::optional<OutputType> change_type;  // else as Core's TransactionChangeType (Wallet::ChangeType)
    uint32_t tx_version{2};
    uint32_t psbt_version{0};               // 0 or 2 (BIP370)
    int change_position{-1};              // -1: random (as Core)
    bool replaceable{true};               // BIP125 signalling (Core's -walletrbf default)
    std::optional<uint32_t> locktime;     // else anti-fee-sniping
    bool avoid_partial_spends{false};
    bool include_unsafe{false};           // unconfirmed coins others sent us
    bool lock_unspents{false};
    std::set<uint256> avoid_txids;        // never select outputs of these (bumpfee: the transaction replaced)
    SelectionRng* rng{nullptr};           // tests inject a seeded one
};

struct FundResult {
    Psbt psbt;
    Amount fee{0};
    int change_pos{-1};
    SelectionAlgorithm algorithm{SelectionAlgorithm::MANUAL};
    Amount waste{0};
};

/** Core's -maxtxfee default (0.1 BTC): the wallet refuses to pay more. */
constexpr Amount DEFAULT_TRANSACTION_MAXFEE{COIN / 10};
/** Core's WALLET_INCREMENTAL_RELAY_FEE (sat/kvB), the least fee rate step of a bump. */
constexpr Amount WALLET_INCREMENTAL_RELAY_FEE{5000};

class Wallet : public ValidationNotifications
{
public:
    struct CreateOptions {
        bool disable_private_keys{false};  // watch-only (reserve co-signer wallets, public descriptors)
        bool blank{false};                 // no descriptors yet (importdescriptors follows)
    };

    static std::unique_ptr<Wallet> Create(NodeContext& node, const std::filesystem::path& file, const std::string& name,
                                          const CreateOptions& options, std::string* error);
    static std::unique_ptr<Wallet> Open(NodeContext& node, const std::filesystem::path& file, const std::string& name,
                                        std::string* error);
    ~Wallet() override;

    /** Catches up from the last block the wallet saw (rescanning blocks and rolling back a reorg that happened
     *  while it was closed), then follows the chain. */
    void Start();
    /** Stops following the chain; called before unloading. */
    void Stop();

    const std::string& Name() const { return m_name; }
    // Encryption (encryptwallet, walletpassphrase, walletlock, walletpassphrasechange).
    bool IsEncrypted() const;
    bool IsLocked() const;
    /** Seconds since the epoch until which the wallet stays unlocked (0 when locked or not encrypted). */
    int64_t UnlockedUntil() const;
    bool EncryptWallet(std::string passphrase, std::string* error);
    /** Decrypts the private keys into memory for `seconds`; they are wiped at the deadline or on Lock. */
    bool Unlock(std::string passphrase, int64_t seconds, std::string* error);
    void Lock();
    bool ChangePassphrase(std::string old_passphrase, std::string new_passphrase, std::string* error);
    bool PrivateKeysDisabled() const { return m_disable_private_keys; }
    std::filesystem::path File() const { return m_file; }

    // Descriptors and addresses.
    /** Adds (or updates) a descriptor; active ones hand out addresses. timestamp 0 rescans from genesis. */
    bool ImportDescriptor(const std::string& text, bool active, bool internal, std::optional<std::pair<int64_t, int64_t>> range,
                          int64_t timestamp, const std::string& label, std::string* error);
    std::vector<const WalletDescriptor*> Descriptors() const;
    /** A fresh address of the type from the active (internal for change) descriptor; nullopt and *error when the
     *  wallet has none or its keypool cannot be derived. */
    std::optional<Script> GetNewScript(OutputType type, bool internal, const std::string& label, std::string* error);
    bool IsMine(const Script& script) const;
    /** The change output type for these recipients (Core's TransactionChangeType with default options). */
    OutputType ChangeType(const std::vector<Recipient>& recipients) const;
    std::optional<std::pair<int64_t, int64_t>> ScriptOrigin(const Script& script) const;  // (desc id, position)
    std::map<std::string, std::string> Labels() const;  // address -> label
    void SetLabel(const std::string& address, const std::string& label);

    // Chain state.
    void BlockConnected(const Block& block, const BlockIndex& index) override;
    void BlockDisconnected(const Block& block, const BlockIndex& index) override;
    void TransactionAddedToMempool(const TransactionRef& tx) override;
    /** Scans active-chain blocks [from, to] for the wallet's transactions; returns the last height scanned. */
    int Rescan(int from, int to);
    /** abortrescan: a running Rescan stops after its current block. False when none runs. */
    bool AbortRescan();
    bool IsScanning() const { return m_scanning; }
    uint256 BestBlock() const;

    WalletBalances GetBalances() const;
    std::vector<WalletCoin> ListCoins(bool include_unspendable = false) const;
    std::vector<WalletTx> Transactions() const;
    std::optional<WalletTx> GetTx(const uint256& txid) const;
    /** Net effect of a wallet transaction on the wallet (received minus sent) and the fee when all inputs are
     *  ours. */
    std::pair<Amount, std::optional<Amount>> TxAmounts(const Transaction& tx) const;

    // Spending.
    /** Chooses coins and change for recipients at fee_rate; an unsigned PSBT (of psbt_version, 0 or 2) of a
     *  transaction of tx_version with the spent outputs and scripts. Errors carry Core's messages ("Insufficient
     *  funds", ...). */
    std::optional<Psbt> CreateFundedPsbt(const std::vector<Recipient>& recipients, const FeeRate& fee_rate,
                                         std::string* error, Amount* fee_out = nullptr, int* change_pos = nullptr,
                                         uint32_t tx_version = 2, uint32_t psbt_version = 0);
    /** Adds what the wallet knows to a PSBT (UTXOs, scripts, key origins) and signs with its keys when sign is set.
     *  Returns whether every input is complete. */
    bool FillPsbt(Psbt& psbt, bool sign, bool finalize, bool bip32_derivs = true) const;

    // Message signing, BIP329 labels and backups (wallet_extras.cpp).
    /** Keys and scripts for one of our scripts (private keys only with include_private, when the wallet holds
     *  them unlocked); nullopt when the script is not ours. */
    std::optional<FlatSigningProvider> GetSigningProvider(const Script& script, bool include_private) const;
    /** Labels of BIP329 references other than addresses (tx, pubkey, input, output, xpub), by (type, ref). */
    struct RefLabel {
        std::string label;
        std::optional<std::string> origin;
        std::optional<bool> spendable;
    };
    std::map<std::pair<std::string, std::string>, RefLabel> RefLabels() const;
    /** Stores (replaces) one; false and *error when the database write fails. */
    bool SetRefLabel(const std::string& type, const std::string& ref, const RefLabel& label, std::string* error);
    /** A consistent copy of the wallet file at dest (SQLite online backup), fsynced and moved into place. */
    bool Backup(const std::filesystem::path& dest, std::string* error) const;
    /** Funds, signs and broadcasts; the txid, or nullopt with *error and *code (an RPC error code). */
    std::optional<uint256> Send(const std::vector<Recipient>& recipients, const FeeRate& fee_rate, std::string* error,
                                int* code);
    std::optional<uint256> Send(const std::vector<Recipient>& recipients, const FeeRate& fee_rate, const FundOptions& options,
                                std::string* error, int* code);
    /** Core's CreateTransaction: coin selection (BnB, CoinGrinder, Knapsack, SRD; least waste), change as Core (dropped
     *  below the minimum viable change), RBF signalling and anti-fee-sniping. An unsigned, filled PSBT; nullopt with
     *  Core's message in *error and the RPC code in *code. (spend.cpp) */
    std::optional<FundResult> FundTransaction(const std::vector<Recipient>& recipients, const FeeRate& fee_rate,
                                              const FundOptions& options, std::string* error, int* code = nullptr);
    /** Signs every input, finalizes and submits to the mempool; the txid or nullopt with *error and *code. */
    std::optional<uint256> SignAndBroadcast(Psbt& psbt, std::string* error, int* code);
    /** Virtual size of a signed input spending a script of this wallet; nullopt when it cannot be sized. */
    std::optional<int64_t> InputSizeFor(const Script& spk) const;
    /** Core's discard rate: the longest-horizon estimate capped at -discardfee, at least the dust relay rate. */
    FeeRate DiscardRate() const;

    // Locked coins (lockunspent): never auto-selected. Persistent locks survive a reload.
    bool LockCoin(const OutPoint& out, bool persistent);
    bool UnlockCoin(const OutPoint& out);
    void UnlockAllCoins();
    bool IsLockedCoin(const OutPoint& out) const;
    std::vector<OutPoint> ListLockedCoins() const;
    /** Records that bumpfee replaced txid (Core's replaced_by_txid); nullopt when it was not. */
    std::optional<uint256> ReplacedBy(const uint256& txid) const;
    void MarkReplaced(const uint256& txid, const uint256& replacement);
    /** Whether a wallet transaction spends an output of txid. */
    bool HasWalletSpend(const uint256& txid) const;
    /** Whether out is an output of ours in a wallet transaction (its TxOut in *txout). */
    bool IsMineOutPoint(const OutPoint& out, TxOut* txout) const;

private:
    Wallet(NodeContext& node, std::string name, std::filesystem::path file);
    bool LoadFromDb(std::string* error);
    /** Derives scripts of a descriptor up to its range_end; false when a hardened step lacks its key. */
    bool ExpandDescriptor(WalletDescriptor& d);
    bool IsRelevant(const Transaction& tx) const;
    void AddTx(const TransactionRef& tx, int height, const uint256& block_hash, int64_t block_time);
    void SaveTx(const WalletTx& wtx);
    void SaveBestBlock(const uint256& hash);
    void TopUp(WalletDescriptor& d, int64_t used_index);
    bool IsSpent(const OutPoint& out) const;
    int Depth(const WalletTx& wtx) const;  // chainstate lock held
    bool IsFromMe(const Transaction& tx) const;
    bool HasActiveInternal(OutputType type) const;

    NodeContext& m_node;
    const std::string m_name;
    const std::filesystem::path m_file;
    std::unique_ptr<sql::Database> m_db;
    bool m_disable_private_keys{false};
    bool m_registered{false};

    mutable std::recursive_mutex m_mutex;
    std::atomic<bool> m_scanning{false};
    std::atomic<bool> m_abort_rescan{false};
    std::map<int64_t, WalletDescriptor> m_descriptors;
    std::map<Script, std::pair<int64_t, int64_t>> m_scripts;  // script -> (descriptor id, position)
    std::map<uint256, WalletTx> m_txs;
    std::map<OutPoint, uint256> m_spends;  // outpoint -> spending wallet tx
    std::map<std::string, std::string> m_labels;
    uint256 m_best_block;

    // Private descriptors: parsed in memory for unencrypted wallets, or while an encrypted wallet is unlocked.
    std::map<int64_t, std::unique_ptr<Descriptor>> m_private;
    std::map<int64_t, std::vector<uint8_t>> m_sealed;  // encrypted private descriptors by id
    std::optional<MasterKeyRecord> m_master_record;
    SecureBytes m_master_key;  // while unlocked
    int64_t m_unlocked_until{0};
    std::thread m_relock_thread;
    std::condition_variable_any m_relock_cv;
    bool m_relock_stop{false};
    void StopRelockThread();
    bool LoadPrivate(int64_t id, const std::string& private_text, std::string* error);
    void LoadLockedCoins();
    std::set<OutPoint> m_locked;
    std::map<uint256, uint256> m_replaced_by;
};

/** The wallets of a running node (createwallet, loadwallet, unloadwallet, listwallets, -wallet). */
class WalletManager
{
public:
    WalletManager(NodeContext& node, std::filesystem::path wallets_dir);
    ~WalletManager();
    const std::filesystem::path& Dir() const { return m_dir; }
    /** nullptr with *error and *code (Core's RPC error codes) on failure. */
    std::shared_ptr<Wallet> Create(const std::string& name, const Wallet::CreateOptions& options, std::string* error, int* code);
    std::shared_ptr<Wallet> Load(const std::string& name, std::string* error, int* code);
    bool Unload(const std::string& name, std::string* error, int* code);
    std::shared_ptr<Wallet> Get(const std::string& name) const;
    std::vector<std::shared_ptr<Wallet>> List() const;
    void UnloadAll();

private:
    std::filesystem::path PathFor(const std::string& name) const;
    NodeContext& m_node;
    std::filesystem::path m_dir;
    mutable std::mutex m_mutex;
    std::vector<std::shared_ptr<Wallet>> m_wallets;
};
