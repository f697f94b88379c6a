// The Bitcoin P2P protocol (v1, protocol version 70016): message header and limits, service flags, inventory
// types, addresses (addr and BIP155 addrv2), the payloads of the messages we speak, and the v1 transport framing.
#pragma once

#include "primitives/block.h"
#include "primitives/serialize.h"
#include "util/uint256.h"

#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <vector>

// ---- versions and limits -----------------------------------------------------------------------------------

constexpr int PROTOCOL_VERSION = 70016;
/** Peers older than this are disconnected. */
constexpr int MIN_PEER_PROTO_VERSION = 31800;
/** BIP130 sendheaders. */
constexpr int SENDHEADERS_VERSION = 70012;
/** BIP133 feefilter. */
constexpr int FEEFILTER_VERSION = 70013;
/** BIP152 compact blocks. */
constexpr int SHORT_IDS_BLOCKS_VERSION = 70014;
/** BIP339 wtxidrelay. */
constexpr int WTXID_RELAY_VERSION = 70016;

constexpr size_t MESSAGE_START_SIZE = 4;
constexpr size_t COMMAND_SIZE = 12;
constexpr size_t MESSAGE_SIZE_SIZE = 4;
constexpr size_t CHECKSUM_SIZE = 4;
/** magic(4) command(12) length(4) checksum(4). */
constexpr size_t MESSAGE_HEADER_SIZE = MESSAGE_START_SIZE + COMMAND_SIZE + MESSAGE_SIZE_SIZE + CHECKSUM_SIZE;
/** Largest payload a peer may send. */
constexpr uint32_t MAX_PROTOCOL_MESSAGE_LENGTH = 4 * 1000 * 1000;
/** Headers per `headers` message. */
constexpr size_t MAX_HEADERS_RESULTS = 2000;
/** Entries per inv/getdata/notfound. */
constexpr size_t MAX_INV_SZ = 50000;
/** Entries per addr/addrv2. */
constexpr size_t MAX_ADDR_TO_SEND = 1000;
/** Hashes in a block locator. */
constexpr size_t MAX_LOCATOR_SZ = 101;
/** The user agent of a version message. */
constexpr size_t MAX_SUBVERSION_LENGTH = 256;
/** BIP155: the longest address payload accepted. */
constexpr size_t MAX_ADDRV2_SIZE = 512;

// ---- service flags -----------------------------------------------------------------------------------------

enum ServiceFlags : uint64_t {
    NODE_NONE = 0,
    NODE_NETWORK = 1 << 0,
    NODE_BLOOM = 1 << 2,
    NODE_WITNESS = 1 << 3,
    NODE_COMPACT_FILTERS = 1 << 6,
    NODE_NETWORK_LIMITED = 1 << 10,
    NODE_P2P_V2 = 1 << 11,
};

/** Names of the set bits, as getpeerinfo/getnetworkinfo list them ("NETWORK", "WITNESS", "UNKNOWN[2^n]"). */
std::vector<std::string> ServiceFlagsToStr(uint64_t flags);

// ---- inventory ---------------------------------------------------------------------------------------------

/** BIP144: the flag asking for witness serialization. */
constexpr uint32_t MSG_WITNESS_FLAG = 1u << 30;
enum GetDataMsg : uint32_t {
    MSG_UNDEFINED = 0,
    MSG_TX = 1,
    MSG_BLOCK = 2,
    MSG_FILTERED_BLOCK = 3,
    MSG_CMPCT_BLOCK = 4,  // BIP152
    MSG_WTX = 5,          // BIP339
    MSG_WITNESS_BLOCK = MSG_BLOCK | MSG_WITNESS_FLAG,
    MSG_WITNESS_TX = MSG_TX | MSG_WITNESS_FLAG,
    MSG_FILTERED_WITNESS_BLOCK = MSG_FILTERED_BLOCK | MSG_WITNESS_FLAG,
};

struct Inv {
    uint32_t type{MSG_UNDEFINED};
    uint256 hash;

