// Bitcoin's hash functions over OpenSSL SHA-256 and RIPEMD-160.
#include "crypto/hash.h"

uint256 Sha256Hash(std::span<const uint8_t> data)
{
    uint256 out;
    Sha256().Write(data).Finalize(out.data());
    return out;
}

uint256 Hash256(std::span<const uint8_t> data)
{
    uint256 out;
    Sha256().Write(data).Finalize(out.data());
    Sha256().Write(out.data(), 32).Finalize(out.data());
    return out;
}

uint160 Hash160(std::span<const uint8_t> data)
{
    uint8_t sha[32];
    Sha256().Write(data).Finalize(sha);
    uint160 out;
    Ripemd160(sha, out.data());
    return out;
}

uint256 HashWriter::GetHash()
{
    Drain();
    uint256 out;
    m_sha.Finalize(out.data());
    Sha256().Write(out.data(), 32).Finalize(out.data());
    return out;
}

uint256 HashWriter::GetSha256()
{
    Drain();
    uint256 out;
    m_sha.Finalize(out.data());
    return out;
}

HashWriter TaggedHashWriter(std::string_view tag)
{
    uint256 tag_hash = Sha256Hash({reinterpret_cast<const uint8_t*>(tag.data()), tag.size()});
    Sha256 sha;
    sha.Write(tag_hash.data(), 32).Write(tag_hash.data(), 32);
    return HashWriter(sha);
}

uint256 TaggedHash(std::string_view tag, std::span<const uint8_t> data)
{
    HashWriter w = TaggedHashWriter(tag);
    w.write(data);
    return w.GetSha256();
}
