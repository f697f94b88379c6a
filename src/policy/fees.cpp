// Fee estimation from confirmed blocks, following Core's CBlockPolicyEstimator.
#include "policy/fees.h"

#include "primitives/serialize.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace {
constexpr double INF_FEERATE = 1e99;

uint64_t EncodeDouble(double v)
{
    uint64_t bits;
    std::memcpy(&bits, &v, sizeof(bits));  // IEEE 754 binary64, as Core's EncodeDouble on every supported platform
    return bits;
}
double DecodeDouble(uint64_t bits)
{
    double v;
    std::memcpy(&v, &bits, sizeof(v));
    return v;
}

template <typename S>
void WriteDoubles(S& s, const std::vector<double>& v)
{
    WriteCompactSize(s, v.size());
    for (double d : v) WriteLE<S, uint64_t>(s, EncodeDouble(d));
}
template <typename S>
std::vector<double> ReadDoubles(S& s)
{
    const uint64_t n = ReadCompactSize(s);
    if (n > 100000) throw DeserializeError("too many values");
    std::vector<double> v;
    for (uint64_t i = 0; i < n; ++i) v.push_back(DecodeDouble(ReadLE<uint64_t>(s)));
    return v;
}
}  // namespace

std::string StringForFeeEstimateHorizon(FeeEstimateHorizon horizon)
{
    switch (horizon) {
    case FeeEstimateHorizon::SHORT_HALFLIFE: return "short";
    case FeeEstimateHorizon::MED_HALFLIFE: return "medium";
    case FeeEstimateHorizon::LONG_HALFLIFE: return "long";
    }
    return "";
}

std::string StringForFeeReason(FeeReason reason)
{
    switch (reason) {
    case FeeReason::NONE: return "None";
    case FeeReason::HALF_ESTIMATE: return "Half Target 60% Threshold";
    case FeeReason::FULL_ESTIMATE: return "Target 85% Threshold";
    case FeeReason::DOUBLE_ESTIMATE: return "Double Target 95% Threshold";
    case FeeReason::CONSERVATIVE: return "Conservative Double Target longer horizon";
    }
    return "";
}

/** Confirmation statistics of one horizon: per feerate bucket, decaying counts of transactions confirmed within
 *  each number of periods, failures, and the unconfirmed transactions by entry block. */
class TxConfirmStats
{
public:
    TxConfirmStats(const std::vector<double>& buckets, const std::map<double, unsigned int>& bucket_map,
                   unsigned int max_periods, double decay, unsigned int scale)
        : m_buckets(buckets), m_bucket_map(bucket_map), m_decay(decay), m_scale(scale)
    {
        m_conf_avg.assign(max_periods, std::vector<double>(buckets.size()));
        m_fail_avg.assign(max_periods, std::vector<double>(buckets.size()));
        m_tx_ct_avg.assign(buckets.size(), 0);
        m_feerate_avg.assign(buckets.size(), 0);
        ResizeInMemoryCounters(buckets.size());
    }

    unsigned int GetMaxConfirms() const { return m_scale * m_conf_avg.size(); }

    void ResizeInMemoryCounters(size_t nbuckets)
    {
        m_unconf_txs.resize(GetMaxConfirms());
        for (auto& row : m_unconf_txs) row.resize(nbuckets);
        m_old_unconf_txs.resize(nbuckets);
    }

    /** Roll the circular buffer of unconfirmed counts to this block. */
    void ClearCurrent(unsigned int height)
    {
        auto& row = m_unconf_txs[height % m_unconf_txs.size()];
        for (size_t j = 0; j < m_buckets.size(); ++j) {
            m_old_unconf_txs[j] += row[j];
            row[j] = 0;
        }
    }

    void Record(int blocks_to_confirm, double feerate)
    {
        if (blocks_to_confirm < 1) return;
        const int periods = (blocks_to_confirm + m_scale - 1) / m_scale;
        const unsigned int b = m_bucket_map.lower_bound(feerate)->second;
        for (size_t i = periods; i <= m_conf_avg.size(); ++i) m_conf_avg[i - 1][b]++;
        m_tx_ct_avg[b]++;
        m_feerate_avg[b] += feerate;
    }

