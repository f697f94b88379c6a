// P2P protocol: message framing (v1 transport), payload round trips, limits, addresses and subnets.
#include "net/banman.h"
#include "net/protocol.h"
#include "util/hex.h"

#include <gtest/gtest.h>

namespace {
const std::array<uint8_t, 4> REGTEST_MAGIC = {0xfa, 0xbf, 0xb5, 0xda};

std::vector<uint8_t> Frame(const std::string& cmd, const std::vector<uint8_t>& payload)
{
    V1Transport t(REGTEST_MAGIC);
    return t.SerializeMessage(cmd, payload);
}
}  // namespace

TEST(NetProtocol, VerackFrameMatchesKnownBytes)
{
    // An empty verack on regtest: magic, "verack" NUL-padded, length 0, checksum of the empty string (5df6e0e2).
    EXPECT_EQ(HexStr(Frame("verack", {})), "fabfb5da76657261636b000000000000000000005df6e0e2");
}

TEST(NetProtocol, TransportReassemblesMessagesSplitAcrossReads)
{
    std::vector<uint8_t> wire = Frame("ping", SerializeU64(42));
    const auto second = Frame("pong", SerializeU64(7));
    wire.insert(wire.end(), second.begin(), second.end());
    V1Transport t(REGTEST_MAGIC);
    std::vector<NetMessage> out;
    for (uint8_t b : wire) ASSERT_TRUE(t.ReceivedBytes(std::span<const uint8_t>(&b, 1), out));
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].command, "ping");
    EXPECT_EQ(*ParseU64(out[0].payload), 42u);
    EXPECT_EQ(out[1].command, "pong");
    EXPECT_EQ(out[1].raw_size, MESSAGE_HEADER_SIZE + 8);
    EXPECT_EQ(t.BufferedBytes(), 0u);
}

TEST(NetProtocol, WrongMagicIsFatal)
{
    auto wire = Frame("verack", {});
    wire[0] ^= 1;
    V1Transport t(REGTEST_MAGIC);
    std::vector<NetMessage> out;
    EXPECT_FALSE(t.ReceivedBytes(wire, out));
    EXPECT_NE(t.Error().find("Wrong MessageStart"), std::string::npos) << t.Error();
    // Once failed it stays failed.
    EXPECT_FALSE(t.ReceivedBytes(Frame("verack", {}), out));
    EXPECT_TRUE(out.empty());
}

TEST(NetProtocol, OversizedLengthIsFatalBeforeThePayloadArrives)
{
    auto wire = Frame("block", {});
    const uint32_t len = MAX_PROTOCOL_MESSAGE_LENGTH + 1;
    for (int i = 0; i < 4; ++i) wire[16 + i] = static_cast<uint8_t>(len >> (8 * i));
    V1Transport t(REGTEST_MAGIC);
    std::vector<NetMessage> out;
    EXPECT_FALSE(t.ReceivedBytes(std::span<const uint8_t>(wire.data(), MESSAGE_HEADER_SIZE), out));
    EXPECT_NE(t.Error().find("Size too large (block, 4000001 bytes)"), std::string::npos) << t.Error();
}

TEST(NetProtocol, ExactlyMaxLengthIsAccepted)
{
    std::vector<uint8_t> payload(MAX_PROTOCOL_MESSAGE_LENGTH, 0x11);
    auto wire = Frame("tx", payload);
    V1Transport t(REGTEST_MAGIC);
    std::vector<NetMessage> out;
    ASSERT_TRUE(t.ReceivedBytes(wire, out));
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].payload.size(), MAX_PROTOCOL_MESSAGE_LENGTH);
}

TEST(NetProtocol, BadChecksumDropsTheMessageButKeepsTheConnection)
{
    auto bad = Frame("ping", SerializeU64(1));
    bad[20] ^= 0xff;
    auto good = Frame("ping", SerializeU64(2));
    bad.insert(bad.end(), good.begin(), good.end());
    V1Transport t(REGTEST_MAGIC);
    std::vector<NetMessage> out;
    ASSERT_TRUE(t.ReceivedBytes(bad, out));
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(*ParseU64(out[0].payload), 2u);
    EXPECT_EQ(t.DroppedMessages(), 1u);
    EXPECT_NE(t.LastDropReason().find("CHECKSUM ERROR"), std::string::npos);
}

