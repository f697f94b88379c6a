// Fee estimation from confirmed blocks (Core's CBlockPolicyEstimator): feerate buckets, exponentially decaying
// confirmation statistics over three horizons, estimatesmartfee's economical and conservative modes, and the
// fee_estimates.dat file format.
#pragma once

#include "policy/feerate.h"
#include "util/uint256.h"

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

/** Ignore fee_estimates.dat older than this (hours) unless -acceptstalefeeestimates. */
inline constexpr int64_t MAX_FEE_ESTIMATES_FILE_AGE_HOURS{60};
/** Estimates are only recorded while the tip is at most this old (seconds). */
inline constexpr int64_t MAX_FEE_ESTIMATION_TIP_AGE{3 * 60 * 60};

enum class FeeEstimateHorizon { SHORT_HALFLIFE, MED_HALFLIFE, LONG_HALFLIFE };
std::string StringForFeeEstimateHorizon(FeeEstimateHorizon horizon);

enum class FeeReason { NONE, HALF_ESTIMATE, FULL_ESTIMATE, DOUBLE_ESTIMATE, CONSERVATIVE };
std::string StringForFeeReason(FeeReason reason);

struct EstimatorBucket {
    double start{-1};
    double end{-1};
    double within_target{0};
    double total_confirmed{0};
    double in_mempool{0};
    double left_mempool{0};
};

struct EstimationResult {
    EstimatorBucket pass;
    EstimatorBucket fail;
    double decay{0};
    unsigned int scale{0};
};

struct FeeCalculation {
    EstimationResult est;
    FeeReason reason{FeeReason::NONE};
    int desired_target{0};
    int returned_target{0};
    unsigned int best_height{0};
};

class TxConfirmStats;

/** A mempool transaction as the estimator sees it on entry. */
struct FeeEstimatorTxInfo {
    uint256 txid;
    Amount fee{0};
    int64_t vsize{0};
    unsigned int entry_height{0};
    /** Core only tracks transactions with no mempool parents, not submitted in a package, not re-added from a
     *  block, while the chain is current. */
    bool valid_for_estimation{true};
};

class BlockPolicyEstimator
{
public:
    static constexpr unsigned int SHORT_BLOCK_PERIODS = 12;
    static constexpr unsigned int SHORT_SCALE = 1;
    static constexpr unsigned int MED_BLOCK_PERIODS = 24;
    static constexpr unsigned int MED_SCALE = 2;
    static constexpr unsigned int LONG_BLOCK_PERIODS = 42;
    static constexpr unsigned int LONG_SCALE = 24;
    static constexpr unsigned int OLDEST_ESTIMATE_HISTORY = 6 * 1008;
    static constexpr double SHORT_DECAY = .962;
    static constexpr double MED_DECAY = .9952;
    static constexpr double LONG_DECAY = .99931;
    static constexpr double HALF_SUCCESS_PCT = .6;
    static constexpr double SUCCESS_PCT = .85;
    static constexpr double DOUBLE_SUCCESS_PCT = .95;
    static constexpr double SUFFICIENT_FEETXS = 0.1;
    static constexpr double SUFFICIENT_TXS_SHORT = 0.5;
    static constexpr double MIN_BUCKET_FEERATE = 100;
    static constexpr double MAX_BUCKET_FEERATE = 1e7;
    static constexpr double FEE_SPACING = 1.05;
    static constexpr int CURRENT_FEES_FILE_VERSION = 309900;

    BlockPolicyEstimator();
    ~BlockPolicyEstimator();

    /** A transaction entered the mempool at entry_height. */
    void ProcessTransaction(const FeeEstimatorTxInfo& tx);
    /** A transaction left the mempool other than by a block. */
    bool RemoveTx(const uint256& txid);
    /** A block at height confirmed these mempool transactions (fee, vsize and entry height as when they
     *  entered). */
    void ProcessBlock(const std::vector<FeeEstimatorTxInfo>& confirmed, unsigned int height);

    /** estimatesmartfee: zero FeeRate when there is not enough data; fee_calc says why and for which target. */
    FeeRate EstimateSmartFee(int conf_target, FeeCalculation* fee_calc, bool conservative) const;
    /** estimaterawfee for one horizon. */
    FeeRate EstimateRawFee(int conf_target, double success_threshold, FeeEstimateHorizon horizon,
                           EstimationResult* result = nullptr) const;
    unsigned int HighestTargetTracked(FeeEstimateHorizon horizon) const;
    unsigned int MaxUsableEstimate() const;
    unsigned int BestSeenHeight() const { return m_best_seen_height; }

    /** Forgets tracked mempool transactions as failures (Core does this at shutdown before writing). */
    void FlushUnconfirmed();
    /** fee_estimates.dat bytes (Core's format) and reading them back; Read leaves state unchanged on error. */
    std::vector<uint8_t> Write() const;
    bool Read(std::span<const uint8_t> data, std::string* error = nullptr);
    bool WriteFile(const std::filesystem::path& path) const;
    bool ReadFile(const std::filesystem::path& path, std::string* error = nullptr);

private:
    struct TxStatsInfo {
        unsigned int block_height{0};
        unsigned int bucket_index{0};
    };
    bool RemoveTxLocked(const uint256& txid, bool in_block);
    bool ProcessBlockTx(unsigned int height, const FeeEstimatorTxInfo& tx);
    double EstimateCombinedFee(unsigned int conf_target, double success_threshold, bool check_shorter_horizon,
                               EstimationResult* result) const;
    double EstimateConservativeFee(unsigned int double_target, EstimationResult* result) const;
    unsigned int BlockSpan() const;
    unsigned int HistoricalBlockSpan() const;

    mutable std::recursive_mutex m_mutex;
    unsigned int m_best_seen_height{0};
    unsigned int m_first_recorded_height{0};
    unsigned int m_historical_first{0};
    unsigned int m_historical_best{0};
    std::map<uint256, TxStatsInfo> m_mempool_txs;
    unsigned int m_tracked_txs{0};
    unsigned int m_untracked_txs{0};
    std::vector<double> m_buckets;
    std::map<double, unsigned int> m_bucket_map;
    std::unique_ptr<TxConfirmStats> m_fee_stats, m_short_stats, m_long_stats;
};