    void UpdateMovingAverages()
    {
        for (size_t j = 0; j < m_buckets.size(); ++j) {
            for (size_t i = 0; i < m_conf_avg.size(); ++i) {
                m_conf_avg[i][j] *= m_decay;
                m_fail_avg[i][j] *= m_decay;
            }
            m_feerate_avg[j] *= m_decay;
            m_tx_ct_avg[j] *= m_decay;
        }
    }

    unsigned int NewTx(unsigned int height, double feerate)
    {
        const unsigned int b = m_bucket_map.lower_bound(feerate)->second;
        m_unconf_txs[height % m_unconf_txs.size()][b]++;
        return b;
    }

    void RemoveTx(unsigned int entry_height, unsigned int best_seen_height, unsigned int bucket, bool in_block)
    {
        int blocks_ago = static_cast<int>(best_seen_height) - static_cast<int>(entry_height);
        if (best_seen_height == 0) blocks_ago = 0;
        if (blocks_ago < 0) return;
        if (blocks_ago >= static_cast<int>(m_unconf_txs.size())) {
            if (m_old_unconf_txs[bucket] > 0) m_old_unconf_txs[bucket]--;
        } else {
            auto& cell = m_unconf_txs[entry_height % m_unconf_txs.size()][bucket];
            if (cell > 0) cell--;
        }
        // Only a failure if it stayed unconfirmed for at least a whole period.
        if (!in_block && static_cast<unsigned int>(blocks_ago) >= m_scale) {
            const unsigned int periods_ago = blocks_ago / m_scale;
            for (size_t i = 0; i < periods_ago && i < m_fail_avg.size(); ++i) m_fail_avg[i][bucket]++;
        }
    }

    /** The median feerate of the cheapest bucket range (from the top down, ranges with enough data) whose
     *  transactions confirmed within conf_target with at least success_break_point probability; -1 if none. */
    double EstimateMedianVal(int conf_target, double sufficient_tx_val, double success_break_point,
                             unsigned int height, EstimationResult* result) const
    {
        double n_conf = 0, total_num = 0, fail_num = 0, partial_num = 0;
        int extra_num = 0;
        const int period_target = (conf_target + m_scale - 1) / m_scale;
        const int max_bucket = static_cast<int>(m_buckets.size()) - 1;
        unsigned int cur_near = max_bucket, best_near = max_bucket, cur_far = max_bucket, best_far = max_bucket;
        bool found = false, new_range = true, passing = true;
        const unsigned int bins = m_unconf_txs.size();
        EstimatorBucket pass_bucket, fail_bucket;

        auto fill = [&](EstimatorBucket& eb) {
            const unsigned int lo = std::min(cur_near, cur_far), hi = std::max(cur_near, cur_far);
            eb.start = lo ? m_buckets[lo - 1] : 0;
            eb.end = m_buckets[hi];
            eb.within_target = n_conf;
            eb.total_confirmed = total_num;
            eb.in_mempool = extra_num;
            eb.left_mempool = fail_num;
        };

        for (int bucket = max_bucket; bucket >= 0; --bucket) {
            if (new_range) {
                cur_near = bucket;
                new_range = false;
            }
            cur_far = bucket;
            n_conf += m_conf_avg[period_target - 1][bucket];
            partial_num += m_tx_ct_avg[bucket];
            total_num += m_tx_ct_avg[bucket];
            fail_num += m_fail_avg[period_target - 1][bucket];
            for (unsigned int confct = conf_target; confct < GetMaxConfirms(); ++confct) {
                extra_num += m_unconf_txs[(height - confct) % bins][bucket];
            }
            extra_num += m_old_unconf_txs[bucket];
            // Need enough data points (scaled by the decay) before judging a range.
            if (partial_num < sufficient_tx_val / (1 - m_decay)) continue;
            partial_num = 0;
            const double cur_pct = n_conf / (total_num + fail_num + extra_num);
            if (cur_pct < success_break_point) {
                if (passing) {
                    fill(fail_bucket);
                    passing = false;
                }
                continue;
            }
            fail_bucket = EstimatorBucket();
            found = true;
            passing = true;
            pass_bucket.within_target = n_conf;
            n_conf = 0;
            pass_bucket.total_confirmed = total_num;
            total_num = 0;
            pass_bucket.in_mempool = extra_num;
            pass_bucket.left_mempool = fail_num;
            fail_num = 0;
            extra_num = 0;
            best_near = cur_near;
            best_far = cur_far;
            new_range = true;
        }

        double median = -1;
        double tx_sum = 0;
        const unsigned int min_b = std::min(best_near, best_far), max_b = std::max(best_near, best_far);
        for (unsigned int j = min_b; j <= max_b; ++j) tx_sum += m_tx_ct_avg[j];
        if (found && tx_sum != 0) {
            tx_sum /= 2;
            for (unsigned int j = min_b; j <= max_b; ++j) {
                if (m_tx_ct_avg[j] < tx_sum) {
                    tx_sum -= m_tx_ct_avg[j];
                } else {
                    median = m_feerate_avg[j] / m_tx_ct_avg[j];
                    break;
                }
            }
            pass_bucket.start = min_b ? m_buckets[min_b - 1] : 0;
            pass_bucket.end = m_buckets[max_b];
        }
        if (passing && !new_range) fill(fail_bucket);
        if (result) {
            result->pass = pass_bucket;
            result->fail = fail_bucket;
            result->decay = m_decay;
            result->scale = m_scale;
        }
        return median;
    }

