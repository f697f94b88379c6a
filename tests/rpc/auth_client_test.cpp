// RPC credentials (cookie, rpcauth HMAC, Basic header) and bitcoin-cli's parameter conversion.
#include "rpc/auth.h"
#include "rpc/client.h"
#include "rpc/server.h"
#include "util/args.h"

#include <gtest/gtest.h>

#include <fstream>

TEST(RpcAuth, Base64)
{
    EXPECT_EQ(EncodeBase64("user:pass:word"), "dXNlcjpwYXNzOndvcmQ=");
    EXPECT_EQ(EncodeBase64(""), "");
    EXPECT_EQ(EncodeBase64("ab"), "YWI=");
    EXPECT_EQ(DecodeBase64("dXNlcjpwYXNzOndvcmQ="), "user:pass:word");
    EXPECT_EQ(DecodeBase64("YWI="), "ab");
    EXPECT_FALSE(DecodeBase64("YWI"));
    EXPECT_FALSE(DecodeBase64("Y=I="));
    EXPECT_FALSE(DecodeBase64("YW*="));
}

TEST(RpcAuth, RpcAuthHmacAndHeader)
{
    // share/rpcauth: hmac-sha256(key=salt, msg=password), printed as user:salt$hash.
    EXPECT_EQ(RpcAuthHmac("cb77f0957de88ff388cf817ddbc7273", "secretpw"),
              "2e92cd226fd76b59075d677ee922a723ac3a63374fed1f56213175b9f820dcd4");
    RpcAuthenticator auth;
    ASSERT_TRUE(auth.AddRpcAuth("rt:cb77f0957de88ff388cf817ddbc7273$2e92cd226fd76b59075d677ee922a723ac3a63374fed1f56213175b9f820dcd4"));
    EXPECT_FALSE(auth.AddRpcAuth("rt:nodollar"));
    EXPECT_FALSE(auth.AddRpcAuth("a:b:c$d"));
    auth.AddUserPassword("plain", "pw");
    std::string user;
    EXPECT_TRUE(auth.CheckAuthorization("Basic " + EncodeBase64("rt:secretpw"), user));
    EXPECT_EQ(user, "rt");
    EXPECT_TRUE(auth.CheckAuthorization("Basic  " + EncodeBase64("plain:pw") + " ", user));
    EXPECT_FALSE(auth.CheckAuthorization("Basic " + EncodeBase64("rt:wrong"), user));
    EXPECT_FALSE(auth.CheckAuthorization("Basic " + EncodeBase64("nocolon"), user));
    EXPECT_FALSE(auth.CheckAuthorization("Bearer " + EncodeBase64("rt:secretpw"), user));
    EXPECT_FALSE(auth.CheckAuthorization("Basic !!!!", user));
}

