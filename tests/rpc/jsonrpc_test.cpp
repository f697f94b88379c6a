// JSON-RPC request handling as Core: replies per version, HTTP statuses, batches, notifications, named arguments,
// type checks, help output and the value conversion helpers.
#include "rpc/protocol.h"
#include "rpc/server.h"
#include "rpc/util.h"

#include <gtest/gtest.h>

namespace {
using Arg = RpcArg;
using Res = RpcResult;

void FillTable(RpcTable& t)
{
    t.Register("blockchain",
               RpcMethod{"echoargs",
                         "Echo the positional parameters.\n",
                         {Arg{"first", Arg::Type::STR, Arg::Optional::NO, "first arg"},
                          Arg{"second|alias", Arg::Type::NUM, Arg::Default{JsonValue(5)}, "second arg"},
                          Arg{"third", Arg::Type::BOOL, Arg::Optional::OMITTED, "third arg"}},
                         {Res{Res::Type::ARR, "", "", {Res{Res::Type::ANY, "", "value"}}}},
                         HelpExampleCli("echoargs", "\"a\" 1"),
                         [](const RpcMethod&, const JsonRpcRequest& r) -> JsonValue { return r.params; }});
    t.Register("blockchain", RpcMethod{"fail", "Always fails.", {}, {Res{Res::Type::NONE, "", ""}}, "",
                                       [](const RpcMethod&, const JsonRpcRequest&) -> JsonValue {
                                           throw RpcError(RPC_INVALID_ADDRESS_OR_KEY, "Block not found");
                                       }});
    t.Register("hidden", RpcMethod{"secret", "Hidden.", {}, {Res{Res::Type::NONE, "", ""}}, "",
                                   [](const RpcMethod&, const JsonRpcRequest&) -> JsonValue {
                                       throw std::runtime_error("boom");
                                   }});
}

HttpRpcResult Call(const RpcTable& t, const std::string& body)
{
    return HandleJsonRpcBody(t, body, "user", "127.0.0.1:1", "/");
}
}  // namespace

TEST(JsonRpc, Version1Replies)
{
    RpcTable t;
    FillTable(t);
    auto r = Call(t, R"({"method":"echoargs","params":["x",2],"id":7})");
    EXPECT_EQ(r.status, HTTP_OK);
    EXPECT_EQ(r.body, "{\"result\":[\"x\",2],\"error\":null,\"id\":7}\n");
    r = Call(t, R"({"method":"nosuch","id":"a"})");
    EXPECT_EQ(r.status, HTTP_NOT_FOUND);
    EXPECT_EQ(r.body, "{\"result\":null,\"error\":{\"code\":-32601,\"message\":\"Method not found\"},\"id\":\"a\"}\n");
    r = Call(t, R"({"method":"fail","id":1,"jsonrpc":"1.0"})");
    EXPECT_EQ(r.status, HTTP_INTERNAL_SERVER_ERROR);
    EXPECT_EQ(r.body, "{\"result\":null,\"error\":{\"code\":-5,\"message\":\"Block not found\"},\"id\":1}\n");
    r = Call(t, R"({"params":[],"id":1})");
    EXPECT_EQ(r.status, HTTP_BAD_REQUEST);
    EXPECT_EQ(r.body, "{\"result\":null,\"error\":{\"code\":-32600,\"message\":\"Missing method\"},\"id\":1}\n");
    r = Call(t, R"({"method":"secret","id":1})");
    EXPECT_EQ(r.status, HTTP_INTERNAL_SERVER_ERROR);
    EXPECT_NE(r.body.find("{\"code\":-1,\"message\":\"boom\"}"), std::string::npos);
    // No id member: a 1.0 reply without "id".
    r = Call(t, R"({"method":"echoargs","params":["x"]})");
    EXPECT_EQ(r.body, "{\"result\":[\"x\"],\"error\":null}\n");
}

TEST(JsonRpc, Version2RepliesAndNotifications)
{
    RpcTable t;
    FillTable(t);
    auto r = Call(t, R"({"jsonrpc":"2.0","method":"echoargs","params":["x"],"id":1})");
    EXPECT_EQ(r.status, HTTP_OK);
    EXPECT_EQ(r.body, "{\"jsonrpc\":\"2.0\",\"result\":[\"x\"],\"id\":1}\n");
    r = Call(t, R"({"jsonrpc":"2.0","method":"nosuch","id":null})");
    EXPECT_EQ(r.status, HTTP_OK);
    EXPECT_EQ(r.body,
              "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32601,\"message\":\"Method not found\"},\"id\":null}\n");
    r = Call(t, R"({"jsonrpc":"2.0","method":"echoargs","params":["x"]})");
    EXPECT_EQ(r.status, HTTP_NO_CONTENT);
    EXPECT_EQ(r.body, "");
    r = Call(t, R"({"jsonrpc":"3.0","method":"echoargs","id":1})");
    EXPECT_EQ(r.status, HTTP_BAD_REQUEST);
    EXPECT_NE(r.body.find("JSON-RPC version not supported"), std::string::npos);
    r = Call(t, R"({"jsonrpc":2,"method":"echoargs","id":1})");
    EXPECT_NE(r.body.find("jsonrpc field must be a string"), std::string::npos);
    r = Call(t, R"({"method":"echoargs","params":"x","id":1})");
    EXPECT_NE(r.body.find("Params must be an array or object"), std::string::npos);
    r = Call(t, R"({"method":1,"id":1})");
    EXPECT_NE(r.body.find("Method must be a string"), std::string::npos);
}

