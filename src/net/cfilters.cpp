// BIP157 message payloads (see cfilters.h).
#include "net/cfilters.h"

#include "primitives/serialize.h"

namespace {
template <typename S>
void WriteHashes(S& s, const std::vector<uint256>& v)
{
    WriteCompactSize(s, v.size());
    for (const uint256& h : v) WriteBlob(s, h);
}

std::vector<uint256> ReadHashes(SpanReader& s)
{
    const uint64_t n = ReadCompactSize(s);
    // Never allocate more than the payload can hold.
    if (n > s.remaining() / 32) throw DeserializeError("end of data");
    std::vector<uint256> v;
    v.reserve(n);
    for (uint64_t i = 0; i < n; ++i) v.push_back(ReadUint256(s));
    return v;
}
}  // namespace

std::vector<uint8_t> SerializeCFilterRangeRequest(const CFilterRangeRequest& r)
{
    return BuildPayload([&](VectorWriter& w) {
        WriteLE<VectorWriter, uint8_t>(w, r.filter_type);
        WriteLE<VectorWriter, uint32_t>(w, r.start_height);
        WriteBlob(w, r.stop_hash);
    });
}

Parsed<CFilterRangeRequest> ParseCFilterRangeRequest(std::span<const uint8_t> payload)
{
    return ParsePayload<CFilterRangeRequest>(payload, [](SpanReader& s) {
        CFilterRangeRequest r;
        r.filter_type = ReadLE<uint8_t>(s);
        r.start_height = ReadLE<uint32_t>(s);
        r.stop_hash = ReadUint256(s);
        return r;
    });
}

std::vector<uint8_t> SerializeCFCheckptRequest(const CFCheckptRequest& r)
{
    return BuildPayload([&](VectorWriter& w) {
        WriteLE<VectorWriter, uint8_t>(w, r.filter_type);
        WriteBlob(w, r.stop_hash);
    });
}

Parsed<CFCheckptRequest> ParseCFCheckptRequest(std::span<const uint8_t> payload)
{
    return ParsePayload<CFCheckptRequest>(payload, [](SpanReader& s) {
        CFCheckptRequest r;
        r.filter_type = ReadLE<uint8_t>(s);
        r.stop_hash = ReadUint256(s);
        return r;
    });
}

std::vector<uint8_t> SerializeCFilter(const CFilterMessage& m)
{
    return BuildPayload([&](VectorWriter& w) {
        WriteLE<VectorWriter, uint8_t>(w, m.filter_type);
        WriteBlob(w, m.block_hash);
        WriteBytes(w, m.filter);
    });
}

Parsed<CFilterMessage> ParseCFilter(std::span<const uint8_t> payload)
{
    return ParsePayload<CFilterMessage>(payload, [](SpanReader& s) {
        CFilterMessage m;
        m.filter_type = ReadLE<uint8_t>(s);
        m.block_hash = ReadUint256(s);
        m.filter = ReadBytes(s);
        return m;
    });
}

std::vector<uint8_t> SerializeCFHeaders(const CFHeadersMessage& m)
{
    return BuildPayload([&](VectorWriter& w) {
        WriteLE<VectorWriter, uint8_t>(w, m.filter_type);
        WriteBlob(w, m.stop_hash);
        WriteBlob(w, m.previous_filter_header);
        WriteHashes(w, m.filter_hashes);
    });
}

Parsed<CFHeadersMessage> ParseCFHeaders(std::span<const uint8_t> payload)
{
    return ParsePayload<CFHeadersMessage>(payload, [](SpanReader& s) {
        CFHeadersMessage m;
        m.filter_type = ReadLE<uint8_t>(s);
        m.stop_hash = ReadUint256(s);
        m.previous_filter_header = ReadUint256(s);
        m.filter_hashes = ReadHashes(s);
        return m;
    });
}

std::vector<uint8_t> SerializeCFCheckpt(const CFCheckptMessage& m)
{
    return BuildPayload([&](VectorWriter& w) {
        WriteLE<VectorWriter, uint8_t>(w, m.filter_type);
        WriteBlob(w, m.stop_hash);
        WriteHashes(w, m.filter_headers);
    });
}

Parsed<CFCheckptMessage> ParseCFCheckpt(std::span<const uint8_t> payload)
{
    return ParsePayload<CFCheckptMessage>(payload, [](SpanReader& s) {
        CFCheckptMessage m;
        m.filter_type = ReadLE<uint8_t>(s);
        m.stop_hash = ReadUint256(s);
        m.filter_headers = ReadHashes(s);
        return m;
    });
}