    template <typename S>
    void Write(S& s) const
    {
        WriteLE<S, uint64_t>(s, EncodeDouble(m_decay));
        WriteLE<S, uint32_t>(s, m_scale);
        WriteDoubles(s, m_feerate_avg);
        WriteDoubles(s, m_tx_ct_avg);
        WriteCompactSize(s, m_conf_avg.size());
        for (const auto& row : m_conf_avg) WriteDoubles(s, row);
        WriteCompactSize(s, m_fail_avg.size());
        for (const auto& row : m_fail_avg) WriteDoubles(s, row);
    }

    template <typename S>
    void Read(S& s, size_t num_buckets)
    {
        m_decay = DecodeDouble(ReadLE<uint64_t>(s));
        if (m_decay <= 0 || m_decay >= 1) {
            throw std::runtime_error("Corrupt estimates file. Decay must be between 0 and 1 (non-inclusive)");
        }
        m_scale = ReadLE<uint32_t>(s);
        if (m_scale == 0) throw std::runtime_error("Corrupt estimates file. Scale must be non-zero");
        m_feerate_avg = ReadDoubles(s);
        if (m_feerate_avg.size() != num_buckets) {
            throw std::runtime_error("Corrupt estimates file. Mismatch in feerate average bucket count");
        }
        m_tx_ct_avg = ReadDoubles(s);
        if (m_tx_ct_avg.size() != num_buckets) {
            throw std::runtime_error("Corrupt estimates file. Mismatch in tx count bucket count");
        }
        const uint64_t periods = ReadCompactSize(s);
        const uint64_t max_confirms = m_scale * periods;
        if (max_confirms <= 0 || max_confirms > 6 * 24 * 7) {
            throw std::runtime_error(
                "Corrupt estimates file.  Must maintain estimates for between 1 and 1008 (one week) confirms");
        }
        m_conf_avg.clear();
        for (uint64_t i = 0; i < periods; ++i) {
            m_conf_avg.push_back(ReadDoubles(s));
            if (m_conf_avg.back().size() != num_buckets) {
                throw std::runtime_error("Corrupt estimates file. Mismatch in feerate conf average bucket count");
            }
        }
        const uint64_t fail_periods = ReadCompactSize(s);
        if (fail_periods != periods) {
            throw std::runtime_error("Corrupt estimates file. Mismatch in confirms tracked for failures");
        }
        m_fail_avg.clear();
        for (uint64_t i = 0; i < periods; ++i) {
            m_fail_avg.push_back(ReadDoubles(s));
            if (m_fail_avg.back().size() != num_buckets) {
                throw std::runtime_error("Corrupt estimates file. Mismatch in one of failure average bucket counts");
            }
        }
        ResizeInMemoryCounters(num_buckets);
    }

private:
    const std::vector<double>& m_buckets;
    const std::map<double, unsigned int>& m_bucket_map;
    std::vector<double> m_tx_ct_avg;
    std::vector<std::vector<double>> m_conf_avg;  // [period][bucket]
    std::vector<std::vector<double>> m_fail_avg;  // [period][bucket]
    std::vector<double> m_feerate_avg;
    double m_decay;
    unsigned int m_scale;
    std::vector<std::vector<int>> m_unconf_txs;  // [entry block % bins][bucket]
    std::vector<int> m_old_unconf_txs;
};