TEST(RpcAuth, CookieLifecycle)
{
    const auto dir = std::filesystem::temp_directory_path() / ("sov_cookie_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    ArgsManager args;
    args.SetupChainParamsBaseOptions();
    args.AddArg("-datadir=<dir>", "", ArgsManager::ALLOW_ANY, OptionsCategory::OPTIONS);
    args.AddArg("-rpccookiefile=<loc>", "", ArgsManager::ALLOW_ANY, OptionsCategory::RPC);
    args.AddArg("-rpcpassword=<pw>", "", ArgsManager::ALLOW_ANY, OptionsCategory::RPC);
    args.AddArg("-rpcauth=<userpw>", "", ArgsManager::ALLOW_ANY, OptionsCategory::RPC);
    std::string err;
    ASSERT_TRUE(args.ParseParameters({"-datadir=" + dir.string(), "-regtest"}, err));
    RpcAuthenticator auth;
    ASSERT_TRUE(auth.Init(args, err)) << err;
    const auto file = dir / "regtest" / ".cookie";
    EXPECT_EQ(auth.CookieFile(), file);
    auto cookie = ReadAuthCookie(file);
    ASSERT_TRUE(cookie);
    ASSERT_EQ(cookie->size(), 11u + 64u);
    EXPECT_EQ(cookie->substr(0, 11), "__cookie__:");
    EXPECT_EQ((std::filesystem::status(file).permissions() & std::filesystem::perms::group_read),
              std::filesystem::perms::none);
    std::string user;
    EXPECT_TRUE(auth.CheckAuthorization("Basic " + EncodeBase64(*cookie), user));
    EXPECT_EQ(user, "__cookie__");
    auth.DeleteCookie();
    EXPECT_FALSE(std::filesystem::exists(file));

    ArgsManager bad;
    bad.AddArg("-rpcauth=<userpw>", "", ArgsManager::ALLOW_ANY, OptionsCategory::RPC);
    bad.AddArg("-rpcpassword=<pw>", "", ArgsManager::ALLOW_ANY, OptionsCategory::RPC);
    bad.AddArg("-rpccookiefile=<loc>", "", ArgsManager::ALLOW_ANY, OptionsCategory::RPC);
    ASSERT_TRUE(bad.ParseParameters({"-rpcpassword=x", "-rpcauth=broken"}, err));
    RpcAuthenticator a2;
    EXPECT_FALSE(a2.Init(bad, err));
    EXPECT_EQ(err, "Invalid -rpcauth argument.");
    std::filesystem::remove_all(dir);
}

TEST(RpcClient, ConvertValues)
{
    EXPECT_EQ(RpcConvertValues("getblockhash", {"5"}).Write(), "[5]");
    EXPECT_EQ(RpcConvertValues("getblock", {"00ab", "2"}).Write(), "[\"00ab\",2]");
    EXPECT_EQ(RpcConvertValues("getbestblockhash", {"5"}).Write(), "[\"5\"]");
    EXPECT_EQ(RpcConvertValues("createrawtransaction", {"[]", "{\"data\":\"00\"}", "0", "false"}).Write(),
              "[[],{\"data\":\"00\"},0,false]");
    EXPECT_THROW(RpcConvertValues("getblockhash", {"x"}), std::runtime_error);
    try {
        RpcConvertValues("getblockhash", {"x"});
    } catch (const std::runtime_error& e) {
        EXPECT_EQ(std::string(e.what()), "Error parsing JSON: x");
    }
    EXPECT_EQ(RpcConvertNamedValues("getblock", {"blockhash=00ab", "verbosity=2"}).Write(),
              "{\"blockhash\":\"00ab\",\"verbosity\":2}");
    EXPECT_EQ(RpcConvertNamedValues("getblock", {"00ab", "verbosity=1", "verbosity=0"}).Write(),
              "{\"verbosity\":0,\"args\":[\"00ab\"]}");
}

TEST(RpcAuth, Whitelist)
{
    ArgsManager args;
    args.AddArg("-rpcwhitelist=<w>", "", ArgsManager::ALLOW_ANY, OptionsCategory::RPC);
    args.AddArg("-rpcwhitelistdefault", "", ArgsManager::ALLOW_ANY, OptionsCategory::RPC);
    args.AddArg("-rpcpassword=<pw>", "", ArgsManager::ALLOW_ANY, OptionsCategory::RPC);
    args.AddArg("-rpcuser=<u>", "", ArgsManager::ALLOW_ANY, OptionsCategory::RPC);
    std::string err;
    ASSERT_TRUE(args.ParseParameters({"-rpcuser=a", "-rpcpassword=b", "-rpcwhitelist=alice:help,uptime stop",
                                      "-rpcwhitelist=alice:uptime,stop", "-rpcwhitelist=bob"},
                                     err));
    RpcAuthenticator auth;
    ASSERT_TRUE(auth.Init(args, err)) << err;
    const RpcWhitelist& w = auth.Whitelist();
    EXPECT_TRUE(w.default_deny);
    EXPECT_EQ(w.users.at("alice"), (std::set<std::string>{"stop", "uptime"}));
    EXPECT_TRUE(w.users.at("bob").empty());
    RpcTable table;
    EXPECT_EQ(HandleJsonRpcBody(table, R"({"method":"uptime","id":1})", "alice", "", "/", &w).status, 200);
    EXPECT_EQ(HandleJsonRpcBody(table, R"({"method":"help","id":1})", "alice", "", "/", &w).status, 403);
    EXPECT_EQ(HandleJsonRpcBody(table, R"([{"method":"uptime"},{"method":"help"}])", "alice", "", "/", &w).status, 403);
    EXPECT_EQ(HandleJsonRpcBody(table, R"({"method":"uptime","id":1})", "carol", "", "/", &w).status, 403);
    EXPECT_EQ(HandleJsonRpcBody(table, R"({"method":"uptime","id":1})", "bob", "", "/", &w).status, 403);
    EXPECT_EQ(HandleJsonRpcBody(table, R"([5])", "alice", "", "/", &w).status, 400);
}