    bool IsMsgTx() const { return type == MSG_TX; }
    bool IsMsgWtx() const { return type == MSG_WTX; }
    bool IsMsgWitnessTx() const { return type == MSG_WITNESS_TX; }
    bool IsGenTxMsg() const { return type == MSG_TX || type == MSG_WTX || type == MSG_WITNESS_TX; }
    bool IsGenBlkMsg() const
    {
        return type == MSG_BLOCK || type == MSG_FILTERED_BLOCK || type == MSG_CMPCT_BLOCK ||
               type == MSG_WITNESS_BLOCK || type == MSG_FILTERED_WITNESS_BLOCK;
    }
    /** "tx 1234…", "witness block …" as Core's CInv::ToString. */
    std::string ToString() const;
    friend bool operator==(const Inv&, const Inv&) = default;
};

// ---- message types -----------------------------------------------------------------------------------------

namespace msg {
inline constexpr const char* VERSION = "version";
inline constexpr const char* VERACK = "verack";
inline constexpr const char* ADDR = "addr";
inline constexpr const char* ADDRV2 = "addrv2";
inline constexpr const char* SENDADDRV2 = "sendaddrv2";
inline constexpr const char* INV = "inv";
inline constexpr const char* GETDATA = "getdata";
inline constexpr const char* MERKLEBLOCK = "merkleblock";
inline constexpr const char* GETBLOCKS = "getblocks";
inline constexpr const char* GETHEADERS = "getheaders";
inline constexpr const char* TX = "tx";
inline constexpr const char* HEADERS = "headers";
inline constexpr const char* BLOCK = "block";
inline constexpr const char* GETADDR = "getaddr";
inline constexpr const char* MEMPOOL = "mempool";
inline constexpr const char* PING = "ping";
inline constexpr const char* PONG = "pong";
inline constexpr const char* NOTFOUND = "notfound";
inline constexpr const char* FEEFILTER = "feefilter";
inline constexpr const char* SENDHEADERS = "sendheaders";
inline constexpr const char* SENDCMPCT = "sendcmpct";
inline constexpr const char* CMPCTBLOCK = "cmpctblock";
inline constexpr const char* GETBLOCKTXN = "getblocktxn";
inline constexpr const char* BLOCKTXN = "blocktxn";
inline constexpr const char* WTXIDRELAY = "wtxidrelay";
inline constexpr const char* SENDTXRCNCL = "sendtxrcncl";
}  // namespace msg

/** Every message type Core knows (getpeerinfo's per-message byte counters use "*other*" for the rest). */
const std::vector<std::string>& AllMessageTypes();

// ---- addresses ---------------------------------------------------------------------------------------------

/** BIP155 network ids. */
enum class NetworkId : uint8_t { IPV4 = 1, IPV6 = 2, TORV2 = 3, TORV3 = 4, I2P = 5, CJDNS = 6 };

/** A network address without port (Core's CNetAddr), IPv4 and IPv6 in full, others as their raw bytes. */
struct NetAddr {
    NetworkId network{NetworkId::IPV6};
    std::vector<uint8_t> bytes = std::vector<uint8_t>(16, 0);

    static NetAddr FromIPv4(const std::array<uint8_t, 4>& ip);
    /** Parses a literal IPv4 or IPv6 address ("1.2.3.4", "::1", "[::1]"). */
    static std::optional<NetAddr> Parse(const std::string& text);
    bool IsIPv4() const { return network == NetworkId::IPV4; }
    bool IsIPv6() const { return network == NetworkId::IPV6; }
    bool IsLocal() const;
    /** The 16-byte form addr v1 carries (IPv4 mapped into ::ffff:0:0/96); all zeros for other networks. */
    std::array<uint8_t, 16> GetV1Bytes() const;
    /** From 16 v1 bytes (IPv4-mapped become IPv4). */
    static NetAddr FromV1Bytes(const std::array<uint8_t, 16>& raw);
    std::string ToString() const;
    /** "ipv4", "ipv6", "onion", "i2p", "cjdns" as getpeerinfo's "network". */
    std::string NetworkName() const;
    friend bool operator==(const NetAddr&, const NetAddr&) = default;
    friend auto operator<=>(const NetAddr&, const NetAddr&) = default;
};