BlockPolicyEstimator::BlockPolicyEstimator()
{
    unsigned int index = 0;
    for (double boundary = MIN_BUCKET_FEERATE; boundary <= MAX_BUCKET_FEERATE; boundary *= FEE_SPACING, ++index) {
        m_buckets.push_back(boundary);
        m_bucket_map[boundary] = index;
    }
    m_buckets.push_back(INF_FEERATE);
    m_bucket_map[INF_FEERATE] = index;
    m_fee_stats = std::make_unique<TxConfirmStats>(m_buckets, m_bucket_map, MED_BLOCK_PERIODS, MED_DECAY, MED_SCALE);
    m_short_stats =
        std::make_unique<TxConfirmStats>(m_buckets, m_bucket_map, SHORT_BLOCK_PERIODS, SHORT_DECAY, SHORT_SCALE);
    m_long_stats = std::make_unique<TxConfirmStats>(m_buckets, m_bucket_map, LONG_BLOCK_PERIODS, LONG_DECAY, LONG_SCALE);
}

BlockPolicyEstimator::~BlockPolicyEstimator() = default;

void BlockPolicyEstimator::ProcessTransaction(const FeeEstimatorTxInfo& tx)
{
    std::lock_guard lock(m_mutex);
    if (m_mempool_txs.count(tx.txid)) return;
    // Only transactions entering at our best seen height: otherwise blocks-to-confirm would be wrong.
    if (tx.entry_height != m_best_seen_height) return;
    if (!tx.valid_for_estimation) {
        ++m_untracked_txs;
        return;
    }
    ++m_tracked_txs;
    const double feerate = static_cast<double>(FeeRate(tx.fee, tx.vsize).GetFeePerK());
    TxStatsInfo& info = m_mempool_txs[tx.txid];
    info.block_height = tx.entry_height;
    info.bucket_index = m_fee_stats->NewTx(tx.entry_height, feerate);
    m_short_stats->NewTx(tx.entry_height, feerate);
    m_long_stats->NewTx(tx.entry_height, feerate);
}

bool BlockPolicyEstimator::RemoveTx(const uint256& txid)
{
    std::lock_guard lock(m_mutex);
    return RemoveTxLocked(txid, false);
}

bool BlockPolicyEstimator::RemoveTxLocked(const uint256& txid, bool in_block)
{
    auto it = m_mempool_txs.find(txid);
    if (it == m_mempool_txs.end()) return false;
    m_fee_stats->RemoveTx(it->second.block_height, m_best_seen_height, it->second.bucket_index, in_block);
    m_short_stats->RemoveTx(it->second.block_height, m_best_seen_height, it->second.bucket_index, in_block);
    m_long_stats->RemoveTx(it->second.block_height, m_best_seen_height, it->second.bucket_index, in_block);
    m_mempool_txs.erase(it);
    return true;
}

bool BlockPolicyEstimator::ProcessBlockTx(unsigned int height, const FeeEstimatorTxInfo& tx)
{
    if (!RemoveTxLocked(tx.txid, true)) return false;
    const int blocks_to_confirm = static_cast<int>(height) - static_cast<int>(tx.entry_height);
    if (blocks_to_confirm <= 0) return false;
    const double feerate = static_cast<double>(FeeRate(tx.fee, tx.vsize).GetFeePerK());
    m_fee_stats->Record(blocks_to_confirm, feerate);
    m_short_stats->Record(blocks_to_confirm, feerate);
    m_long_stats->Record(blocks_to_confirm, feerate);
    return true;
}