TEST(JsonRpc, ParseErrorsAndBatches)
{
    RpcTable t;
    FillTable(t);
    auto r = Call(t, "{not json");
    EXPECT_EQ(r.status, HTTP_INTERNAL_SERVER_ERROR);
    EXPECT_EQ(r.body, "{\"result\":null,\"error\":{\"code\":-32700,\"message\":\"Parse error\"}}\n");
    r = Call(t, "42");
    EXPECT_EQ(r.status, HTTP_INTERNAL_SERVER_ERROR);
    EXPECT_NE(r.body.find("Top-level object parse error"), std::string::npos);
    // As in Core, one request object is reused across the batch: an element that is not an object keeps the
    // previous element's id and version (and is dropped after a notification).
    r = Call(t, R"([{"jsonrpc":"2.0","method":"echoargs","params":["n"]},{"method":"echoargs","params":["a"],"id":1},)"
                R"({"jsonrpc":"2.0","method":"nosuch","id":2},5,{"jsonrpc":"2.0","method":"echoargs","params":["n"]},6])");
    EXPECT_EQ(r.status, HTTP_OK);
    EXPECT_EQ(r.body,
              "[{\"result\":[\"a\"],\"error\":null,\"id\":1},"
              "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32601,\"message\":\"Method not found\"},\"id\":2},"
              "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32600,\"message\":\"Invalid Request object\"},\"id\":2}]\n");
    r = Call(t, "[]");
    EXPECT_EQ(r.status, HTTP_OK);
    EXPECT_EQ(r.body, "[]\n");
    r = Call(t, R"([{"jsonrpc":"2.0","method":"echoargs","params":["n"]}])");
    EXPECT_EQ(r.status, HTTP_NO_CONTENT);
}

TEST(JsonRpc, NamedArgumentsAndTypeChecks)
{
    RpcTable t;
    FillTable(t);
    auto r = Call(t, R"({"method":"echoargs","params":{"first":"x","third":true},"id":1})");
    EXPECT_EQ(r.body, "{\"result\":[\"x\",null,true],\"error\":null,\"id\":1}\n");
    r = Call(t, R"({"method":"echoargs","params":{"alias":3,"first":"y"},"id":1})");
    EXPECT_EQ(r.body, "{\"result\":[\"y\",3],\"error\":null,\"id\":1}\n");
    r = Call(t, R"({"method":"echoargs","params":{"args":["p"],"third":false},"id":1})");
    EXPECT_EQ(r.body, "{\"result\":[\"p\",null,false],\"error\":null,\"id\":1}\n");
    r = Call(t, R"({"method":"echoargs","params":{"args":["p"],"first":"q"},"id":1})");
    EXPECT_NE(r.body.find("Parameter first specified twice both as positional and named argument"), std::string::npos);
    r = Call(t, R"({"method":"echoargs","params":{"first":"x","bogus":1},"id":1})");
    EXPECT_NE(r.body.find("{\"code\":-8,\"message\":\"Unknown named parameter bogus\"}"), std::string::npos);
    r = Call(t, R"({"method":"echoargs","params":{"first":"x","first":"y"},"id":1})");
    EXPECT_NE(r.body.find("Parameter first specified multiple times"), std::string::npos);
    r = Call(t, R"({"method":"echoargs","params":[1,"z"],"id":1})");
    EXPECT_NE(r.body.find("\"code\":-3,\"message\":\"Wrong type passed:\\n{\\n    \\\"Position 1 (first)\\\": "
                          "\\\"JSON value of type number is not of expected type string\\\",\\n    \\\"Position 2 "
                          "(second|alias)\\\": \\\"JSON value of type string is not of expected type number\\\"\\n}\""),
              std::string::npos)
        << r.body;
    // Wrong argument count: the help text as an RPC_MISC_ERROR.
    r = Call(t, R"({"method":"echoargs","params":[],"id":1})");
    EXPECT_NE(r.body.find("{\"code\":-1,\"message\":\"echoargs \\\"first\\\" ( second third )\\n"), std::string::npos)
        << r.body;
}