TEST(NetProtocol, CommandValidity)
{
    auto check = [](std::string raw) {
        raw.resize(COMMAND_SIZE, '\0');
        return ParseCommand(std::span<const uint8_t, COMMAND_SIZE>(reinterpret_cast<const uint8_t*>(raw.data()),
                                                                    COMMAND_SIZE));
    };
    EXPECT_EQ(*check("version"), "version");
    EXPECT_EQ(*check("abcdefghijkl"), "abcdefghijkl");
    EXPECT_FALSE(check(std::string("ver\0sion", 8)));  // data after the padding started
    EXPECT_FALSE(check("ver\x01"));                    // not printable
    // An invalid command is dropped like a bad checksum.
    auto wire = Frame("ping", SerializeU64(1));
    wire[5] = 0x01;
    V1Transport t(REGTEST_MAGIC);
    std::vector<NetMessage> out;
    ASSERT_TRUE(t.ReceivedBytes(wire, out));
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(t.DroppedMessages(), 1u);
}

TEST(NetProtocol, VersionRoundTripAndOptionalFields)
{
    VersionMessage v;
    v.services = NODE_NETWORK | NODE_WITNESS;
    v.time = 1700000000;
    v.addr_recv.service = Service{*NetAddr::Parse("127.0.0.1"), 18444};
    v.nonce = 0x1122334455667788ULL;
    v.user_agent = "/Sovereign:0.1.0/";
    v.start_height = 200;
    v.relay = false;
    const auto bytes = SerializeVersion(v);
    EXPECT_EQ(bytes.size(), 4 + 8 + 8 + 26 + 26 + 8 + 1 + v.user_agent.size() + 4 + 1);
    auto back = ParseVersion(bytes);
    ASSERT_TRUE(back) << back.error;
    EXPECT_EQ(back->services, v.services);
    EXPECT_EQ(back->addr_recv.service.ToString(), "127.0.0.1:18444");
    EXPECT_EQ(back->nonce, v.nonce);
    EXPECT_EQ(back->user_agent, v.user_agent);
    EXPECT_EQ(back->start_height, 200);
    EXPECT_FALSE(back->relay);
    // Without the relay byte (pre-BIP37 peers) relay defaults to true.
    auto no_relay = ParseVersion(std::span<const uint8_t>(bytes.data(), bytes.size() - 1));
    ASSERT_TRUE(no_relay);
    EXPECT_TRUE(no_relay->relay);
    // Truncated inside a mandatory field fails.
    EXPECT_FALSE(ParseVersion(std::span<const uint8_t>(bytes.data(), 30)));
}

TEST(NetProtocol, VersionUserAgentLimit)
{
    VersionMessage v;
    v.user_agent = std::string(MAX_SUBVERSION_LENGTH + 1, 'a');
    auto parsed = ParseVersion(SerializeVersion(v));
    EXPECT_FALSE(parsed);
    EXPECT_EQ(parsed.error, "String length limit exceeded");
}

TEST(NetProtocol, InvRoundTripAndNames)
{
    uint256 h;
    h.data()[0] = 1;
    std::vector<Inv> invs = {{MSG_TX, h}, {MSG_WITNESS_BLOCK, h}, {MSG_WTX, h}, {MSG_CMPCT_BLOCK, h}};
    auto back = ParseInvVector(SerializeInvVector(invs));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, invs);
    EXPECT_EQ(static_cast<uint32_t>(MSG_WITNESS_TX), 0x40000001u);
    EXPECT_EQ((*back)[1].ToString().rfind("witness-block ", 0), 0u);
    EXPECT_TRUE((*back)[0].IsGenTxMsg());
    EXPECT_TRUE((*back)[3].IsGenBlkMsg());
}

TEST(NetProtocol, GetHeadersRoundTrip)
{
    GetHeadersMessage m;
    m.locator.resize(3);
    m.locator[1].data()[5] = 9;
    m.hash_stop.data()[31] = 7;
    auto back = ParseGetHeaders(SerializeGetHeaders(m));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->version, static_cast<uint32_t>(PROTOCOL_VERSION));
    EXPECT_EQ(back->locator, m.locator);
    EXPECT_EQ(back->hash_stop, m.hash_stop);
}

TEST(NetProtocol, HeadersLimit)
{
    std::vector<BlockHeader> headers(MAX_HEADERS_RESULTS);
    for (size_t i = 0; i < headers.size(); ++i) headers[i].nonce = static_cast<uint32_t>(i);
    auto bytes = SerializeHeaders(headers);
    EXPECT_EQ(bytes.size(), 3 + MAX_HEADERS_RESULTS * 81);
    auto back = ParseHeaders(bytes);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->size(), MAX_HEADERS_RESULTS);
    EXPECT_EQ((*back)[1999].nonce, 1999u);
    headers.emplace_back();
    auto too_many = ParseHeaders(SerializeHeaders(headers));
    EXPECT_FALSE(too_many);
    EXPECT_EQ(too_many.error, "headers message size = 2001");
}

