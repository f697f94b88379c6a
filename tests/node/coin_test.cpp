// Core-compatible VARINT, amount and script compression, and undo record encodings.
#include "node/coin.h"
#include "util/hex.h"

#include <gtest/gtest.h>

namespace {
std::string VarIntHex(uint64_t n)
{
    std::vector<uint8_t> out;
    VectorWriter w(out);
    WriteVarInt(w, n);
    return HexStr(out);
}
}  // namespace

TEST(VarInt, KnownEncodings)
{
    EXPECT_EQ(VarIntHex(0), "00");
    EXPECT_EQ(VarIntHex(0x7f), "7f");
    EXPECT_EQ(VarIntHex(0x80), "8000");
    EXPECT_EQ(VarIntHex(0x1234), "a334");
    EXPECT_EQ(VarIntHex(0xffff), "82fe7f");
    EXPECT_EQ(VarIntHex(0x123456), "c7e756");
    EXPECT_EQ(VarIntHex(0x80123456), "86ffc7e756");
    EXPECT_EQ(VarIntHex(0xffffffff), "8efefefe7f");
    EXPECT_EQ(VarIntHex(0x7fffffffffffffffULL), "fefefefefefefefe7f");
    EXPECT_EQ(VarIntHex(0xffffffffffffffffULL), "80fefefefefefefefe7f");
}

TEST(VarInt, RoundTripsAndRejectsOverflow)
{
    for (uint64_t i = 0; i < 100000; i += 7) {
        std::vector<uint8_t> out;
        VectorWriter w(out);
        WriteVarInt(w, i * 1000003);
        SpanReader r(out);
        EXPECT_EQ(ReadVarInt(r), i * 1000003);
    }
    std::vector<uint8_t> too_big(11, 0xff);
    SpanReader r(too_big);
    EXPECT_THROW(ReadVarInt(r), DeserializeError);
}

TEST(CompressAmount, KnownValuesAndRoundTrip)
{
    EXPECT_EQ(CompressAmount(0), 0u);
    EXPECT_EQ(CompressAmount(1), 1u);
    EXPECT_EQ(CompressAmount(1000000), 7u);
    EXPECT_EQ(CompressAmount(COIN), 9u);
    EXPECT_EQ(CompressAmount(50 * COIN), 50u);
    EXPECT_EQ(CompressAmount(21000000 * COIN), 21000000u);
    for (uint64_t v = 0; v <= 100000; ++v) ASSERT_EQ(DecompressAmount(CompressAmount(v)), v);
    for (uint64_t x = 0; x <= 100000; ++x) ASSERT_EQ(CompressAmount(DecompressAmount(x)), x);
}

TEST(CompressedScript, SpecialTypesUseShortEncodings)
{
    struct Case {
        const char* script_hex;
        size_t encoded_size;
    };
    const Case cases[] = {
        {"76a91491b24bf9f5288532960ac687abb035127b1d28a588ac", 21},  // P2PKH
        {"a914b472a266d0bd89c13706a4132ccfb16f7c3b9fcb87", 21},      // P2SH
        {"2102f7561d208dd9ae99bf497273e16f389bdbd6c4742ddb8e6b216e64fa2928ad8fac", 33},  // P2PK compressed
        {"4104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7"
         "ba0b8d578a4c702b6bf11d5fac",
         33},                                                           // P2PK uncompressed (genesis)
        {"0014751e76e8199196d454941c45d1b3a323f1433bd6", 1 + 22},      // P2WPKH: generic
        {"", 1},                                                      // empty: generic
    };
    for (const Case& c : cases) {
        Script script(ParseHex(c.script_hex));
        std::vector<uint8_t> out;
        VectorWriter w(out);
        WriteCompressedScript(w, script);
        EXPECT_EQ(out.size(), c.encoded_size) << c.script_hex;
        SpanReader r(out);
        EXPECT_EQ(HexStr(ReadCompressedScript(r).bytes()), c.script_hex);
    }
}

TEST(Coin, DecodesCoreChainstateValues)
{
    // Values as stored by Bitcoin Core (its coins serialization tests).
    struct Case {
        const char* hex;
        uint32_t height;
        bool coinbase;
        Amount value;
        const char* script;
    };
    const Case cases[] = {
        {"97f23c835800816115944e077fe7c803cfa57f29b36bf87c1d35", 203998, false, 60000000000,
         "76a914816115944e077fe7c803cfa57f29b36bf87c1d3588ac"},
        {"8ddf77bbd123008c988f1a4a4de2161e0f50aac7f17e7f9555caa4", 120891, true, 110397,
         "76a9148c988f1a4a4de2161e0f50aac7f17e7f9555caa488ac"},
        {"000006", 0, false, 0, ""},
    };
    for (const Case& c : cases) {
        auto coin = DeserializeCoin(ParseHex(c.hex));
        ASSERT_TRUE(coin) << coin.error;
        EXPECT_EQ(coin->height, c.height);
        EXPECT_EQ(coin->coinbase, c.coinbase);
        EXPECT_EQ(coin->out.value, c.value);
        EXPECT_EQ(HexStr(coin->out.script_pubkey.bytes()), c.script);
        EXPECT_EQ(HexStr(SerializeCoin(*coin)), c.hex);
    }
    // A VARINT running past 32 bits of height code, and a truncated script, are errors.
    EXPECT_FALSE(DeserializeCoin(ParseHex("000007")));
    EXPECT_FALSE(DeserializeCoin(ParseHex("00008a95c0bb00")));
}

TEST(BlockUndo, RoundTripsAndRejectsTruncation)
{
    BlockUndo undo;
    undo.vtxundo.resize(2);
    undo.vtxundo[0].prevout.emplace_back(TxOut(50 * COIN, Script(ParseHex("51"))), 0, true);
    undo.vtxundo[1].prevout.emplace_back(TxOut(12345, Script(ParseHex("0014751e76e8199196d454941c45d1b3a323f1433bd6"))),
                                         200, false);
    auto bytes = EncodeBlockUndo(undo);
    auto back = DecodeBlockUndo(bytes);
    ASSERT_TRUE(back) << back.error;
    ASSERT_EQ(back->vtxundo.size(), 2u);
    EXPECT_EQ(back->vtxundo[1].prevout[0], undo.vtxundo[1].prevout[0]);
    for (size_t len = 0; len < bytes.size(); ++len) {
        EXPECT_FALSE(DecodeBlockUndo(std::span<const uint8_t>(bytes.data(), len))) << len;
    }
}