TEST(JsonRpc, HelpFormat)
{
    RpcTable t;
    FillTable(t);
    const std::string all = t.Help("");
    EXPECT_EQ(all, "== Blockchain ==\n"
                   "echoargs \"first\" ( second third )\n"
                   "fail\n"
                   "\n"
                   "== Control ==\n"
                   "getrpcinfo\n"
                   "help ( \"command\" )\n"
                   "stop\n"
                   "uptime");
    EXPECT_EQ(t.Help("echoargs"), "echoargs \"first\" ( second third )\n"
                                  "\n"
                                  "Echo the positional parameters.\n"
                                  "\n"
                                  "Arguments:\n"
                                  "1. first     (string, required) first arg\n"
                                  "2. second    (numeric, optional, default=5) second arg\n"
                                  "3. third     (boolean, optional) third arg\n"
                                  "\n"
                                  "Result:\n"
                                  "[         (json array)\n"
                                  "  xxx,    (any) value\n"
                                  "  ...\n"
                                  "]\n"
                                  "\n"
                                  "Examples:\n"
                                  "> bitcoin-cli echoargs \"a\" 1\n");
    EXPECT_EQ(t.Help("nosuch"), "help: unknown command: nosuch");
    EXPECT_EQ(t.Help("uptime"), "uptime\n\nReturns the total uptime of the server.\n\nResult:\nn    (numeric) The number "
                                "of seconds that the server has been running\n\nExamples:\n> bitcoin-cli uptime \n> curl "
                                "--user myusername --data-binary '{\"jsonrpc\": \"2.0\", \"id\": \"curltest\", "
                                "\"method\": \"uptime\", \"params\": []}' -H 'content-type: application/json' "
                                "http://127.0.0.1:8332/\n");
    auto r = Call(t, R"({"method":"help","params":["stop"],"id":1})");
    EXPECT_NE(r.body.find("Request a graceful shutdown of Sovereign."), std::string::npos);
}

TEST(JsonRpc, ControlCommandsAndWarmup)
{
    RpcTable t;
    FillTable(t);
    bool stopped = false;
    t.SetShutdownHandler([&] { stopped = true; });
    auto r = Call(t, R"({"method":"stop","id":1})");
    EXPECT_EQ(r.body, "{\"result\":\"Sovereign stopping\",\"error\":null,\"id\":1}\n");
    EXPECT_TRUE(stopped);
    r = Call(t, R"({"method":"getrpcinfo","id":1})");
    EXPECT_NE(r.body.find("{\"active_commands\":[{\"method\":\"getrpcinfo\",\"duration\":"), std::string::npos);
    r = Call(t, R"({"method":"uptime","id":1})");
    EXPECT_EQ(r.body.substr(0, 10), "{\"result\":");
    t.SetWarmupStatus("Loading block index…");
    r = Call(t, R"({"method":"uptime","id":1})");
    EXPECT_NE(r.body.find("{\"code\":-28,\"message\":\"Loading block index…\"}"), std::string::npos);
    t.SetWarmupFinished();
    EXPECT_FALSE(t.IsInWarmup());
}

TEST(RpcUtil, Conversions)
{
    EXPECT_EQ(AmountFromValue(*JsonValue::Parse("0.00000001")), 1);
    EXPECT_EQ(AmountFromValue(JsonValue("21000000")), 21000000LL * 100000000);
    auto message = [](auto&& f) {
        try {
            f();
        } catch (const RpcError& e) {
            return std::to_string(e.Code()) + " " + e.what();
        } catch (const std::exception& e) {
            return std::string("std ") + e.what();
        }
        return std::string("no error");
    };
    EXPECT_EQ(message([] { AmountFromValue(*JsonValue::Parse("0.000000001")); }), "-3 Invalid amount");
    EXPECT_EQ(message([] { AmountFromValue(*JsonValue::Parse("-1")); }), "-3 Amount out of range");
    EXPECT_EQ(message([] { AmountFromValue(*JsonValue::Parse("21000001")); }), "-3 Amount out of range");
    EXPECT_EQ(message([] { AmountFromValue(JsonValue(true)); }), "-3 Amount is not a number or string");
    EXPECT_EQ(message([] { ParseHashV(JsonValue("abc"), "blockhash"); }),
              "-8 blockhash must be of length 64 (not 3, for 'abc')");
    EXPECT_EQ(message([] { ParseHashV(JsonValue(std::string(64, 'z')), "txid"); }),
              "-8 txid must be hexadecimal string (not '" + std::string(64, 'z') + "')");
    EXPECT_EQ(message([] { ParseHexV(JsonValue("0g"), "data"); }), "-8 data must be hexadecimal string (not '0g')");
    EXPECT_EQ(ParseHashV(JsonValue(std::string(63, '0') + "1"), "h").GetHex(), std::string(63, '0') + "1");
    EXPECT_EQ(message([] { ParseHashV(JsonValue(5), "h"); }),
              "std JSON value of type number is not of expected type string");
}