TEST(NetProtocol, SendCmpctAndFeeFilter)
{
    auto c = ParseSendCmpct(SerializeSendCmpct({true, 2}));
    ASSERT_TRUE(c);
    EXPECT_TRUE(c->high_bandwidth);
    EXPECT_EQ(c->version, 2u);
    EXPECT_EQ(SerializeSendCmpct({false, 2}).size(), 9u);
    EXPECT_FALSE(ParseU64(std::vector<uint8_t>(7, 0)));
}

TEST(NetProtocol, AddrV1MapsIPv4)
{
    Address a;
    a.time = 1234;
    a.services = NODE_NETWORK;
    a.service = Service{*NetAddr::Parse("10.1.2.3"), 8333};
    auto bytes = SerializeAddrMessage({a}, false);
    EXPECT_EQ(bytes.size(), 1u + 30u);
    // The IPv4-mapped form and the big-endian port.
    EXPECT_EQ(HexStr(std::span<const uint8_t>(bytes.data() + 13, 18)), "00000000000000000000ffff0a010203208d");
    auto back = ParseAddrMessage(bytes, false);
    ASSERT_TRUE(back);
    ASSERT_EQ(back->size(), 1u);
    EXPECT_EQ((*back)[0], a);
}

TEST(NetProtocol, AddrV2KnownUnknownAndBadLengths)
{
    Address v6;
    v6.services = NODE_NETWORK | NODE_WITNESS;
    v6.service = Service{*NetAddr::Parse("2001:db8::1"), 18444};
    Address tor;
    tor.service.addr.network = NetworkId::TORV3;
    tor.service.addr.bytes.assign(32, 0xab);
    tor.service.port = 9050;
    auto bytes = SerializeAddrMessage({v6, tor}, true);
    auto back = ParseAddrMessage(bytes, true);
    ASSERT_TRUE(back) << back.error;
    ASSERT_EQ(back->size(), 2u);
    EXPECT_EQ((*back)[0], v6);
    EXPECT_EQ((*back)[1].service.addr.NetworkName(), "onion");
    // BIP155: an unknown network id is skipped, not an error.
    std::vector<uint8_t> unknown = {1, 0, 0, 0, 0, 0, 42, 3, 1, 2, 3, 0, 1};
    auto skipped = ParseAddrMessage(unknown, true);
    ASSERT_TRUE(skipped) << skipped.error;
    EXPECT_TRUE(skipped->empty());
    // A known id with the wrong length is an error with Core's reason.
    std::vector<uint8_t> bad = {1, 0, 0, 0, 0, 0, 1, 5, 1, 2, 3, 4, 5, 0, 1};
    auto failed = ParseAddrMessage(bad, true);
    EXPECT_FALSE(failed);
    EXPECT_EQ(failed.error, "BIP155 network id 1 address with length 5 (should be 4)");
    // Over the size cap.
    std::vector<uint8_t> huge = {1, 0, 0, 0, 0, 0, 42, 0xfd, 0x01, 0x02};
    auto too_long = ParseAddrMessage(huge, true);
    EXPECT_FALSE(too_long);
    EXPECT_EQ(too_long.error, "Address too long: 513 > 512");
}

TEST(NetProtocol, ServiceFlagNames)
{
    const auto names = ServiceFlagsToStr(NODE_NETWORK | NODE_WITNESS | NODE_NETWORK_LIMITED | (uint64_t{1} << 24));
    EXPECT_EQ(names, (std::vector<std::string>{"NETWORK", "WITNESS", "NETWORK_LIMITED", "UNKNOWN[2^24]"}));
}

TEST(NetProtocol, TxAndBlockMessagesRejectGarbage)
{
    EXPECT_FALSE(ParseTxMessage(std::vector<uint8_t>{1, 2, 3}));
    EXPECT_FALSE(ParseBlockMessage(std::vector<uint8_t>(81, 0xff)));
}

TEST(NetBanMan, SubnetParsingAndMatching)
{
    auto single = SubNet::Parse("1.2.3.4");
    ASSERT_TRUE(single);
    EXPECT_EQ(single->ToString(), "1.2.3.4/32");
    auto range = SubNet::Parse("1.2.3.99/24");
    ASSERT_TRUE(range);
    EXPECT_EQ(range->ToString(), "1.2.3.0/24");
    EXPECT_EQ(SubNet::Parse("1.2.3.0/255.255.255.0")->ToString(), "1.2.3.0/24");
    EXPECT_TRUE(range->Match(*NetAddr::Parse("1.2.3.200")));
    EXPECT_FALSE(range->Match(*NetAddr::Parse("1.2.4.1")));
    EXPECT_FALSE(range->Match(*NetAddr::Parse("::1")));
    EXPECT_EQ(SubNet::Parse("::1")->ToString(), "::1/128");
    EXPECT_FALSE(SubNet::Parse("1.2.3.4/33"));
    EXPECT_FALSE(SubNet::Parse("notanip"));
    EXPECT_FALSE(SubNet::Parse("1.2.3.4/255.0.255.0"));
}

