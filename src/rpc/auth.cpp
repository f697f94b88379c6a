// Cookie and salted-HMAC RPC credentials (Core's httprpc.cpp and rpc/request.cpp rules).
#include "rpc/auth.h"

#include "crypto/hash.h"
#include "util/args.h"
#include "util/hex.h"

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <fstream>

namespace {
constexpr const char* B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Compares without an early exit, so the time taken does not reveal where two secrets differ.
bool TimingResistantEqual(std::string_view a, std::string_view b)
{
    if (b.empty()) return a.empty();
    size_t acc = a.size() ^ b.size();
    for (size_t i = 0; i < a.size(); ++i) acc |= static_cast<unsigned char>(a[i]) ^
                                                  static_cast<unsigned char>(b[i % b.size()]);
    return acc == 0;
}

std::string RandomHex(size_t bytes)
{
    std::vector<uint8_t> buf(bytes);
    if (RAND_bytes(buf.data(), static_cast<int>(buf.size())) != 1) return "";
    return HexStr(buf);
}
}  // namespace

std::string EncodeBase64(std::string_view data)
{
    std::string out;
    size_t i = 0;
    for (; i + 2 < data.size(); i += 3) {
        const uint32_t v = (uint8_t(data[i]) << 16) | (uint8_t(data[i + 1]) << 8) | uint8_t(data[i + 2]);
        out += B64[v >> 18];
        out += B64[(v >> 12) & 63];
        out += B64[(v >> 6) & 63];
        out += B64[v & 63];
    }
    if (i + 1 == data.size()) {
        const uint32_t v = uint8_t(data[i]) << 16;
        out += B64[v >> 18];
        out += B64[(v >> 12) & 63];
        out += "==";
    } else if (i + 2 == data.size()) {
        const uint32_t v = (uint8_t(data[i]) << 16) | (uint8_t(data[i + 1]) << 8);
        out += B64[v >> 18];
        out += B64[(v >> 12) & 63];
        out += B64[(v >> 6) & 63];
        out += '=';
    }
    return out;
}

std::optional<std::string> DecodeBase64(std::string_view text)
{
    if (text.size() % 4 != 0) return std::nullopt;
    std::string out;
    out.reserve(text.size() / 4 * 3);
    for (size_t i = 0; i < text.size(); i += 4) {
        int vals[4];
        int pad = 0;
        for (int j = 0; j < 4; ++j) {
            const char c = text[i + j];
            if (c == '=') {
                // Padding only in the last group's final one or two places.
                if (i + 4 != text.size() || j < 2) return std::nullopt;
                vals[j] = 0;
                ++pad;
                continue;
            }
            if (pad) return std::nullopt;
            const char* p = std::char_traits<char>::find(B64, 64, c);
            if (!p) return std::nullopt;
            vals[j] = static_cast<int>(p - B64);
        }
        const uint32_t v = (vals[0] << 18) | (vals[1] << 12) | (vals[2] << 6) | vals[3];
        out += static_cast<char>(v >> 16);
        if (pad < 2) out += static_cast<char>((v >> 8) & 0xff);
        if (pad < 1) out += static_cast<char>(v & 0xff);
    }
    return out;
}

std::string RpcAuthHmac(const std::string& salt, const std::string& password)
{
    uint8_t out[32];
    HmacSha256({reinterpret_cast<const uint8_t*>(salt.data()), salt.size()},
               {reinterpret_cast<const uint8_t*>(password.data()), password.size()}, out);
    return HexStr(out);
}

std::filesystem::path GetAuthCookieFile(const ArgsManager& args)
{
    if (args.IsArgNegated("-rpccookiefile")) return {};
    const std::string name = args.GetArg("-rpccookiefile", ".cookie");
    if (name.empty()) return {};
    return args.AbsPathForConfigVal(name);
}

