// BIP158 Golomb-coded sets and BASIC block filters; see blockfilter.h.
#include "blockfilter/blockfilter.h"

#include "crypto/hash.h"
#include "crypto/siphash.h"
#include "primitives/serialize.h"

#include <algorithm>
#include <map>

namespace {
/** Writes bits most significant first, as BIP158 specifies. */
class BitWriter
{
public:
    explicit BitWriter(std::vector<uint8_t>& out) : m_out(out) {}
    void Write(uint64_t value, int nbits)
    {
        while (nbits > 0) {
            const int take = std::min(8 - m_used, nbits);
            const uint8_t bits = static_cast<uint8_t>((value >> (nbits - take)) & ((1u << take) - 1));
            m_byte = static_cast<uint8_t>(m_byte | (bits << (8 - m_used - take)));
            m_used += take;
            nbits -= take;
            if (m_used == 8) Flush();
        }
    }
    /** Pads the last byte with zero bits. */
    void Flush()
    {
        if (m_used == 0) return;
        m_out.push_back(m_byte);
        m_byte = 0;
        m_used = 0;
    }

private:
    std::vector<uint8_t>& m_out;
    uint8_t m_byte{0};
    int m_used{0};
};

/** Reads bits most significant first; throws DeserializeError past the end. */
class BitReader
{
public:
    explicit BitReader(SpanReader& in) : m_in(in) {}
    uint64_t Read(int nbits)
    {
        uint64_t value = 0;
        while (nbits > 0) {
            if (m_left == 0) {
                m_byte = ReadLE<uint8_t>(m_in);
                m_left = 8;
            }
            const int take = std::min(m_left, nbits);
            const uint64_t bits = (m_byte >> (m_left - take)) & ((1u << take) - 1);
            value = (value << take) | bits;
            m_left -= take;
            nbits -= take;
        }
        return value;
    }

private:
    SpanReader& m_in;
    uint8_t m_byte{0};
    int m_left{0};
};

/** Golomb-Rice: the quotient x >> P in unary (ones closed by a zero), then the P low bits. */
void GolombRiceEncode(BitWriter& w, uint8_t p, uint64_t x)
{
    uint64_t q = x >> p;
    while (q > 0) {
        const int nbits = q <= 64 ? static_cast<int>(q) : 64;
        w.Write(~uint64_t{0}, nbits);
        q -= static_cast<uint64_t>(nbits);
    }
    w.Write(0, 1);
    w.Write(x, p);
}

uint64_t GolombRiceDecode(BitReader& r, uint8_t p)
{
    uint64_t q = 0;
    while (r.Read(1) == 1) ++q;
    return (q << p) + r.Read(p);
}

/** Maps a uniform 64-bit hash into [0, range) without division (Core's FastRange64). */
uint64_t FastRange64(uint64_t x, uint64_t range)
{
    return static_cast<uint64_t>((static_cast<unsigned __int128>(x) * range) >> 64);
}

uint64_t ReadLE64(const uint8_t* p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

const std::map<BlockFilterType, std::string>& FilterTypes()
{
    static const std::map<BlockFilterType, std::string> types{{BlockFilterType::BASIC, "basic"}};
    return types;
}
}  // namespace

GcsFilter::GcsFilter() : m_encoded{0} {}

GcsFilter::GcsFilter(const Params& params) : m_params(params), m_encoded{0} {}

GcsFilter::GcsFilter(const Params& params, const ElementSet& elements) : m_params(params)
{
    // A block holds far fewer than 2^32 distinct scripts, so N always fits.
    m_n = static_cast<uint32_t>(elements.size());
    m_f = static_cast<uint64_t>(m_n) * m_params.m;
    VectorWriter w(m_encoded);
    WriteCompactSize(w, m_n);
    if (elements.empty()) return;
    BitWriter bits(m_encoded);
    uint64_t last = 0;
    for (uint64_t value : HashedSorted(elements)) {
        GolombRiceEncode(bits, m_params.p, value - last);
        last = value;
    }
    bits.Flush();
}

std::optional<GcsFilter> GcsFilter::Decode(const Params& params, std::vector<uint8_t> encoded, bool skip_check,
                                           std::string* error)
{
    GcsFilter filter(params);
    filter.m_encoded = std::move(encoded);
    try {
        SpanReader in(filter.m_encoded);
        // Core reads N without the MAX_SIZE range check and only requires it to fit in 32 bits.
        const uint64_t n = ReadCompactSize(in, false);
        if (n > UINT32_MAX) {
            if (error) *error = "N must be <2^32";
            return std::nullopt;
        }
        filter.m_n = static_cast<uint32_t>(n);
        filter.m_f = n * params.m;
        if (skip_check) return filter;
        BitReader bits(in);
        for (uint64_t i = 0; i < n; ++i) GolombRiceDecode(bits, params.p);
        if (!in.empty()) {
            if (error) *error = "encoded_filter contains excess data";
            return std::nullopt;
        }
    } catch (const DeserializeError& e) {
        if (error) *error = e.what();
        return std::nullopt;
    }
    return filter;
}

uint64_t GcsFilter::HashToRange(std::span<const uint8_t> element) const
{
    const uint64_t hash = SipHasher(m_params.siphash_k0, m_params.siphash_k1).Write(element).Finalize();
    return FastRange64(hash, m_f);
}

std::vector<uint64_t> GcsFilter::HashedSorted(const ElementSet& elements) const
{
    std::vector<uint64_t> out;
    out.reserve(elements.size());
    for (const Element& e : elements) out.push_back(HashToRange(e));
    std::sort(out.begin(), out.end());
    return out;
}

bool GcsFilter::MatchSorted(const std::vector<uint64_t>& hashes) const
{
    // Walk the filter and the sorted queries together, as a merge.
    try {
        SpanReader in(m_encoded);
        (void)ReadCompactSize(in, false);
        BitReader bits(in);
        uint64_t value = 0;
        size_t q = 0;
        for (uint32_t i = 0; i < m_n; ++i) {
            value += GolombRiceDecode(bits, m_params.p);
            while (true) {
                if (q == hashes.size()) return false;
                if (hashes[q] == value) return true;
                if (hashes[q] > value) break;
                ++q;
            }
        }
    } catch (const DeserializeError&) {
        // A filter taken with skip_check may be truncated: nothing beyond the end matches.
    }
    return false;
}

bool GcsFilter::Match(std::span<const uint8_t> element) const { return MatchSorted({HashToRange(element)}); }

bool GcsFilter::MatchAny(const ElementSet& elements) const { return MatchSorted(HashedSorted(elements)); }

const std::string& BlockFilterTypeName(BlockFilterType type)
{
    static const std::string unknown;
    auto it = FilterTypes().find(type);
    return it != FilterTypes().end() ? it->second : unknown;
}

bool BlockFilterTypeByName(std::string_view name, BlockFilterType& type)
{
    for (const auto& [t, n] : FilterTypes()) {
        if (n == name) {
            type = t;
            return true;
        }
    }
    return false;
}

const std::set<BlockFilterType>& AllBlockFilterTypes()
{
    static const std::set<BlockFilterType> types = [] {
        std::set<BlockFilterType> s;
        for (const auto& entry : FilterTypes()) s.insert(entry.first);
        return s;
    }();
    return types;
}

const std::string& ListBlockFilterTypes()
{
    static const std::string list = [] {
        std::string s;
        for (const auto& entry : FilterTypes()) {
            if (!s.empty()) s += ", ";
            s += entry.second;
        }
        return s;
    }();
    return list;
}

GcsFilter::ElementSet BasicFilterElements(const Block& block, std::span<const Script* const> spent_scripts)
{
    GcsFilter::ElementSet elements;
    for (const TransactionRef& tx : block.vtx) {
        for (const TxOut& out : tx->vout) {
            const Script& spk = out.script_pubkey;
            if (spk.empty() || spk[0] == OP_RETURN) continue;  // BIP158: data carriers are left out
            elements.insert(spk.bytes());
        }
    }
    for (const Script* spk : spent_scripts) {
        if (spk && !spk->empty()) elements.insert(spk->bytes());
    }
    return elements;
}

std::optional<GcsFilter::Params> BlockFilter::BuildParams(BlockFilterType type, const uint256& block_hash)
{
    if (type != BlockFilterType::BASIC) return std::nullopt;
    // BIP158: the SipHash key is the first 16 bytes of the block hash (internal byte order), as two LE64 words.
    GcsFilter::Params params;
    params.siphash_k0 = ReadLE64(block_hash.begin());
    params.siphash_k1 = ReadLE64(block_hash.begin() + 8);
    params.p = BASIC_FILTER_P;
    params.m = BASIC_FILTER_M;
    return params;
}

std::optional<BlockFilter> BlockFilter::Build(BlockFilterType type, const Block& block,
                                              std::span<const Script* const> spent_scripts)
{
    BlockFilter filter;
    filter.m_type = type;
    filter.m_block_hash = block.GetHash();
    auto params = BuildParams(type, filter.m_block_hash);
    if (!params) return std::nullopt;
    filter.m_filter = GcsFilter(*params, BasicFilterElements(block, spent_scripts));
    return filter;
}

std::optional<BlockFilter> BlockFilter::FromEncoded(BlockFilterType type, const uint256& block_hash,
                                                    std::vector<uint8_t> encoded, bool skip_check,
                                                    std::string* error)
{
    auto params = BuildParams(type, block_hash);
    if (!params) {
        if (error) *error = "unknown filter_type";
        return std::nullopt;
    }
    auto gcs = GcsFilter::Decode(*params, std::move(encoded), skip_check, error);
    if (!gcs) return std::nullopt;
    BlockFilter filter;
    filter.m_type = type;
    filter.m_block_hash = block_hash;
    filter.m_filter = std::move(*gcs);
    return filter;
}

uint256 BlockFilter::GetHash() const { return Hash256(GetEncodedFilter()); }

uint256 BlockFilter::ComputeHeader(const uint256& prev_header) const
{
    const uint256 hash = GetHash();
    std::vector<uint8_t> buf(hash.begin(), hash.end());
    buf.insert(buf.end(), prev_header.begin(), prev_header.end());
    return Hash256(buf);
}