TEST(NetBanMan, BanExpiryAndDiscouragement)
{
    BanMan bm;
    const auto subnet = *SubNet::Parse("10.0.0.0/8");
    EXPECT_TRUE(bm.Ban(subnet, 1000, 100));
    EXPECT_FALSE(bm.Ban(subnet, 2000, 100));  // already banned
    EXPECT_TRUE(bm.IsBanned(*NetAddr::Parse("10.9.9.9"), 500));
    EXPECT_FALSE(bm.IsBanned(*NetAddr::Parse("10.9.9.9"), 1000));  // expired
    EXPECT_EQ(bm.GetBanned(500).size(), 1u);
    EXPECT_TRUE(bm.GetBanned(1000).empty());
    EXPECT_FALSE(bm.Unban(subnet));
    bm.Discourage(*NetAddr::Parse("8.8.8.8"));
    EXPECT_TRUE(bm.IsDiscouraged(*NetAddr::Parse("8.8.8.8")));
    EXPECT_FALSE(bm.IsDiscouraged(*NetAddr::Parse("8.8.4.4")));
}

namespace {
TransactionRef SimpleTx(uint32_t n, bool witness)
{
    MutableTransaction mtx;
    mtx.vin.resize(1);
    mtx.vin[0].prevout = OutPoint(uint256(), n);
    mtx.vin[0].prevout.hash.data()[0] = 1;
    if (witness) mtx.vin[0].witness.stack = {{static_cast<uint8_t>(n)}};
    mtx.vout.emplace_back(1000 + n, Script());
    return MakeTransactionRef(std::move(mtx));
}
}  // namespace

TEST(NetCompactBlocks, RoundTripAndShortIds)
{
    Block block;
    block.header.bits = 0x207fffff;
    for (uint32_t i = 0; i < 5; ++i) block.vtx.push_back(SimpleTx(i, i % 2 == 1));
    const CompactBlock c = CompactBlock::FromBlock(block, 0x0102030405060708ULL);
    ASSERT_EQ(c.prefilled.size(), 1u);
    EXPECT_EQ(c.prefilled[0].index, 0);
    ASSERT_EQ(c.short_ids.size(), 4u);
    for (size_t i = 1; i < block.vtx.size(); ++i) {
        EXPECT_EQ(c.short_ids[i - 1], c.ShortId(block.vtx[i]->GetWitnessHash()));
        EXPECT_LT(c.short_ids[i - 1], uint64_t{1} << 48);  // six bytes
    }
    // A different nonce gives different short ids (the keys depend on header and nonce).
    EXPECT_NE(CompactBlock::FromBlock(block, 1).short_ids, c.short_ids);
    const auto bytes = SerializeCompactBlock(c);
    EXPECT_EQ(bytes.size(), 80 + 8 + 1 + 4 * 6 + 1 + 1 + EncodeTransaction(*block.vtx[0]).size());
    auto back = ParseCompactBlock(bytes);
    ASSERT_TRUE(back) << back.error;
    EXPECT_EQ(back->short_ids, c.short_ids);
    EXPECT_EQ(back->prefilled[0].tx->GetWitnessHash(), block.vtx[0]->GetWitnessHash());
    EXPECT_EQ(back->header.GetHash(), block.GetHash());
}

TEST(NetCompactBlocks, DifferentialIndexes)
{
    BlockTxnRequest r;
    r.indexes = {0, 1, 5, 300};
    const auto bytes = SerializeBlockTxnRequest(r);
    // 32-byte hash, count 4, then deltas 0, 0, 3, 294 (0xfd 0x26 0x01).
    EXPECT_EQ(HexStr(std::span<const uint8_t>(bytes.data() + 32, bytes.size() - 32)), "04000003fd2601");
    auto back = ParseBlockTxnRequest(bytes);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->indexes, r.indexes);
    // An index past 65535 is rejected with Core's text.
    std::vector<uint8_t> overflow(bytes.begin(), bytes.begin() + 32);
    overflow.push_back(2);
    overflow.insert(overflow.end(), {0xfd, 0xff, 0xff, 0x00});
    auto bad = ParseBlockTxnRequest(overflow);
    EXPECT_FALSE(bad);
    EXPECT_EQ(bad.error, "indexes overflowed 16 bits");
    BlockTxn txn{uint256(), {SimpleTx(7, true)}};
    auto txn_back = ParseBlockTxn(SerializeBlockTxn(txn));
    ASSERT_TRUE(txn_back);
    EXPECT_EQ(txn_back->txs[0]->GetWitnessHash(), txn.txs[0]->GetWitnessHash());
}
