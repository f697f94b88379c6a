// MuHash3072 on OpenSSL big numbers: elements are SHA256 then a ChaCha20 keystream (zero nonce) of 384 bytes.
#include "crypto/muhash.h"

#include "crypto/hash.h"

#include <openssl/bn.h>
#include <openssl/evp.h>

#include <memory>

namespace {
struct BnFree {
    void operator()(BIGNUM* b) const { BN_free(b); }
};
struct CtxFree {
    void operator()(BN_CTX* c) const { BN_CTX_free(c); }
};
using Bn = std::unique_ptr<BIGNUM, BnFree>;

/** The modulus 2^3072 - 1103717. */
const BIGNUM* Modulus()
{
    static const Bn p = [] {
        Bn v(BN_new());
        BN_set_bit(v.get(), 3072);
        BN_sub_word(v.get(), 1103717);
        return v;
    }();
    return p.get();
}

Bn ToBn(const MuHash3072::Num& n) { return Bn(BN_lebin2bn(n.data(), static_cast<int>(n.size()), nullptr)); }

MuHash3072::Num FromBn(const BIGNUM* b)
{
    MuHash3072::Num n{};
    BN_bn2lebinpad(b, n.data(), static_cast<int>(n.size()));
    return n;
}

MuHash3072::Num One()
{
    MuHash3072::Num n{};
    n[0] = 1;
    return n;
}

/** (a * b) mod p. */
MuHash3072::Num MulMod(const MuHash3072::Num& a, const MuHash3072::Num& b)
{
    std::unique_ptr<BN_CTX, CtxFree> ctx(BN_CTX_new());
    Bn x = ToBn(a), y = ToBn(b), r(BN_new());
    BN_mod_mul(r.get(), x.get(), y.get(), Modulus(), ctx.get());
    return FromBn(r.get());
}

/** SHA256 of the element keys ChaCha20; its first 384 keystream bytes are the number. */
MuHash3072::Num ElementToNum(std::span<const uint8_t> element)
{
    const uint256 key = Sha256Hash(element);
    MuHash3072::Num out{};
    const MuHash3072::Num zeros{};
    uint8_t iv[16] = {0};  // 32-bit block counter 0 and a zero nonce
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    int len = 0;
    EVP_EncryptInit_ex(ctx, EVP_chacha20(), nullptr, key.data(), iv);
    EVP_EncryptUpdate(ctx, out.data(), &len, zeros.data(), static_cast<int>(zeros.size()));
    EVP_CIPHER_CTX_free(ctx);
    return out;
}
}  // namespace

MuHash3072::MuHash3072() : m_numerator(One()), m_denominator(One()) {}

MuHash3072::MuHash3072(std::span<const uint8_t> element) : m_numerator(ElementToNum(element)), m_denominator(One()) {}

MuHash3072& MuHash3072::operator*=(const MuHash3072& other)
{
    m_numerator = MulMod(m_numerator, other.m_numerator);
    m_denominator = MulMod(m_denominator, other.m_denominator);
    return *this;
}

MuHash3072& MuHash3072::operator/=(const MuHash3072& other)
{
    m_numerator = MulMod(m_numerator, other.m_denominator);
    m_denominator = MulMod(m_denominator, other.m_numerator);
    return *this;
}

MuHash3072& MuHash3072::Insert(std::span<const uint8_t> element)
{
    m_numerator = MulMod(m_numerator, ElementToNum(element));
    return *this;
}

MuHash3072& MuHash3072::Remove(std::span<const uint8_t> element)
{
    m_denominator = MulMod(m_denominator, ElementToNum(element));
    return *this;
}

void MuHash3072::Finalize(uint256& out)
{
    std::unique_ptr<BN_CTX, CtxFree> ctx(BN_CTX_new());
    Bn num = ToBn(m_numerator), den = ToBn(m_denominator), inv(BN_new()), r(BN_new());
    BN_nnmod(den.get(), den.get(), Modulus(), ctx.get());
    BN_nnmod(num.get(), num.get(), Modulus(), ctx.get());
    if (BN_mod_inverse(inv.get(), den.get(), Modulus(), ctx.get()) == nullptr) BN_zero(inv.get());
    BN_mod_mul(r.get(), num.get(), inv.get(), Modulus(), ctx.get());
    m_numerator = FromBn(r.get());
    m_denominator = One();
    out = Sha256Hash(m_numerator);
}

std::vector<uint8_t> MuHash3072::Serialize() const
{
    std::vector<uint8_t> v(m_numerator.begin(), m_numerator.end());
    v.insert(v.end(), m_denominator.begin(), m_denominator.end());
    return v;
}

std::optional<MuHash3072> MuHash3072::Deserialize(std::span<const uint8_t> bytes)
{
    if (bytes.size() != 2 * BYTE_SIZE) return std::nullopt;
    MuHash3072 m;
    std::copy(bytes.begin(), bytes.begin() + BYTE_SIZE, m.m_numerator.begin());
    std::copy(bytes.begin() + BYTE_SIZE, bytes.end(), m.m_denominator.begin());
    return m;
}