std::optional<std::string> GenerateAuthCookie(const std::filesystem::path& file)
{
    const std::string pass = RandomHex(32);
    if (pass.empty()) return std::nullopt;
    std::filesystem::path tmp = file;
    tmp += ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        if (!out.is_open()) return std::nullopt;
        std::error_code ec;
        std::filesystem::permissions(tmp, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
                                     std::filesystem::perm_options::replace, ec);
        out << COOKIEAUTH_USER << ":" << pass;
        if (!out.good()) return std::nullopt;
    }
    std::error_code ec;
    std::filesystem::rename(tmp, file, ec);
    if (ec) return std::nullopt;
    return pass;
}

std::optional<std::string> ReadAuthCookie(const std::filesystem::path& file)
{
    if (file.empty()) return std::nullopt;
    std::ifstream in(file);
    if (!in.is_open()) return std::nullopt;
    std::string line;
    std::getline(in, line);
    return line;
}

bool RpcAuthenticator::Init(const ArgsManager& args, std::string& error)
{
    if (args.GetArg("-rpcpassword", "").empty()) {
        m_cookie_file = GetAuthCookieFile(args);
        if (!m_cookie_file.empty()) {
            std::error_code ec;
            std::filesystem::create_directories(m_cookie_file.parent_path(), ec);
            auto pass = GenerateAuthCookie(m_cookie_file);
            if (!pass) {
                error = "Unable to open cookie authentication file " + m_cookie_file.string() + " for writing";
                return false;
            }
            m_generated_cookie = true;
            AddUserPassword(COOKIEAUTH_USER, *pass);
        }
    } else {
        AddUserPassword(args.GetArg("-rpcuser", ""), args.GetArg("-rpcpassword", ""));
    }
    for (const std::string& spec : args.GetArgs("-rpcauth")) {
        if (!AddRpcAuth(spec)) {
            error = "Invalid -rpcauth argument.";
            return false;
        }
    }
    return true;
}

void RpcAuthenticator::AddUserPassword(const std::string& user, const std::string& password)
{
    if (user.empty() && password.empty()) return;
    // Plain-text credentials are kept only as a salted hash, as Core does.
    const std::string salt = RandomHex(16);
    m_entries.push_back({user, salt, RpcAuthHmac(salt, password)});
}

bool RpcAuthenticator::AddRpcAuth(const std::string& spec)
{
    // Core splits on ':' and requires exactly two fields, the second "salt$hash".
    if (std::count(spec.begin(), spec.end(), ':') != 1) return false;
    const size_t colon = spec.find(':');
    const std::string rest = spec.substr(colon + 1);
    if (std::count(rest.begin(), rest.end(), '$') != 1) return false;
    const size_t dollar = rest.find('$');
    m_entries.push_back({spec.substr(0, colon), rest.substr(0, dollar), rest.substr(dollar + 1)});
    return true;
}

bool RpcAuthenticator::CheckUserPassword(std::string_view user, std::string_view password) const
{
    for (const auto& e : m_entries) {
        if (!TimingResistantEqual(e.user, user)) continue;
        if (TimingResistantEqual(RpcAuthHmac(e.salt, std::string(password)), e.hash)) return true;
    }
    return false;
}

bool RpcAuthenticator::CheckAuthorization(const std::string& header, std::string& user_out) const
{
    if (!header.starts_with("Basic ")) return false;
    std::string_view b64 = std::string_view(header).substr(6);
    while (!b64.empty() && (b64.front() == ' ' || b64.front() == '\t' || b64.front() == '\r' || b64.front() == '\n')) {
        b64.remove_prefix(1);
    }
    while (!b64.empty() && (b64.back() == ' ' || b64.back() == '\t' || b64.back() == '\r' || b64.back() == '\n')) {
        b64.remove_suffix(1);
    }
    auto decoded = DecodeBase64(b64);
    if (!decoded) return false;
    const size_t colon = decoded->find(':');
    if (colon == std::string::npos) return false;
    user_out = decoded->substr(0, colon);
    return CheckUserPassword(user_out, std::string_view(*decoded).substr(colon + 1));
}

void RpcAuthenticator::DeleteCookie()
{
    if (m_generated_cookie) {
        std::error_code ec;
        std::filesystem::remove(m_cookie_file, ec);
        m_generated_cookie = false;
    }
}