void BlockPolicyEstimator::ProcessBlock(const std::vector<FeeEstimatorTxInfo>& confirmed, unsigned int height)
{
    std::lock_guard lock(m_mutex);
    // Reorgs and duplicate notifications do not count twice.
    if (height <= m_best_seen_height) return;
    m_best_seen_height = height;
    for (TxConfirmStats* s : {m_fee_stats.get(), m_short_stats.get(), m_long_stats.get()}) {
        s->ClearCurrent(height);
        s->UpdateMovingAverages();
    }
    unsigned int counted = 0;
    for (const auto& tx : confirmed) counted += ProcessBlockTx(height, tx) ? 1 : 0;
    if (m_first_recorded_height == 0 && counted > 0) m_first_recorded_height = m_best_seen_height;
    m_tracked_txs = 0;
    m_untracked_txs = 0;
}

FeeRate BlockPolicyEstimator::EstimateRawFee(int conf_target, double success_threshold, FeeEstimateHorizon horizon,
                                             EstimationResult* result) const
{
    std::lock_guard lock(m_mutex);
    const TxConfirmStats* stats = m_fee_stats.get();
    double sufficient = SUFFICIENT_FEETXS;
    if (horizon == FeeEstimateHorizon::SHORT_HALFLIFE) {
        stats = m_short_stats.get();
        sufficient = SUFFICIENT_TXS_SHORT;
    } else if (horizon == FeeEstimateHorizon::LONG_HALFLIFE) {
        stats = m_long_stats.get();
    }
    if (conf_target <= 0 || static_cast<unsigned int>(conf_target) > stats->GetMaxConfirms()) return FeeRate();
    if (success_threshold > 1) return FeeRate();
    const double median = stats->EstimateMedianVal(conf_target, sufficient, success_threshold, m_best_seen_height, result);
    if (median < 0) return FeeRate();
    return FeeRate(static_cast<Amount>(std::llround(median)));
}

unsigned int BlockPolicyEstimator::HighestTargetTracked(FeeEstimateHorizon horizon) const
{
    std::lock_guard lock(m_mutex);
    switch (horizon) {
    case FeeEstimateHorizon::SHORT_HALFLIFE: return m_short_stats->GetMaxConfirms();
    case FeeEstimateHorizon::MED_HALFLIFE: return m_fee_stats->GetMaxConfirms();
    case FeeEstimateHorizon::LONG_HALFLIFE: return m_long_stats->GetMaxConfirms();
    }
    return 0;
}

unsigned int BlockPolicyEstimator::BlockSpan() const
{
    if (m_first_recorded_height == 0) return 0;
    return m_best_seen_height - m_first_recorded_height;
}

unsigned int BlockPolicyEstimator::HistoricalBlockSpan() const
{
    if (m_historical_first == 0) return 0;
    if (m_best_seen_height - m_historical_best > OLDEST_ESTIMATE_HISTORY) return 0;
    return m_historical_best - m_historical_first;
}

unsigned int BlockPolicyEstimator::MaxUsableEstimate() const
{
    std::lock_guard lock(m_mutex);
    // Only targets up to half the blocks seen are meaningful.
    return std::min(m_long_stats->GetMaxConfirms(), std::max(BlockSpan(), HistoricalBlockSpan()) / 2);
}

double BlockPolicyEstimator::EstimateCombinedFee(unsigned int conf_target, double success_threshold,
                                                 bool check_shorter_horizon, EstimationResult* result) const
{
    double estimate = -1;
    if (conf_target >= 1 && conf_target <= m_long_stats->GetMaxConfirms()) {
        // The shortest horizon that tracks the target.
        if (conf_target <= m_short_stats->GetMaxConfirms()) {
            estimate = m_short_stats->EstimateMedianVal(conf_target, SUFFICIENT_TXS_SHORT, success_threshold,
                                                        m_best_seen_height, result);
        } else if (conf_target <= m_fee_stats->GetMaxConfirms()) {
            estimate = m_fee_stats->EstimateMedianVal(conf_target, SUFFICIENT_FEETXS, success_threshold,
                                                      m_best_seen_height, result);
        } else {
            estimate = m_long_stats->EstimateMedianVal(conf_target, SUFFICIENT_FEETXS, success_threshold,
                                                       m_best_seen_height, result);
        }
        if (check_shorter_horizon) {
            // Shorter horizons at their maximum target may give a lower answer: keeps estimates monotonic.
            EstimationResult temp;
            if (conf_target > m_fee_stats->GetMaxConfirms()) {
                const double med_max = m_fee_stats->EstimateMedianVal(
                    m_fee_stats->GetMaxConfirms(), SUFFICIENT_FEETXS, success_threshold, m_best_seen_height, &temp);
                if (med_max > 0 && (estimate == -1 || med_max < estimate)) {
                    estimate = med_max;
                    if (result) *result = temp;
                }
            }
            if (conf_target > m_short_stats->GetMaxConfirms()) {
                const double short_max = m_short_stats->EstimateMedianVal(
                    m_short_stats->GetMaxConfirms(), SUFFICIENT_TXS_SHORT, success_threshold, m_best_seen_height, &temp);
                if (short_max > 0 && (estimate == -1 || short_max < estimate)) {
                    estimate = short_max;
                    if (result) *result = temp;
                }
            }
        }
    }
    return estimate;
}

