// Message processing (Core's net_processing): the version handshake, headers-first sync and block download,
// serving headers/blocks/transactions, tip announcements, transaction relay by wtxid with orphans and 1-parent-1-child
// packages, BIP157 block filters, and misbehaviour.
// Runs on Connman's network thread; validation events arrive on other threads and are posted to it.
#pragma once

#include "net/connman.h"
#include "net/txorphanage.h"
#include "node/context.h"

#include <deque>
#include <map>
#include <optional>
#include <set>

class BlockFilterIndex;

/** Blocks in flight per peer (Core's MAX_BLOCKS_IN_TRANSIT_PER_PEER). */
constexpr int MAX_BLOCKS_IN_TRANSIT_PER_PEER = 16;
/** How far ahead of the last common block downloads may run (Core's BLOCK_DOWNLOAD_WINDOW). */
constexpr int BLOCK_DOWNLOAD_WINDOW = 1024;
/** More new blocks than this are announced with an inv of the tip only (Core's MAX_BLOCKS_TO_ANNOUNCE). */
constexpr int MAX_BLOCKS_TO_ANNOUNCE = 8;
/** Inventory sent per trickle (Core's INVENTORY_BROADCAST_MAX). */
constexpr size_t INVENTORY_BROADCAST_MAX = 1000;

struct PeerManOptions {
    bool pruned{false};
    bool ignore_incoming_txs{false};  // -blocksonly
    std::string user_agent{"/Sovereign:0.1.0/"};
    int64_t ping_interval_s{2 * 60};
    int64_t ping_timeout_s{20 * 60};
    int64_t stalling_timeout_s{2};
    int64_t max_stalling_timeout_s{64};
    int64_t block_download_timeout_s{10 * 60};
    int64_t inbound_inventory_interval_ms{5000};
    int64_t outbound_inventory_interval_ms{2000};
    int64_t tx_request_expiry_s{60};
    unsigned int max_orphan_txs{DEFAULT_MAX_ORPHAN_TRANSACTIONS};  // -maxorphantx
    bool peer_block_filters{false};                               // -peerblockfilters (BIP157)
};

/** Per-peer sync view for getpeerinfo. */
struct PeerSyncStats {
    int synced_headers{-1};
    int synced_blocks{-1};
    std::vector<int> inflight;
};

class AddrRelay;

class PeerMan : public ValidationNotifications
{
public:
    PeerMan(NodeContext& node, Connman& connman, BanMan& banman, PeerManOptions opts);
    ~PeerMan() override;

    uint64_t LocalServices() const;
    const PeerManOptions& Options() const { return m_opts; }
    /** Address relay (addr, addrv2, getaddr); without one, addresses are ignored. */
    void SetAddrRelay(AddrRelay* relay) { m_addr_relay = relay; }

    // ---- network thread (called by Connman) ----
    void InitializePeer(Peer& peer);
    void FinalizePeer(Peer& peer);
    void ProcessMessage(Peer& peer, const NetMessage& message);
    /** Periodic work for one peer: pings, timeouts, announcements, block requests, queued getdata. */
    void SendMessages(Peer& peer);
    /** Ping every peer now (ping RPC). */
    void SendPings();
    PeerSyncStats GetSyncStats(const Peer& peer) const;
    /** Returns true when the peer must be disconnected now (misbehaviour). */
    void MaybeDiscourageAndDisconnect(Peer& peer);