/** An address with a port (Core's CService). */
struct Service {
    NetAddr addr;
    uint16_t port{0};
    /** "1.2.3.4:8333", "[::1]:8333". */
    std::string ToString() const;
    friend bool operator==(const Service&, const Service&) = default;
    friend auto operator<=>(const Service&, const Service&) = default;
};

/** A relayed address (Core's CAddress): time last seen, services, and where. */
struct Address {
    uint32_t time{0};
    uint64_t services{NODE_NONE};
    Service service;
    friend bool operator==(const Address&, const Address&) = default;
};

/** addr (v1): time, services, 16-byte address, big-endian port. Non-IP addresses cannot be written (skipped). */
template <typename S>
void SerializeAddressV1(S& s, const Address& a, bool with_time)
{
    if (with_time) WriteLE(s, a.time);
    WriteLE(s, a.services);
    const auto raw = a.service.addr.GetV1Bytes();
    s.write(raw);
    const uint8_t port[2] = {static_cast<uint8_t>(a.service.port >> 8), static_cast<uint8_t>(a.service.port)};
    s.write(port);
}

template <typename S>
Address UnserializeAddressV1(S& s, bool with_time)
{
    Address a;
    if (with_time) a.time = ReadLE<uint32_t>(s);
    a.services = ReadLE<uint64_t>(s);
    std::array<uint8_t, 16> raw;
    s.read(raw);
    a.service.addr = NetAddr::FromV1Bytes(raw);
    uint8_t port[2];
    s.read(port);
    a.service.port = static_cast<uint16_t>((port[0] << 8) | port[1]);
    return a;
}

/** The payload length BIP155 fixes for a network id (0 when unknown). */
size_t Bip155AddressSize(uint8_t network_id);

/** addrv2 (BIP155): time, CompactSize services, network id, CompactSize length, address, big-endian port. */
template <typename S>
void SerializeAddressV2(S& s, const Address& a)
{
    WriteLE(s, a.time);
    WriteCompactSize(s, a.services);
    WriteLE(s, static_cast<uint8_t>(a.service.addr.network));
    WriteBytes(s, a.service.addr.bytes);
    const uint8_t port[2] = {static_cast<uint8_t>(a.service.port >> 8), static_cast<uint8_t>(a.service.port)};
    s.write(port);
}

/** Reads one addrv2 entry. Unknown network ids are read and returned with known=false (BIP155: ignore them);
 *  a known id with the wrong length throws with Core's text. */
template <typename S>
Address UnserializeAddressV2(S& s, bool* known)
{
    Address a;
    a.time = ReadLE<uint32_t>(s);
    a.services = ReadCompactSize(s, false);
    const uint8_t id = ReadLE<uint8_t>(s);
    const uint64_t len = ReadCompactSize(s);
    if (len > MAX_ADDRV2_SIZE) {
        throw DeserializeError("Address too long: " + std::to_string(len) + " > " + std::to_string(MAX_ADDRV2_SIZE));
    }
    std::vector<uint8_t> bytes(len);
    s.read(bytes);
    const size_t expected = Bip155AddressSize(id);
    *known = expected != 0 && id != static_cast<uint8_t>(NetworkId::TORV2);
    if (expected != 0 && len != expected) {
        throw DeserializeError("BIP155 network id " + std::to_string(id) + " address with length " +
                               std::to_string(len) + " (should be " + std::to_string(expected) + ")");
    }
    a.service.addr.network = static_cast<NetworkId>(id);
    a.service.addr.bytes = std::move(bytes);
    uint8_t port[2];
    s.read(port);
    a.service.port = static_cast<uint16_t>((port[0] << 8) | port[1]);
    return a;
}

// ---- message payloads --------------------------------------------------------------------------------------

struct VersionMessage {
    int32_t version{PROTOCOL_VERSION};
    uint64_t services{NODE_NONE};
    int64_t time{0};
    Address addr_recv;  // serialized without time
    Address addr_from;  // serialized without time
    uint64_t nonce{0};
    std::string user_agent;
    int32_t start_height{0};
    bool relay{true};  // BIP37; absent in old versions means true
};