double BlockPolicyEstimator::EstimateConservativeFee(unsigned int double_target, EstimationResult* result) const
{
    double estimate = -1;
    EstimationResult temp;
    if (double_target <= m_short_stats->GetMaxConfirms()) {
        estimate = m_fee_stats->EstimateMedianVal(double_target, SUFFICIENT_FEETXS, DOUBLE_SUCCESS_PCT,
                                                  m_best_seen_height, result);
    }
    if (double_target <= m_fee_stats->GetMaxConfirms()) {
        const double long_estimate = m_long_stats->EstimateMedianVal(double_target, SUFFICIENT_FEETXS,
                                                                     DOUBLE_SUCCESS_PCT, m_best_seen_height, &temp);
        if (long_estimate > estimate) {
            estimate = long_estimate;
            if (result) *result = temp;
        }
    }
    return estimate;
}

FeeRate BlockPolicyEstimator::EstimateSmartFee(int conf_target, FeeCalculation* fee_calc, bool conservative) const
{
    std::lock_guard lock(m_mutex);
    FeeCalculation temp_calc;
    if (!fee_calc) fee_calc = &temp_calc;
    fee_calc->desired_target = conf_target;
    fee_calc->returned_target = conf_target;
    fee_calc->best_height = m_best_seen_height;
    if (conf_target <= 0 || static_cast<unsigned int>(conf_target) > m_long_stats->GetMaxConfirms()) return FeeRate();
    // Target 1 is impossible to estimate (a transaction can always wait a block).
    if (conf_target == 1) conf_target = 2;
    const unsigned int max_usable = MaxUsableEstimate();
    if (static_cast<unsigned int>(conf_target) > max_usable) conf_target = static_cast<int>(max_usable);
    fee_calc->returned_target = conf_target;
    if (conf_target <= 1) return FeeRate();

    // The max of: 60% at target/2, 85% at target, 95% at 2*target (each at the shortest horizon tracking it).
    EstimationResult temp;
    double median = EstimateCombinedFee(conf_target / 2, HALF_SUCCESS_PCT, true, &temp);
    fee_calc->est = temp;
    fee_calc->reason = FeeReason::HALF_ESTIMATE;
    const double actual = EstimateCombinedFee(conf_target, SUCCESS_PCT, true, &temp);
    if (actual > median) {
        median = actual;
        fee_calc->est = temp;
        fee_calc->reason = FeeReason::FULL_ESTIMATE;
    }
    const double dbl = EstimateCombinedFee(2 * conf_target, DOUBLE_SUCCESS_PCT, !conservative, &temp);
    if (dbl > median) {
        median = dbl;
        fee_calc->est = temp;
        fee_calc->reason = FeeReason::DOUBLE_ESTIMATE;
    }
    // Conservative: 95% at 2*target must also hold on the longer horizons.
    if (conservative || median == -1) {
        const double cons = EstimateConservativeFee(2 * conf_target, &temp);
        if (cons > median) {
            median = cons;
            fee_calc->est = temp;
            fee_calc->reason = FeeReason::CONSERVATIVE;
        }
    }
    if (median < 0) return FeeRate();
    return FeeRate(static_cast<Amount>(std::llround(median)));
}

