// BIP157 compact block filter messages: getcfilters/cfilter, getcfheaders/cfheaders, getcfcheckpt/cfcheckpt
// payloads and Core's request limits.
#pragma once

#include "net/protocol.h"

#include <cstdint>
#include <vector>

namespace msg {
inline constexpr const char* GETCFILTERS = "getcfilters";
inline constexpr const char* CFILTER = "cfilter";
inline constexpr const char* GETCFHEADERS = "getcfheaders";
inline constexpr const char* CFHEADERS = "cfheaders";
inline constexpr const char* GETCFCHECKPT = "getcfcheckpt";
inline constexpr const char* CFCHECKPT = "cfcheckpt";
}  // namespace msg

/** At most this many filters per getcfilters (BIP157, Core's MAX_GETCFILTERS_SIZE). */
inline constexpr uint32_t MAX_GETCFILTERS_SIZE = 1000;
/** At most this many filter hashes per getcfheaders (BIP157, Core's MAX_GETCFHEADERS_SIZE). */
inline constexpr uint32_t MAX_GETCFHEADERS_SIZE = 2000;
/** Default for -peerblockfilters (Core's DEFAULT_PEERBLOCKFILTERS). */
inline constexpr bool DEFAULT_PEERBLOCKFILTERS = false;

/** getcfilters and getcfheaders: filter type, first height, last block. */
struct CFilterRangeRequest {
    uint8_t filter_type{0};
    uint32_t start_height{0};
    uint256 stop_hash;
};

struct CFCheckptRequest {  // getcfcheckpt
    uint8_t filter_type{0};
    uint256 stop_hash;
};

struct CFilterMessage {  // cfilter
    uint8_t filter_type{0};
    uint256 block_hash;
    std::vector<uint8_t> filter;  // the encoded GCS filter (N then the Golomb-Rice bits)
};

struct CFHeadersMessage {  // cfheaders
    uint8_t filter_type{0};
    uint256 stop_hash;
    uint256 previous_filter_header;
    std::vector<uint256> filter_hashes;
};

struct CFCheckptMessage {  // cfcheckpt
    uint8_t filter_type{0};
    uint256 stop_hash;
    std::vector<uint256> filter_headers;
};

std::vector<uint8_t> SerializeCFilterRangeRequest(const CFilterRangeRequest& r);
Parsed<CFilterRangeRequest> ParseCFilterRangeRequest(std::span<const uint8_t> payload);
std::vector<uint8_t> SerializeCFCheckptRequest(const CFCheckptRequest& r);
Parsed<CFCheckptRequest> ParseCFCheckptRequest(std::span<const uint8_t> payload);
std::vector<uint8_t> SerializeCFilter(const CFilterMessage& m);
Parsed<CFilterMessage> ParseCFilter(std::span<const uint8_t> payload);
std::vector<uint8_t> SerializeCFHeaders(const CFHeadersMessage& m);
Parsed<CFHeadersMessage> ParseCFHeaders(std::span<const uint8_t> payload);
std::vector<uint8_t> SerializeCFCheckpt(const CFCheckptMessage& m);
Parsed<CFCheckptMessage> ParseCFCheckpt(std::span<const uint8_t> payload);