    // ---- ValidationNotifications (any thread) ----
    void UpdatedBlockTip(const BlockIndex& tip, const BlockIndex* fork, bool initial_download) override;
    void TransactionAddedToMempool(const TransactionRef& tx) override;
    void BlockConnected(const Block& block, const BlockIndex& index) override;

private:
    void Misbehaving(Peer& peer, const std::string& message);
    void PushVersion(Peer& peer);
    void SendGetHeaders(Peer& peer, const BlockIndex* from);
    void ProcessHeaders(Peer& peer, const std::vector<BlockHeader>& headers);
    void ProcessBlock(Peer& peer, const std::shared_ptr<const Block>& block);
    void ProcessTx(Peer& peer, const TransactionRef& tx);
    void ProcessGetHeaders(Peer& peer, const GetHeadersMessage& m, bool blocks);
    void ProcessGetData(Peer& peer);
    void ProcessInv(Peer& peer, const std::vector<Inv>& invs);
    bool MaybePunishNodeForBlock(Peer& peer, const BlockValidationState& state, const std::string& message);
    void UpdateBlockAvailability(Peer& peer, const uint256& hash);
    void ProcessBlockAvailability(Peer& peer);
    void RequestBlocks(Peer& peer, int64_t now_us);
    void FindNextBlocksToDownload(Peer& peer, int count, std::vector<const BlockIndex*>& out, int64_t* staller);
    void RemoveBlockRequest(const uint256& hash, int64_t from_peer);
    void AnnounceBlocks(Peer& peer);
    void AnnounceTransactions(Peer& peer, int64_t now_us);
    bool AlreadyHaveTx(const uint256& hash, bool by_wtxid, bool include_reconsiderable = true);
    // Orphans and 1-parent-1-child package relay (Core's ProcessValidTx/ProcessInvalidTx/ProcessOrphanTx).
    struct PackageToValidate {
        TransactionRef parent, child;
        int64_t parent_sender, child_sender;
    };
    void ProcessValidTx(int64_t peer_id, const TransactionRef& tx);
    void ProcessInvalidTx(int64_t peer_id, const TransactionRef& tx, const TxValidationState& state);
    /** Reconsiders one orphan of the peer's work set; false when there was none to decide. */
    bool ProcessOrphanTx(Peer& peer);
    std::optional<PackageToValidate> Find1P1CPackage(const TransactionRef& parent, int64_t peer_id);
    void ProcessPackage(const PackageToValidate& package);
    // BIP157.
    bool PrepareBlockFilterRequest(Peer& peer, uint8_t filter_type, uint32_t start_height, const uint256& stop_hash,
                                   uint32_t max_height_diff, const BlockIndex*& stop_index,
                                   BlockFilterIndex*& filter_index);
    void ProcessGetCFilters(Peer& peer, std::span<const uint8_t> payload);
    void ProcessGetCFHeaders(Peer& peer, std::span<const uint8_t> payload);
    void ProcessGetCFCheckPt(Peer& peer, std::span<const uint8_t> payload);
    // BIP152.
    void ProcessCompactBlock(Peer& peer, const CompactBlock& cmpct);
    void ProcessGetBlockTxn(Peer& peer, const BlockTxnRequest& req);
    void ProcessBlockTxn(Peer& peer, const BlockTxn& txn);
    /** Hands a reconstructed block to validation; a mismatch (short id collision) falls back to the full block. */
    void FinishCompactBlock(Peer& peer, Peer::PartialBlock& partial);
    void MaybeSetPeerAsHighBandwidth(Peer& peer);
    void RequestFullBlock(Peer& peer, const uint256& hash);

    NodeContext& m_node;
    ChainstateManager& m_chainman;
    Connman& m_connman;
    BanMan& m_banman;
    PeerManOptions m_opts;

    // Network thread only.
    std::map<uint256, int64_t> m_blocks_in_flight;  // hash -> peer id
    std::map<uint256, std::pair<int64_t, int64_t>> m_tx_requested;  // hash -> (peer id, request time us)
    std::set<uint256> m_recent_rejects;  // wtxids (and txids) rejected since the last tip change
    std::set<uint256> m_recent_rejects_reconsiderable;  // rejected on fees alone: may pass in a package
    std::set<std::pair<uint256, uint256>> m_rejected_packages;  // (parent, child) wtxids failed as a package
    TxOrphanage m_orphanage;
    int64_t m_stalling_timeout_s;
    int m_sync_started{0};
    std::deque<int64_t> m_hb_peers;
    AddrRelay* m_addr_relay{nullptr};  // peers we asked for high-bandwidth compact blocks (at most 3)
};