struct GetHeadersMessage {  // also getblocks
    uint32_t version{PROTOCOL_VERSION};
    std::vector<uint256> locator;
    uint256 hash_stop;
};

struct SendCmpctMessage {  // BIP152
    bool high_bandwidth{false};
    uint64_t version{2};
};

/** A payload parse: the value, or the reason (Core's exception text) it failed. */
template <typename T>
using Parsed = Decoded<T>;

/** Runs read over a payload, turning DeserializeError into an error value. Trailing bytes are ignored, as Core
 *  ignores them (future extensions append fields). */
template <typename T, typename F>
Parsed<T> ParsePayload(std::span<const uint8_t> payload, F read)
{
    Parsed<T> out;
    try {
        SpanReader s(payload);
        out.value = read(s);
    } catch (const std::exception& e) {
        out.value.reset();
        out.error = e.what();
    }
    return out;
}

/** The payload write produces. */
template <typename F>
std::vector<uint8_t> BuildPayload(F write)
{
    std::vector<uint8_t> out;
    VectorWriter w(out);
    write(w);
    return out;
}

std::vector<uint8_t> SerializeVersion(const VersionMessage& m);
Parsed<VersionMessage> ParseVersion(std::span<const uint8_t> payload);

std::vector<uint8_t> SerializeInvVector(const std::vector<Inv>& invs);
/** inv, getdata, notfound. More than MAX_INV_SZ entries parse (the caller punishes, as Core). */
Parsed<std::vector<Inv>> ParseInvVector(std::span<const uint8_t> payload);

std::vector<uint8_t> SerializeGetHeaders(const GetHeadersMessage& m);
Parsed<GetHeadersMessage> ParseGetHeaders(std::span<const uint8_t> payload);

/** headers: each header followed by a zero transaction count. */
std::vector<uint8_t> SerializeHeaders(const std::vector<BlockHeader>& headers);
/** Fails with "headers message size = N" above MAX_HEADERS_RESULTS before reading them (the caller punishes). */
Parsed<std::vector<BlockHeader>> ParseHeaders(std::span<const uint8_t> payload);

std::vector<uint8_t> SerializeU64(uint64_t v);  // ping, pong nonces; feefilter's sat/kvB as int64
Parsed<uint64_t> ParseU64(std::span<const uint8_t> payload);

std::vector<uint8_t> SerializeSendCmpct(const SendCmpctMessage& m);
Parsed<SendCmpctMessage> ParseSendCmpct(std::span<const uint8_t> payload);

std::vector<uint8_t> SerializeAddrMessage(const std::vector<Address>& addrs, bool v2);
/** addr or addrv2; entries of unknown BIP155 networks are dropped. Over MAX_ADDR_TO_SEND parses (caller punishes). */
Parsed<std::vector<Address>> ParseAddrMessage(std::span<const uint8_t> payload, bool v2);

Parsed<TransactionRef> ParseTxMessage(std::span<const uint8_t> payload);
Parsed<std::shared_ptr<const Block>> ParseBlockMessage(std::span<const uint8_t> payload);

// ---- BIP152 compact blocks ---------------------------------------------------------------------------------

/** Blocks this deep or shallower are sent as cmpctblock on request (Core's MAX_CMPCTBLOCK_DEPTH). */
constexpr int MAX_CMPCTBLOCK_DEPTH = 5;
/** getblocktxn is answered for blocks this deep or shallower (Core's MAX_BLOCKTXN_DEPTH). */
constexpr int MAX_BLOCKTXN_DEPTH = 10;

/** A transaction sent in full inside a cmpctblock, at its absolute position in the block. */
struct PrefilledTx {
    uint16_t index{0};
    TransactionRef tx;
};

/** cmpctblock (Core's CBlockHeaderAndShortTxIDs), version 2: short ids of wtxids. */
struct CompactBlock {
    BlockHeader header;
    uint64_t nonce{0};
    std::vector<uint64_t> short_ids;  // 48-bit values
    std::vector<PrefilledTx> prefilled;