void BlockPolicyEstimator::FlushUnconfirmed()
{
    std::lock_guard lock(m_mutex);
    while (!m_mempool_txs.empty()) RemoveTxLocked(m_mempool_txs.begin()->first, false);
}

std::vector<uint8_t> BlockPolicyEstimator::Write() const
{
    std::lock_guard lock(m_mutex);
    std::vector<uint8_t> out;
    VectorWriter w(out);
    WriteLE<VectorWriter, int32_t>(w, CURRENT_FEES_FILE_VERSION);
    WriteLE<VectorWriter, uint32_t>(w, m_best_seen_height);
    // Record the span of blocks the data covers: this run's if it is the larger part, else the loaded one.
    if (BlockSpan() > HistoricalBlockSpan() / 2) {
        WriteLE<VectorWriter, uint32_t>(w, m_first_recorded_height);
        WriteLE<VectorWriter, uint32_t>(w, m_best_seen_height);
    } else {
        WriteLE<VectorWriter, uint32_t>(w, m_historical_first);
        WriteLE<VectorWriter, uint32_t>(w, m_historical_best);
    }
    WriteDoubles(w, m_buckets);
    m_fee_stats->Write(w);
    m_short_stats->Write(w);
    m_long_stats->Write(w);
    return out;
}

bool BlockPolicyEstimator::Read(std::span<const uint8_t> data, std::string* error)
{
    std::lock_guard lock(m_mutex);
    try {
        SpanReader r(data);
        const int32_t version = ReadLE<int32_t>(r);
        if (version > CURRENT_FEES_FILE_VERSION) {
            throw std::runtime_error("File version (" + std::to_string(version) + ") too high to be read.");
        }
        if (version < CURRENT_FEES_FILE_VERSION) {
            throw std::runtime_error("File version (" + std::to_string(version) +
                                     ") incompatible: Too old to be read");
        }
        const uint32_t best = ReadLE<uint32_t>(r);
        const uint32_t hist_first = ReadLE<uint32_t>(r);
        const uint32_t hist_best = ReadLE<uint32_t>(r);
        if (hist_first > hist_best || hist_best > best) {
            throw std::runtime_error("Corrupt estimates file. Historical block range for estimates is invalid");
        }
        std::vector<double> file_buckets = ReadDoubles(r);
        const size_t nbuckets = file_buckets.size();
        if (nbuckets <= 1 || nbuckets > 1000) {
            throw std::runtime_error("Corrupt estimates file. Must have between 2 and 1000 feerate buckets");
        }
        auto fee = std::make_unique<TxConfirmStats>(m_buckets, m_bucket_map, MED_BLOCK_PERIODS, MED_DECAY, MED_SCALE);
        auto shrt =
            std::make_unique<TxConfirmStats>(m_buckets, m_bucket_map, SHORT_BLOCK_PERIODS, SHORT_DECAY, SHORT_SCALE);
        auto lng = std::make_unique<TxConfirmStats>(m_buckets, m_bucket_map, LONG_BLOCK_PERIODS, LONG_DECAY, LONG_SCALE);
        fee->Read(r, nbuckets);
        shrt->Read(r, nbuckets);
        lng->Read(r, nbuckets);
        m_buckets = std::move(file_buckets);
        m_bucket_map.clear();
        for (unsigned int i = 0; i < m_buckets.size(); ++i) m_bucket_map[m_buckets[i]] = i;
        m_fee_stats = std::move(fee);
        m_short_stats = std::move(shrt);
        m_long_stats = std::move(lng);
        m_best_seen_height = best;
        m_historical_first = hist_first;
        m_historical_best = hist_best;
    } catch (const std::exception& e) {
        if (error) *error = e.what();
        return false;
    }
    return true;
}

bool BlockPolicyEstimator::WriteFile(const std::filesystem::path& path) const
{
    const std::vector<uint8_t> bytes = Write();
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    if (!f) return false;
    f.write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    return static_cast<bool>(f);
}

bool BlockPolicyEstimator::ReadFile(const std::filesystem::path& path, std::string* error)
{
    std::ifstream f(path, std::ios::binary);
    if (!f) {
        if (error) *error = "cannot open " + path.string();
        return false;
    }
    std::vector<uint8_t> data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    return Read(data, error);
}
