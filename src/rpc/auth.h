// RPC authentication as Core does it: the .cookie file, -rpcuser/-rpcpassword (kept only as a salted HMAC) and
// -rpcauth entries "user:salt$hmac" with HMAC-SHA256(key=salt, msg=password) as produced by share/rpcauth.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

class ArgsManager;

/** User name written into the cookie file. */
inline constexpr const char* COOKIEAUTH_USER = "__cookie__";

std::string EncodeBase64(std::string_view data);
/** Strict base64 (padding required, as Core's DecodeBase64); nullopt when invalid. */
std::optional<std::string> DecodeBase64(std::string_view text);

/** hex(HMAC-SHA256(key=salt, data=password)): the hash part of an -rpcauth entry. */
std::string RpcAuthHmac(const std::string& salt, const std::string& password);

/** The cookie file path from -rpccookiefile (default .cookie in the chain data dir); empty with -norpccookiefile. */
std::filesystem::path GetAuthCookieFile(const ArgsManager& args);
/** Writes "__cookie__:<64 hex>" through a .tmp file and rename, mode 0600; returns the password or nullopt. */
std::optional<std::string> GenerateAuthCookie(const std::filesystem::path& file);
/** First line of the cookie file ("__cookie__:<hex>"), or nullopt when it cannot be read. */
std::optional<std::string> ReadAuthCookie(const std::filesystem::path& file);

class RpcAuthenticator
{
public:
    /** Sets up credentials from args: a cookie when -rpcpassword is empty (unless disabled), else rpcuser/
     *  rpcpassword; plus every -rpcauth. False with error on a bad -rpcauth or an unwritable cookie. */
    bool Init(const ArgsManager& args, std::string& error);
    void AddUserPassword(const std::string& user, const std::string& password);
    /** "user:salt$hash"; false when malformed. */
    bool AddRpcAuth(const std::string& spec);
    /** Checks an Authorization header value ("Basic <base64 user:pass>"); sets user_out to the user name. */
    bool CheckAuthorization(const std::string& header, std::string& user_out) const;
    bool CheckUserPassword(std::string_view user, std::string_view password) const;
    /** Removes the cookie file if this authenticator created it. */
    void DeleteCookie();
    const std::filesystem::path& CookieFile() const { return m_cookie_file; }

private:
    struct Entry {
        std::string user;
        std::string salt;
        std::string hash;
    };
    std::vector<Entry> m_entries;
    std::filesystem::path m_cookie_file;
    bool m_generated_cookie{false};
};
