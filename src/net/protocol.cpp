// P2P message payloads, addresses and the v1 transport framing (see protocol.h).
#include "net/protocol.h"

#include "crypto/hash.h"
#include "crypto/siphash.h"

#include <arpa/inet.h>
#include <cstring>

std::vector<std::string> ServiceFlagsToStr(uint64_t flags)
{
    std::vector<std::string> out;
    for (int bit = 0; bit < 64; ++bit) {
        const uint64_t f = uint64_t{1} << bit;
        if (!(flags & f)) continue;
        switch (f) {
        case NODE_NETWORK: out.push_back("NETWORK"); break;
        case NODE_BLOOM: out.push_back("BLOOM"); break;
        case NODE_WITNESS: out.push_back("WITNESS"); break;
        case NODE_COMPACT_FILTERS: out.push_back("COMPACT_FILTERS"); break;
        case NODE_NETWORK_LIMITED: out.push_back("NETWORK_LIMITED"); break;
        case NODE_P2P_V2: out.push_back("P2P_V2"); break;
        default: out.push_back("UNKNOWN[2^" + std::to_string(bit) + "]");
        }
    }
    return out;
}

std::string Inv::ToString() const
{
    std::string name;
    const uint32_t base = type & ~MSG_WITNESS_FLAG;
    if (type & MSG_WITNESS_FLAG) name = "witness-";
    switch (base) {
    case MSG_TX: name += "tx"; break;
    case MSG_WTX: name += "wtx"; break;
    case MSG_BLOCK: name += "block"; break;
    case MSG_FILTERED_BLOCK: name += "merkleblock"; break;
    case MSG_CMPCT_BLOCK: name += "cmpctblock"; break;
    default: name = "0x" + std::to_string(type);
    }
    return name + " " + hash.GetHex();
}

const std::vector<std::string>& AllMessageTypes()
{
    static const std::vector<std::string> types = {
        msg::VERSION, msg::VERACK, msg::ADDR, msg::ADDRV2, msg::SENDADDRV2, msg::INV, msg::GETDATA,
        msg::MERKLEBLOCK, msg::GETBLOCKS, msg::GETHEADERS, msg::TX, msg::HEADERS, msg::BLOCK, msg::GETADDR,
        msg::MEMPOOL, msg::PING, msg::PONG, msg::NOTFOUND, "filterload", "filteradd", "filterclear",
        msg::SENDHEADERS, msg::FEEFILTER, msg::SENDCMPCT, msg::CMPCTBLOCK, msg::GETBLOCKTXN, msg::BLOCKTXN,
        "getcfilters", "cfilter", "getcfheaders", "cfheaders", "getcfcheckpt", "cfcheckpt", msg::WTXIDRELAY,
        msg::SENDTXRCNCL};
    return types;
}

// ---- addresses ---------------------------------------------------------------------------------------------