    /** The coinbase prefilled, every other transaction by short id. */
    static CompactBlock FromBlock(const Block& block, uint64_t nonce);
    size_t BlockTxCount() const { return short_ids.size() + prefilled.size(); }
    /** BIP152: SipHash-2-4 keyed with the first 16 bytes of SHA256(header || nonce), over the wtxid, 6 bytes. */
    uint64_t ShortId(const uint256& wtxid) const;
};

struct BlockTxnRequest {  // getblocktxn
    uint256 block_hash;
    std::vector<uint16_t> indexes;  // absolute, increasing
};

struct BlockTxn {  // blocktxn
    uint256 block_hash;
    std::vector<TransactionRef> txs;
};

std::vector<uint8_t> SerializeCompactBlock(const CompactBlock& c);
/** Fails with Core's texts ("indexes overflowed 16 bits", "differential value overflow", ...). */
Parsed<CompactBlock> ParseCompactBlock(std::span<const uint8_t> payload);
std::vector<uint8_t> SerializeBlockTxnRequest(const BlockTxnRequest& r);
Parsed<BlockTxnRequest> ParseBlockTxnRequest(std::span<const uint8_t> payload);
std::vector<uint8_t> SerializeBlockTxn(const BlockTxn& b);
Parsed<BlockTxn> ParseBlockTxn(std::span<const uint8_t> payload);

// ---- transport ---------------------------------------------------------------------------------------------

/** One complete message off the wire. */
struct NetMessage {
    std::string command;
    std::vector<uint8_t> payload;
    size_t raw_size{0};  // header + payload, for the byte counters
};

/** Frames outgoing messages and splits incoming bytes into messages. V1Transport implements the plaintext
 *  protocol; a BIP324 V2Transport would implement the same interface (see docs/p2p.md). */
class Transport
{
public:
    virtual ~Transport() = default;
    /** Consumes bytes; complete messages are appended to out. False on a fatal framing error (Error() says why):
     *  the connection must be closed. Messages that fail their checksum or carry an invalid command are dropped
     *  (counted in DroppedMessages()), as Core does, without closing the connection. */
    virtual bool ReceivedBytes(std::span<const uint8_t> bytes, std::vector<NetMessage>& out) = 0;
    /** The wire bytes of one message. */
    virtual std::vector<uint8_t> SerializeMessage(const std::string& command, std::span<const uint8_t> payload) = 0;
    virtual const std::string& Error() const = 0;
    virtual uint64_t DroppedMessages() const = 0;
    /** "v1" or "v2" (getpeerinfo transport_protocol_type). */
    virtual std::string ProtocolType() const = 0;
    /** Bytes buffered for a message not yet complete. */
    virtual size_t BufferedBytes() const = 0;
};

class V1Transport final : public Transport
{
public:
    explicit V1Transport(const std::array<uint8_t, 4>& magic) : m_magic(magic) {}
    bool ReceivedBytes(std::span<const uint8_t> bytes, std::vector<NetMessage>& out) override;
    std::vector<uint8_t> SerializeMessage(const std::string& command, std::span<const uint8_t> payload) override;
    const std::string& Error() const override { return m_error; }
    uint64_t DroppedMessages() const override { return m_dropped; }
    std::string ProtocolType() const override { return "v1"; }
    size_t BufferedBytes() const override { return m_header_buf.size() + m_payload.size(); }
    /** The last dropped message's reason (checksum or command), for logging. */
    const std::string& LastDropReason() const { return m_drop_reason; }

private:
    std::array<uint8_t, 4> m_magic;
    std::vector<uint8_t> m_header_buf;
    bool m_in_payload{false};
    std::string m_command;
    uint32_t m_length{0};
    std::array<uint8_t, 4> m_checksum{};
    std::vector<uint8_t> m_payload;
    std::string m_error;
    std::string m_drop_reason;
    uint64_t m_dropped{0};
    bool m_failed{false};
};

/** Core's CMessageHeader::IsCommandValid: printable ASCII then only NULs. The command is returned when valid. */
std::optional<std::string> ParseCommand(std::span<const uint8_t, COMMAND_SIZE> raw);
/** The first 4 bytes of double SHA-256. */
std::array<uint8_t, 4> MessageChecksum(std::span<const uint8_t> payload);
