// MuHash3072 against Core's muhash_tests vectors (crypto_tests.cpp).
#include "crypto/muhash.h"
#include "util/hex.h"

#include <gtest/gtest.h>

#include <random>

namespace {
MuHash3072 FromInt(uint8_t i)
{
    uint8_t tmp[32] = {i, 0};
    return MuHash3072(tmp);
}
}  // namespace

TEST(MuHash, CoreVectors)
{
    uint256 out;
    MuHash3072 acc = FromInt(0);
    acc *= FromInt(1);
    acc /= FromInt(2);
    acc.Finalize(out);
    EXPECT_EQ(out.GetHex(), "10d312b100cbd32ada024a6646e40d3482fcff103668d2625f10002a607d5863");

    MuHash3072 acc2 = FromInt(0);
    uint8_t tmp[32] = {1, 0};
    acc2.Insert(tmp);
    uint8_t tmp2[32] = {2, 0};
    acc2.Remove(tmp2);
    acc2.Finalize(out);
    EXPECT_EQ(out.GetHex(), "10d312b100cbd32ada024a6646e40d3482fcff103668d2625f10002a607d5863");

    MuHash3072 serchk = FromInt(1);
    serchk *= FromInt(2);
    // Numerator then denominator (1), 384 bytes each, little endian.
    const std::string ser_exp = std::string(
        "1fa093295ea30a6a3acdc7b3f770fa538eff537528e990e2910e40bbcfd7f6696b1256901929094694b56316de342f593303dd12ac43e0"
        "6dce1be1ff8301c845beb15468fff0ef002dbf80c29f26e6452bccc91b5cb9437ad410d2a67ea847887fa3c6a6553309946880fe20db2c"
        "73fe0641adbd4e86edfee0d9f8cd0ee1230898873dc13ed8ddcaf045c80faa082774279007a2253f8922ee3ef361d378a6af3ddaf180b1"
        "90ac97e556888c36b3d1fb1c85aab9ccd46e3deaeb7b7cf5db067a7e9ff86b658cf3acd6662bbcce37232daa753c48b794356c020090c8"
        "31a8304416e2aa7ad633c0ddb2f11be1be316a81be7f7e472071c042cb68faef549c221ebff209273638b741aba5a81675c45a5fa92fea"
        "4ca821d7a324cb1e1a2ccd3b76c4228ec8066dad2a5df6e1bd0de45c7dd5de8070bdb46db6c554cf9aefc9b7b2bbf9f75b1864d9f95005"
        "314593905c0109b71f703d49944ae94477b51dac10a816bb6d1c700bafabc8bd86fac8df24be519a2f2836b16392e18036cb13e48c5c") + "01" + std::string(766, '0');
    EXPECT_EQ(HexStr(serchk.Serialize()), ser_exp);
    auto deser = MuHash3072::Deserialize(serchk.Serialize());
    ASSERT_TRUE(deser);
    uint256 out3;
    serchk.Finalize(out);
    deser->Finalize(out3);
    EXPECT_EQ(out, out3);

    // Internal value above the modulus.
    std::vector<uint8_t> max(384, 0xff);
    max.push_back(1);
    max.resize(768, 0);
    auto overflow = MuHash3072::Deserialize(max);
    ASSERT_TRUE(overflow);
    uint256 out4;
    overflow->Finalize(out4);
    // Core compares the raw bytes here (HexStr), not the reversed display form.
    EXPECT_EQ(HexStr(std::span<const uint8_t>(out4.data(), out4.size())),
              "3a31e6903aff0de9f62f9a9f7f8b861de76ce2cda09822b90014319ae5dc2271");
}

TEST(MuHash, OrderIndependentAndInverse)
{
    std::mt19937 rng(42);
    for (int iter = 0; iter < 10; ++iter) {
        uint256 res, out;
        int table[4];
        for (int& t : table) t = static_cast<int>(rng() & 7);
        for (int order = 0; order < 4; ++order) {
            MuHash3072 acc;
            for (int i = 0; i < 4; ++i) {
                const int t = table[i ^ order];
                if (t & 4) {
                    acc /= FromInt(t & 3);
                } else {
                    acc *= FromInt(t & 3);
                }
            }
            acc.Finalize(out);
            if (order == 0) {
                res = out;
            } else {
                EXPECT_EQ(res, out);
            }
        }
        MuHash3072 x = FromInt(rng() & 15), y = FromInt(rng() & 15), z;
        z *= x;
        z *= y;
        y *= x;
        z /= y;
        z.Finalize(out);
        uint256 empty;
        MuHash3072().Finalize(empty);
        EXPECT_EQ(out, empty);
    }
}
