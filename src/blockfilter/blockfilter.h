// BIP158 compact block filters: Golomb-coded sets (GCS), the BASIC filter of a block, filter hashes and headers.
#pragma once

#include "primitives/block.h"
#include "primitives/script.h"
#include "util/uint256.h"

#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

/** BIP158 BASIC filter parameters: false-positive rate 1/M with Golomb-Rice parameter P. */
constexpr uint8_t BASIC_FILTER_P = 19;
constexpr uint32_t BASIC_FILTER_M = 784931;

/** A Golomb-coded set of byte strings: each element is SipHash-2-4'd and mapped into [0, N*M), the sorted values
 *  are delta-coded with Golomb-Rice parameter P. The encoding is CompactSize(N) followed by the bit stream. */
class GcsFilter
{
public:
    using Element = std::vector<uint8_t>;
    using ElementSet = std::set<Element>;

    struct Params {
        uint64_t siphash_k0{0};
        uint64_t siphash_k1{0};
        uint8_t p{0};
        uint32_t m{1};
    };

    /** The empty filter (N = 0). */
    GcsFilter();
    explicit GcsFilter(const Params& params);
    /** Encodes a set (duplicates are already gone in a std::set). */
    GcsFilter(const Params& params, const ElementSet& elements);

    /** Takes an encoded filter. Unless skip_check, it must hold exactly N Golomb-Rice values and nothing after
     *  them. nullopt and *error on malformed data (never throws). */
    static std::optional<GcsFilter> Decode(const Params& params, std::vector<uint8_t> encoded, bool skip_check,
                                           std::string* error = nullptr);

    uint32_t GetN() const { return m_n; }
    const Params& GetParams() const { return m_params; }
    const std::vector<uint8_t>& GetEncoded() const { return m_encoded; }

    /** Probabilistic membership: false positives at rate about 1/M, never false negatives. */
    bool Match(std::span<const uint8_t> element) const;
    bool MatchAny(const ElementSet& elements) const;

private:
    uint64_t HashToRange(std::span<const uint8_t> element) const;
    std::vector<uint64_t> HashedSorted(const ElementSet& elements) const;
    bool MatchSorted(const std::vector<uint64_t>& hashes) const;

    Params m_params;
    uint32_t m_n{0};
    uint64_t m_f{0};  // N * M, the hash range
    std::vector<uint8_t> m_encoded;
};

enum class BlockFilterType : uint8_t {
    BASIC = 0,
    INVALID = 255,
};

/** "basic" for BASIC, "" for anything unknown. */
const std::string& BlockFilterTypeName(BlockFilterType type);
/** Parses a filter type name; false when unknown. */
bool BlockFilterTypeByName(std::string_view name, BlockFilterType& type);
/** Every known type. */
const std::set<BlockFilterType>& AllBlockFilterTypes();
/** "basic" (comma-separated list of known names, for help texts). */
const std::string& ListBlockFilterTypes();

/** BIP158 BASIC filter contents: every output script except empty ones and those starting with OP_RETURN, and
 *  every non-empty script spent by the block's inputs (taken from the undo data). */
GcsFilter::ElementSet BasicFilterElements(const Block& block, std::span<const Script* const> spent_scripts);

/** A block's filter of one type, keyed by the block hash. */
class BlockFilter
{
public:
    BlockFilter() = default;

    /** Builds the filter of a block; spent_scripts are the scripts of all outputs its inputs spend. nullopt only
     *  for an unknown type. */
    static std::optional<BlockFilter> Build(BlockFilterType type, const Block& block,
                                            std::span<const Script* const> spent_scripts);
    /** Wraps an encoded filter (e.g. read from disk or received from a peer); see GcsFilter::Decode. */
    static std::optional<BlockFilter> FromEncoded(BlockFilterType type, const uint256& block_hash,
                                                  std::vector<uint8_t> encoded, bool skip_check,
                                                  std::string* error = nullptr);

    BlockFilterType GetType() const { return m_type; }
    const uint256& GetBlockHash() const { return m_block_hash; }
    const GcsFilter& GetFilter() const { return m_filter; }
    const std::vector<uint8_t>& GetEncodedFilter() const { return m_filter.GetEncoded(); }

    /** BIP157 filter hash: double-SHA256 of the encoded filter. */
    uint256 GetHash() const;
    /** BIP157 filter header: double-SHA256(filter hash || previous header). */
    uint256 ComputeHeader(const uint256& prev_header) const;

private:
    static std::optional<GcsFilter::Params> BuildParams(BlockFilterType type, const uint256& block_hash);

    BlockFilterType m_type{BlockFilterType::INVALID};
    uint256 m_block_hash;
    GcsFilter m_filter;
};