namespace {
constexpr uint8_t IPV4_IN_IPV6_PREFIX[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
}

NetAddr NetAddr::FromIPv4(const std::array<uint8_t, 4>& ip)
{
    NetAddr a;
    a.network = NetworkId::IPV4;
    a.bytes.assign(ip.begin(), ip.end());
    return a;
}

std::optional<NetAddr> NetAddr::Parse(const std::string& text_in)
{
    std::string text = text_in;
    if (text.size() >= 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
    uint8_t buf[16];
    if (::inet_pton(AF_INET, text.c_str(), buf) == 1) return FromIPv4({buf[0], buf[1], buf[2], buf[3]});
    if (::inet_pton(AF_INET6, text.c_str(), buf) == 1) {
        std::array<uint8_t, 16> raw;
        std::memcpy(raw.data(), buf, 16);
        return FromV1Bytes(raw);
    }
    return std::nullopt;
}

bool NetAddr::IsLocal() const
{
    if (IsIPv4()) return bytes.size() == 4 && (bytes[0] == 127 || bytes[0] == 0);
    if (IsIPv6()) {
        static const uint8_t LOOPBACK[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        return bytes.size() == 16 && std::memcmp(bytes.data(), LOOPBACK, 16) == 0;
    }
    return false;
}

std::array<uint8_t, 16> NetAddr::GetV1Bytes() const
{
    std::array<uint8_t, 16> raw{};
    if (IsIPv4() && bytes.size() == 4) {
        std::memcpy(raw.data(), IPV4_IN_IPV6_PREFIX, 12);
        std::memcpy(raw.data() + 12, bytes.data(), 4);
    } else if (IsIPv6() && bytes.size() == 16) {
        std::memcpy(raw.data(), bytes.data(), 16);
    }
    return raw;
}

NetAddr NetAddr::FromV1Bytes(const std::array<uint8_t, 16>& raw)
{
    if (std::memcmp(raw.data(), IPV4_IN_IPV6_PREFIX, 12) == 0) return FromIPv4({raw[12], raw[13], raw[14], raw[15]});
    NetAddr a;
    a.network = NetworkId::IPV6;
    a.bytes.assign(raw.begin(), raw.end());
    return a;
}

std::string NetAddr::ToString() const
{
    char buf[64];
    if (IsIPv4() && bytes.size() == 4 && ::inet_ntop(AF_INET, bytes.data(), buf, sizeof(buf))) return buf;
    if (IsIPv6() && bytes.size() == 16 && ::inet_ntop(AF_INET6, bytes.data(), buf, sizeof(buf))) return buf;
    std::string hex;
    static const char* DIGITS = "0123456789abcdef";
    for (uint8_t b : bytes) {
        hex += DIGITS[b >> 4];
        hex += DIGITS[b & 15];
    }
    return NetworkName() + ":" + hex;
}

std::string NetAddr::NetworkName() const
{
    switch (network) {
    case NetworkId::IPV4: return "ipv4";
    case NetworkId::IPV6: return "ipv6";
    case NetworkId::TORV2:
    case NetworkId::TORV3: return "onion";
    case NetworkId::I2P: return "i2p";
    case NetworkId::CJDNS: return "cjdns";
    }
    return "not_publicly_routable";
}

std::string Service::ToString() const
{
    if (addr.IsIPv6()) return "[" + addr.ToString() + "]:" + std::to_string(port);
    return addr.ToString() + ":" + std::to_string(port);
}

size_t Bip155AddressSize(uint8_t network_id)
{
    switch (network_id) {
    case 1: return 4;
    case 2: return 16;
    case 3: return 10;
    case 4: return 32;
    case 5: return 32;
    case 6: return 16;
    default: return 0;
    }
}

// ---- payloads ----------------------------------------------------------------------------------------------

std::vector<uint8_t> SerializeVersion(const VersionMessage& m)
{
    return BuildPayload([&](VectorWriter& w) {
        WriteLE(w, m.version);
        WriteLE(w, m.services);
        WriteLE(w, m.time);
        SerializeAddressV1(w, m.addr_recv, false);
        SerializeAddressV1(w, m.addr_from, false);
        WriteLE(w, m.nonce);
        WriteBytes(w, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(m.user_agent.data()),
                                               m.user_agent.size()));
        WriteLE(w, m.start_height);
        WriteLE<VectorWriter, uint8_t>(w, m.relay ? 1 : 0);
    });
}

Parsed<VersionMessage> ParseVersion(std::span<const uint8_t> payload)
{
    return ParsePayload<VersionMessage>(payload, [](SpanReader& s) {
        VersionMessage m;
        m.version = ReadLE<int32_t>(s);
        m.services = ReadLE<uint64_t>(s);
        m.time = ReadLE<int64_t>(s);
        m.addr_recv = UnserializeAddressV1(s, false);
        // Everything after addr_recv was added over time; Core reads each field only when present.
        if (s.empty()) return m;
        m.addr_from = UnserializeAddressV1(s, false);
        m.nonce = ReadLE<uint64_t>(s);
        if (s.empty()) return m;
        const uint64_t len = ReadCompactSize(s);
        if (len > MAX_SUBVERSION_LENGTH) throw DeserializeError("String length limit exceeded");
        std::vector<uint8_t> ua;
        s.ReadAppend(ua, len);
        m.user_agent.assign(ua.begin(), ua.end());
        if (s.empty()) return m;
        m.start_height = ReadLE<int32_t>(s);
        if (s.empty()) return m;
        m.relay = ReadLE<uint8_t>(s) != 0;
        return m;
    });
}

std::vector<uint8_t> SerializeInvVector(const std::vector<Inv>& invs)
{
    return BuildPayload([&](VectorWriter& w) {
        WriteCompactSize(w, invs.size());
        for (const Inv& inv : invs) {
            WriteLE(w, inv.type);
            WriteBlob(w, inv.hash);
        }
    });
}

Parsed<std::vector<Inv>> ParseInvVector(std::span<const uint8_t> payload)
{
    return ParsePayload<std::vector<Inv>>(payload, [](SpanReader& s) {
        return ReadVector<Inv>(s, [](SpanReader& st) {
            Inv inv;
            inv.type = ReadLE<uint32_t>(st);
            inv.hash = ReadUint256(st);
            return inv;
        });
    });
}

std::vector<uint8_t> SerializeGetHeaders(const GetHeadersMessage& m)
{
    return BuildPayload([&](VectorWriter& w) {
        WriteLE(w, m.version);
        WriteCompactSize(w, m.locator.size());
        for (const uint256& h : m.locator) WriteBlob(w, h);
        WriteBlob(w, m.hash_stop);
    });
}

Parsed<GetHeadersMessage> ParseGetHeaders(std::span<const uint8_t> payload)
{
    return ParsePayload<GetHeadersMessage>(payload, [](SpanReader& s) {
        GetHeadersMessage m;
        m.version = ReadLE<uint32_t>(s);
        m.locator = ReadVector<uint256>(s, [](SpanReader& st) { return ReadUint256(st); });
        m.hash_stop = ReadUint256(s);
        return m;
    });
}

std::vector<uint8_t> SerializeHeaders(const std::vector<BlockHeader>& headers)
{
    return BuildPayload([&](VectorWriter& w) {
        WriteCompactSize(w, headers.size());
        for (const BlockHeader& h : headers) {
            SerializeHeader(w, h);
            WriteCompactSize(w, 0);
        }
    });
}

Parsed<std::vector<BlockHeader>> ParseHeaders(std::span<const uint8_t> payload)
{
    return ParsePayload<std::vector<BlockHeader>>(payload, [](SpanReader& s) {
        const uint64_t n = ReadCompactSize(s);
        if (n > MAX_HEADERS_RESULTS) throw DeserializeError("headers message size = " + std::to_string(n));
        std::vector<BlockHeader> headers;
        headers.reserve(n);
        for (uint64_t i = 0; i < n; ++i) {
            headers.push_back(UnserializeHeader(s));
            ReadCompactSize(s);  // the transaction count: ignored (assumed 0), as Core does
        }
        return headers;
    });
}

std::vector<uint8_t> SerializeU64(uint64_t v)
{
    return BuildPayload([&](VectorWriter& w) { WriteLE(w, v); });
}

Parsed<uint64_t> ParseU64(std::span<const uint8_t> payload)
{
    return ParsePayload<uint64_t>(payload, [](SpanReader& s) { return ReadLE<uint64_t>(s); });
}

std::vector<uint8_t> SerializeSendCmpct(const SendCmpctMessage& m)
{
    return BuildPayload([&](VectorWriter& w) {
        WriteLE<VectorWriter, uint8_t>(w, m.high_bandwidth ? 1 : 0);
        WriteLE(w, m.version);
    });
}

Parsed<SendCmpctMessage> ParseSendCmpct(std::span<const uint8_t> payload)
{
    return ParsePayload<SendCmpctMessage>(payload, [](SpanReader& s) {
        SendCmpctMessage m;
        m.high_bandwidth = ReadLE<uint8_t>(s) != 0;
        m.version = ReadLE<uint64_t>(s);
        return m;
    });
}

std::vector<uint8_t> SerializeAddrMessage(const std::vector<Address>& addrs, bool v2)
{
    return BuildPayload([&](VectorWriter& w) {
        std::vector<const Address*> sendable;
        for (const Address& a : addrs) {
            if (v2 || a.service.addr.IsIPv4() || a.service.addr.IsIPv6()) sendable.push_back(&a);
        }
        WriteCompactSize(w, sendable.size());
        for (const Address* a : sendable) {
            if (v2) {
                SerializeAddressV2(w, *a);
            } else {
                SerializeAddressV1(w, *a, true);
            }
        }
    });
}

Parsed<std::vector<Address>> ParseAddrMessage(std::span<const uint8_t> payload, bool v2)
{
    return ParsePayload<std::vector<Address>>(payload, [v2](SpanReader& s) {
        const uint64_t n = ReadCompactSize(s);
        std::vector<Address> out;
        out.reserve(std::min<uint64_t>(n, MAX_ADDR_TO_SEND));
        for (uint64_t i = 0; i < n; ++i) {
            if (v2) {
                bool known = false;
                Address a = UnserializeAddressV2(s, &known);
                if (known) out.push_back(std::move(a));
            } else {
                out.push_back(UnserializeAddressV1(s, true));
            }
        }
        return out;
    });
}

Parsed<TransactionRef> ParseTxMessage(std::span<const uint8_t> payload)
{
    return ParsePayload<TransactionRef>(payload, [](SpanReader& s) {
        MutableTransaction mtx;
        UnserializeTransaction(s, mtx, true);
        return MakeTransactionRef(std::move(mtx));
    });
}

Parsed<std::shared_ptr<const Block>> ParseBlockMessage(std::span<const uint8_t> payload)
{
    return ParsePayload<std::shared_ptr<const Block>>(
        payload, [](SpanReader& s) { return std::make_shared<const Block>(UnserializeBlock(s)); });
}

// ---- BIP152 ----------------------------------------------------------------------------------------------

CompactBlock CompactBlock::FromBlock(const Block& block, uint64_t nonce)
{
    CompactBlock c;
    c.header = block.header;
    c.nonce = nonce;
    if (!block.vtx.empty()) c.prefilled.push_back(PrefilledTx{0, block.vtx[0]});
    for (size_t i = 1; i < block.vtx.size(); ++i) c.short_ids.push_back(c.ShortId(block.vtx[i]->GetWitnessHash()));
    return c;
}

uint64_t CompactBlock::ShortId(const uint256& wtxid) const
{
    std::vector<uint8_t> buf;
    VectorWriter w(buf);
    SerializeHeader(w, header);
    WriteLE(w, nonce);
    const uint256 h = Sha256Hash(buf);
    uint64_t k0 = 0, k1 = 0;
    for (int i = 0; i < 8; ++i) {
        k0 |= static_cast<uint64_t>(h.data()[i]) << (8 * i);
        k1 |= static_cast<uint64_t>(h.data()[8 + i]) << (8 * i);
    }
    return SipHasher(k0, k1).Write(std::span<const uint8_t>(wtxid.data(), wtxid.size())).Finalize() &
           0xffffffffffffULL;
}

std::vector<uint8_t> SerializeCompactBlock(const CompactBlock& c)
{
    return BuildPayload([&](VectorWriter& w) {
        SerializeHeader(w, c.header);
        WriteLE(w, c.nonce);
        WriteCompactSize(w, c.short_ids.size());
        for (uint64_t id : c.short_ids) {
            WriteLE(w, static_cast<uint32_t>(id));
            WriteLE(w, static_cast<uint16_t>(id >> 32));
        }
        WriteCompactSize(w, c.prefilled.size());
        int prev = -1;
        for (const PrefilledTx& p : c.prefilled) {
            WriteCompactSize(w, static_cast<uint64_t>(p.index - prev - 1));  // differential encoding
            prev = p.index;
            SerializeTransaction(w, *p.tx, true);
        }
    });
}

Parsed<CompactBlock> ParseCompactBlock(std::span<const uint8_t> payload)
{
    return ParsePayload<CompactBlock>(payload, [](SpanReader& s) {
        CompactBlock c;
        c.header = UnserializeHeader(s);
        c.nonce = ReadLE<uint64_t>(s);
        const uint64_t n = ReadCompactSize(s);
        // Each short id is 6 bytes: the count cannot exceed what the payload holds.
        if (n > s.remaining() / 6) throw DeserializeError("end of data");
        c.short_ids.reserve(n);
        for (uint64_t i = 0; i < n; ++i) {
            const uint64_t lsb = ReadLE<uint32_t>(s);
            const uint64_t msb = ReadLE<uint16_t>(s);
            c.short_ids.push_back(lsb | (msb << 32));
        }
        const uint64_t np = ReadCompactSize(s);
        int64_t prev = -1;
        for (uint64_t i = 0; i < np; ++i) {
            const uint64_t delta = ReadCompactSize(s);
            const uint64_t index = static_cast<uint64_t>(prev + 1) + delta;
            if (delta > 0xffff || index > 0xffff) throw DeserializeError("differential value overflow");
            MutableTransaction mtx;
            UnserializeTransaction(s, mtx, true);
            c.prefilled.push_back(PrefilledTx{static_cast<uint16_t>(index), MakeTransactionRef(std::move(mtx))});
            prev = static_cast<int64_t>(index);
        }
        if (c.BlockTxCount() > 0xffff) throw DeserializeError("indexes overflowed 16 bits");
        return c;
    });
}

std::vector<uint8_t> SerializeBlockTxnRequest(const BlockTxnRequest& r)
{
    return BuildPayload([&](VectorWriter& w) {
        WriteBlob(w, r.block_hash);
        WriteCompactSize(w, r.indexes.size());
        int prev = -1;
        for (uint16_t i : r.indexes) {
            WriteCompactSize(w, static_cast<uint64_t>(i - prev - 1));
            prev = i;
        }
    });
}

Parsed<BlockTxnRequest> ParseBlockTxnRequest(std::span<const uint8_t> payload)
{
    return ParsePayload<BlockTxnRequest>(payload, [](SpanReader& s) {
        BlockTxnRequest r;
        r.block_hash = ReadUint256(s);
        const uint64_t n = ReadCompactSize(s);
        if (n > s.remaining()) throw DeserializeError("end of data");
        int64_t prev = -1;
        for (uint64_t i = 0; i < n; ++i) {
            const uint64_t delta = ReadCompactSize(s);
            const uint64_t index = static_cast<uint64_t>(prev + 1) + delta;
            if (delta > 0xffff || index > 0xffff) throw DeserializeError("indexes overflowed 16 bits");
            r.indexes.push_back(static_cast<uint16_t>(index));
            prev = static_cast<int64_t>(index);
        }
        return r;
    });
}

std::vector<uint8_t> SerializeBlockTxn(const BlockTxn& b)
{
    return BuildPayload([&](VectorWriter& w) {
        WriteBlob(w, b.block_hash);
        WriteCompactSize(w, b.txs.size());
        for (const auto& tx : b.txs) SerializeTransaction(w, *tx, true);
    });
}

Parsed<BlockTxn> ParseBlockTxn(std::span<const uint8_t> payload)
{
    return ParsePayload<BlockTxn>(payload, [](SpanReader& s) {
        BlockTxn b;
        b.block_hash = ReadUint256(s);
        b.txs = ReadVector<TransactionRef>(s, [](SpanReader& st) {
            MutableTransaction mtx;
            UnserializeTransaction(st, mtx, true);
            return MakeTransactionRef(std::move(mtx));
        });
        return b;
    });
}

// ---- transport ---------------------------------------------------------------------------------------------

std::optional<std::string> ParseCommand(std::span<const uint8_t, COMMAND_SIZE> raw)
{
    std::string cmd;
    size_t i = 0;
    for (; i < COMMAND_SIZE && raw[i] != 0; ++i) {
        if (raw[i] < ' ' || raw[i] > 0x7e) return std::nullopt;
        cmd += static_cast<char>(raw[i]);
    }
    for (; i < COMMAND_SIZE; ++i) {
        if (raw[i] != 0) return std::nullopt;  // padding must be NULs only
    }
    return cmd;
}

std::array<uint8_t, 4> MessageChecksum(std::span<const uint8_t> payload)
{
    const uint256 h = Hash256(payload);
    return {h.data()[0], h.data()[1], h.data()[2], h.data()[3]};
}

bool V1Transport::ReceivedBytes(std::span<const uint8_t> bytes, std::vector<NetMessage>& out)
{
    if (m_failed) return false;
    while (!bytes.empty()) {
        if (!m_in_payload) {
            const size_t take = std::min(bytes.size(), MESSAGE_HEADER_SIZE - m_header_buf.size());
            m_header_buf.insert(m_header_buf.end(), bytes.begin(), bytes.begin() + take);
            bytes = bytes.subspan(take);
            if (m_header_buf.size() < MESSAGE_HEADER_SIZE) break;
            const uint8_t* h = m_header_buf.data();
            if (std::memcmp(h, m_magic.data(), MESSAGE_START_SIZE) != 0) {
                m_error = "Header error: Wrong MessageStart " + [&] {
                    static const char* D = "0123456789abcdef";
                    std::string s;
                    for (size_t i = 0; i < 4; ++i) (s += D[h[i] >> 4]) += D[h[i] & 15];
                    return s;
                }() + " received";
                m_failed = true;
                return false;
            }
            m_length = static_cast<uint32_t>(h[16]) | (static_cast<uint32_t>(h[17]) << 8) |
                       (static_cast<uint32_t>(h[18]) << 16) | (static_cast<uint32_t>(h[19]) << 24);
            std::memcpy(m_checksum.data(), h + 20, 4);
            auto cmd = ParseCommand(std::span<const uint8_t, COMMAND_SIZE>(h + 4, COMMAND_SIZE));
            m_command = cmd ? *cmd : std::string();
            if (m_length > MAX_PROTOCOL_MESSAGE_LENGTH) {
                m_error = "Header error: Size too large (" + (cmd ? *cmd : std::string("<invalid>")) + ", " +
                          std::to_string(m_length) + " bytes)";
                m_failed = true;
                return false;
            }
            if (!cmd) m_command = "\x01";  // marks an invalid command; dropped below once the payload is read
            m_in_payload = true;
            m_payload.clear();
            // Grow with the data, not with the announced length.
        }
        const size_t take = std::min<size_t>(bytes.size(), m_length - m_payload.size());
        m_payload.insert(m_payload.end(), bytes.begin(), bytes.begin() + take);
        bytes = bytes.subspan(take);
        if (m_payload.size() < m_length) break;
        // Complete message.
        const bool bad_command = m_command == "\x01";
        const auto checksum = MessageChecksum(m_payload);
        if (bad_command) {
            ++m_dropped;
            m_drop_reason = "Header error: Invalid command";
        } else if (checksum != m_checksum) {
            ++m_dropped;
            static const char* D = "0123456789abcdef";
            std::string expected, got;
            for (int i = 0; i < 4; ++i) {
                (expected += D[checksum[i] >> 4]) += D[checksum[i] & 15];
                (got += D[m_checksum[i] >> 4]) += D[m_checksum[i] & 15];
            }
            m_drop_reason = "Header error: CHECKSUM ERROR (" + m_command + ", " + std::to_string(m_length) +
                            " bytes), expected " + expected + " was " + got;
        } else {
            NetMessage m;
            m.command = std::move(m_command);
            m.payload = std::move(m_payload);
            m.raw_size = MESSAGE_HEADER_SIZE + m.payload.size();
            out.push_back(std::move(m));
        }
        m_in_payload = false;
        m_header_buf.clear();
        m_payload = {};
        m_command.clear();
    }
    return true;
}

std::vector<uint8_t> V1Transport::SerializeMessage(const std::string& command, std::span<const uint8_t> payload)
{
    std::vector<uint8_t> out;
    out.reserve(MESSAGE_HEADER_SIZE + payload.size());
    out.insert(out.end(), m_magic.begin(), m_magic.end());
    uint8_t cmd[COMMAND_SIZE] = {};
    std::memcpy(cmd, command.data(), std::min(command.size(), COMMAND_SIZE));
    out.insert(out.end(), cmd, cmd + COMMAND_SIZE);
    const uint32_t len = static_cast<uint32_t>(payload.size());
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(len >> (8 * i)));
    const auto checksum = MessageChecksum(payload);
    out.insert(out.end(), checksum.begin(), checksum.end());
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
}
