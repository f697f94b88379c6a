// Hostile input over JSON-RPC to a real sovereignd: every block/transaction fuzz seed (and mutations of it) through
// the decoding and submitting RPCs, then malformed JSON, wrong parameter types, garbage batches, huge numbers and
// deep nesting. Each request must get a JSON-RPC error or a well-formed result, and the node must keep answering.
#include "harness.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

using namespace e2e;
using namespace std::chrono_literals;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string Hex(const std::string& bytes)
{
    static constexpr char DIGITS[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const unsigned char c : bytes) {
        out += DIGITS[c >> 4];
        out += DIGITS[c & 15];
    }
    return out;
}

std::vector<std::string> CorpusFiles(const std::string& target)
{
    std::vector<std::string> out;
    const fs::path dir = fs::path(SOV_FUZZ_CORPUS_DIR) / target;
    for (const auto& entry : fs::directory_iterator(dir)) {
        if (!entry.is_regular_file()) continue;
        std::ifstream in(entry.path(), std::ios::binary);
        std::ostringstream ss;
        ss << in.rdbuf();
        out.push_back(ss.str());
    }
    std::sort(out.begin(), out.end());  // a stable order, whatever the directory listing gives
    return out;
}

/** The input itself and a few deterministic mutations: a flipped bit, a truncation, an inserted byte, a doubled
 *  tail (each a classic way to break a length prefix or a count). */
std::vector<std::string> Variants(const std::string& input, std::mt19937_64& rng)
{
    std::vector<std::string> out{input};
    if (input.empty()) return out;
    std::string flip = input;
    flip[rng() % flip.size()] ^= static_cast<char>(1u << (rng() % 8));
    out.push_back(flip);
    out.push_back(input.substr(0, rng() % input.size()));
    std::string ins = input;
    ins.insert(ins.begin() + static_cast<std::ptrdiff_t>(rng() % ins.size()), static_cast<char>(rng()));
    out.push_back(ins);
    out.push_back(input + input.substr(input.size() / 2));
    std::string big_count = input;  // a varint claiming an enormous count near the start
    const size_t pos = std::min<size_t>(4 + rng() % 8, big_count.size());
    big_count.insert(pos, std::string("\xff\xff\xff\xff\xff\xff\xff\x7f", 9));
    out.push_back(big_count);
    return out;
}

class HostileE2e : public ::testing::Test
{
protected:
    static void SetUpTestSuite()
    {
        s_node = new Node();
        ASSERT_TRUE(s_node->Start()) << s_node->LogTail();
        // Some chain so blocks have a parent to attach to and coinbases to spend.
        s_node->Rpc("generatetoaddress", json::array({101, MINE_ADDRESS}));
    }
    static void TearDownTestSuite()
    {
        delete s_node;
        s_node = nullptr;
    }

    /** The node is alive and answers a plain call. */
    static void ExpectAlive()
    {
        ASSERT_TRUE(s_node->Running()) << "sovereignd died\n" << s_node->LogTail();
        EXPECT_GE(s_node->Rpc("getblockcount").get<int>(), 101);
    }

    /** One JSON-RPC reply object: an error with an integer code and a message, or a result (which for calls that
     *  may legitimately return null, like submitblock, can be null). */
    static void CheckReply(const json& reply, const std::string& what)
    {
        ASSERT_TRUE(reply.is_object()) << what << ": " << reply;
        ASSERT_TRUE(reply.contains("result") && reply.contains("error")) << what << ": " << reply;
        if (!reply["error"].is_null()) {
            EXPECT_TRUE(reply["error"].is_object()) << what;
            EXPECT_TRUE(reply["error"]["code"].is_number_integer()) << what << ": " << reply;
            EXPECT_TRUE(reply["error"]["message"].is_string()) << what << ": " << reply;
            EXPECT_TRUE(reply["result"].is_null()) << what << ": " << reply;
        }
    }

    /** Sends a raw body; the reply must be HTTP with a JSON body (object or array), never a dropped connection. */
    static json SendRaw(const std::string& body, const std::string& what)
    {
        const HttpResponse r = s_node->RawCall(body);
        EXPECT_NE(r.status, 0) << what << ": no HTTP reply (" << r.error << ")\n" << s_node->LogTail();
        const json j = json::parse(r.body, nullptr, false);
        EXPECT_FALSE(j.is_discarded()) << what << ": HTTP " << r.status << " non-JSON body: " << r.body.substr(0, 200);
        return j;
    }

    /** A single request expected to fail: the reply is an error object. */
    static void ExpectError(const std::string& body, const std::string& what)
    {
        const json j = SendRaw(body, what);
        if (j.is_discarded()) return;
        ASSERT_TRUE(j.is_object()) << what << ": " << j.dump().substr(0, 300);
        CheckReply(j, what);
        EXPECT_FALSE(j["error"].is_null()) << what << ": expected an error, got " << j.dump().substr(0, 300);
    }

    static std::string Call(const std::string& method, const std::string& params_json)
    {
        return R"({"jsonrpc":"1.0","id":"h","method":")" + method + R"(","params":)" + params_json + "}";
    }

    static Node* s_node;
};
Node* HostileE2e::s_node = nullptr;

}  // namespace

TEST_F(HostileE2e, FuzzCorporaThroughRpc)
{
    const auto t0 = std::chrono::steady_clock::now();
    std::mt19937_64 rng(20261128);
    size_t calls = 0, errors = 0, results = 0;
    for (const char* target : {"block", "transaction"}) {
        const auto files = CorpusFiles(target);
        ASSERT_FALSE(files.empty()) << target;
        for (size_t f = 0; f < files.size(); ++f) {
            for (const std::string& input : Variants(files[f], rng)) {
                const std::string hex = Hex(input);
                std::vector<std::pair<std::string, json>> batch;
                if (std::string(target) == "block") {
                    batch.emplace_back("submitblock", json::array({hex}));
                    batch.emplace_back("submitheader", json::array({Hex(input.substr(0, 80))}));
                    batch.emplace_back("decoderawtransaction", json::array({hex}));
                } else {
                    batch.emplace_back("sendrawtransaction", json::array({hex}));
                    batch.emplace_back("testmempoolaccept", json::array({json::array({hex})}));
                    batch.emplace_back("decoderawtransaction", json::array({hex}));
                    batch.emplace_back("decoderawtransaction", json::array({hex, false}));
                    batch.emplace_back("decoderawtransaction", json::array({hex, true}));
                }
                batch.emplace_back("decodescript", json::array({hex.substr(0, std::min<size_t>(hex.size(), 20000))}));
                json req = json::array();
                for (size_t i = 0; i < batch.size(); ++i) {
                    req.push_back({{"jsonrpc", "1.0"}, {"id", i}, {"method", batch[i].first},
                                   {"params", batch[i].second}});
                }
                const std::string what = std::string(target) + " seed " + std::to_string(f);
                const json reply = SendRaw(req.dump(), what);
                ASSERT_TRUE(reply.is_array()) << what << ": " << reply.dump().substr(0, 300) << s_node->LogTail();
                ASSERT_EQ(reply.size(), batch.size()) << what;
                for (const json& r : reply) {
                    const size_t id = r.at("id").get<size_t>();
                    const std::string m = what + " " + batch.at(id).first;
                    CheckReply(r, m);
                    ++calls;
                    if (!r["error"].is_null()) {
                        ++errors;
                        continue;
                    }
                    ++results;
                    const json& res = r["result"];
                    const std::string& method = batch[id].first;
                    // Well-formed results of each call.
                    if (method == "decoderawtransaction") {
                        EXPECT_TRUE(res.is_object() && res["txid"].is_string() && res["vin"].is_array()) << m;
                    } else if (method == "decodescript") {
                        EXPECT_TRUE(res.is_object() && res["asm"].is_string()) << m;
                    } else if (method == "testmempoolaccept") {
                        ASSERT_TRUE(res.is_array() && res.size() == 1) << m << ": " << res;
                        EXPECT_TRUE(res[0]["txid"].is_string() && res[0]["allowed"].is_boolean()) << m << res;
                    } else if (method == "sendrawtransaction") {
                        EXPECT_TRUE(res.is_string() && res.get<std::string>().size() == 64) << m << res;
                    } else if (method == "submitblock") {
                        EXPECT_TRUE(res.is_null() || res.is_string()) << m << res;
                    } else if (method == "submitheader") {
                        EXPECT_TRUE(res.is_null()) << m << res;
                    }
                }
                if (HasFatalFailure()) return;
            }
        }
        ExpectAlive();
    }
    std::cout << "[ hostile ] " << calls << " calls: " << errors << " errors, " << results << " results in "
              << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() << " s\n";
    EXPECT_GT(errors, 0u);
    EXPECT_GT(results, 0u);  // the unmutated seeds decode
}

TEST_F(HostileE2e, MalformedJson)
{
    const std::vector<std::string> bodies = {
        "", "{", "}", "[", "]", "{{}}", "nul", "null", "true", "123", "\"str\"", "{\"method\":}", "{\"method\"",
        "{\"method\":\"getblockcount\",}", "{'method':'getblockcount'}", "{\"method\":\"getblockcount\"} trailing",
        "{\"method\":\"getblockcount\",\"params\":[1,]}", "{\"method\":\"\\u12\"}", "{\"method\":\"\\x41\"}",
        "{\"method\":\"getblock\\u0000count\"}", std::string("{\"method\":\"\xff\xfe\xc3\x28\"}"),
        std::string("\x00\x01\x02\x03", 4), std::string(1000, '\xff'), "{\"method\":\"getblockcount\",\"id\":01}",
        "{\"method\":\"getblockcount\",\"params\":[1e]}", "{\"method\":\"getblockcount\",\"params\":[-]}",
        "{\"method\":\"getblockcount\",\"params\":[.5]}", "{\"method\":\"getblockcount\",\"params\":[0x10]}",
        "{\"method\":\"getblockcount\",\"params\":[NaN]}", "{\"method\":\"getblockcount\",\"params\":[Infinity]}",
        "\"\\ud800\"", "{\"a\":\"\\ud800\\u0041\"}",
    };
    for (const auto& body : bodies) {
        const json j = SendRaw(body, "body " + json(body).dump(-1, ' ', true, json::error_handler_t::replace));
        if (j.is_object()) {
            EXPECT_FALSE(j["error"].is_null()) << body;
        }
    }
    ExpectAlive();
}

TEST_F(HostileE2e, InvalidRequestObjects)
{
    for (const std::string& body : {
             std::string(R"({"params":[]})"), std::string(R"({"method":123})"), std::string(R"({"method":null})"),
             std::string(R"({"method":["getblockcount"]})"), std::string(R"({"method":{"a":1}})"),
             std::string(R"({"method":"getblockcount","params":"notarray"})"),
             std::string(R"({"method":"getblockcount","params":123})"),
             std::string(R"({"method":"getblockhash","params":{"nosuchname":1}})"),
             std::string(R"({"method":"getblockhash","params":{"height":1,"height":2,"x":3}})"),
             std::string(R"({"method":")") + std::string(100000, 'a') + "\"}",
             std::string(R"({"method":"","params":[]})"),
         }) {
        ExpectError(body, body.substr(0, 80));
    }
    // Odd ids are echoed or refused, never a crash.
    for (const char* id : {"{\"a\":[1,2]}", "[1,2,3]", "1e308", "-0", "\"\\u0000\"", "true"}) {
        SendRaw(std::string(R"({"method":"getblockcount","params":[],"id":)") + id + "}", std::string("id ") + id);
    }
    ExpectAlive();
}

TEST_F(HostileE2e, WrongParameterTypes)
{
    const std::string hash0 = s_node->Rpc("getblockhash", json::array({0}));
    const std::vector<std::string> bad_values = {
        "\"abc\"", "-1", "1.5", "[]", "{}", "null", "true", "\"\"", "1e400", "-1e400", "123456789012345678901234567890",
        "-9223372036854775809", "18446744073709551616", "4294967296", "2147483648", "\"" + std::string(70, 'f') + "\"",
        "\"zz" + std::string(62, '0') + "\"", "\"" + std::string(64, '0') + "\"", "1e-400",
    };
    const std::vector<std::string> methods = {
        "getblockhash", "getblock", "getblockheader", "getrawtransaction", "gettxout", "sendrawtransaction",
        "testmempoolaccept", "decoderawtransaction", "decodescript", "submitblock", "submitheader", "invalidateblock",
        "reconsiderblock", "getmempoolentry", "getblockstats", "getchaintxstats", "createrawtransaction",
        "createmultisig", "gettxoutsetinfo", "getmempoolancestors", "verifychain", "getnetworkhashps", "getblocktemplate",
        "validateaddress", "estimatesmartfee", "help", "getindexinfo", "preciousblock", "gettxoutproof",
        "verifytxoutproof", "submitpackage", "getrawmempool", "prioritisetransaction", "generateblock",
    };
    size_t sent = 0;
    for (const auto& method : methods) {
        for (const auto& v : bad_values) {
            for (const std::string& params : {"[" + v + "]", "[" + v + "," + v + "]", "[\"" + hash0 + "\"," + v + "]",
                                              "[" + v + ",\"" + hash0 + "\"," + v + "]"}) {
                const json j = SendRaw(Call(method, params), method + " " + params);
                if (j.is_object()) CheckReply(j, method + " " + params);
                ++sent;
            }
        }
        // Too many parameters, too few, and named parameters of the wrong type.
        SendRaw(Call(method, "[1,2,3,4,5,6,7,8,9,10,11,12]"), method + " many");
        SendRaw(Call(method, R"({"height":"x","blockhash":1,"txid":[],"hexstring":{}})"), method + " named");
        if (HasFailure()) break;
    }
    std::cout << "[ hostile ] " << sent << " wrongly typed calls\n";
    ExpectAlive();
}

TEST_F(HostileE2e, GarbageBatches)
{
    for (const std::string& body : {std::string("[]"), std::string("[1,2,3]"), std::string("[[]]"), std::string("[{}]"),
                                    std::string("[null]"), std::string("[\"getblockcount\"]"), std::string("[[[[{}]]]]"),
                                    std::string(R"([{"method":"getblockcount"},"x",{"method":7},[],{}])")}) {
        const json j = SendRaw(body, "batch " + body);
        if (j.is_array()) {
            for (const json& item : j) {
                if (item.is_object() && item.contains("error") && !item["error"].is_null()) {
                    EXPECT_TRUE(item["error"]["code"].is_number_integer()) << body;
                }
            }
        }
    }
    // A large batch of garbage and valid calls mixed: each valid one still answers.
    json batch = json::array();
    std::mt19937_64 rng(4);
    for (int i = 0; i < 2000; ++i) {
        switch (rng() % 5) {
        case 0: batch.push_back({{"method", "getblockcount"}, {"id", i}}); break;
        case 1: batch.push_back(i); break;
        case 2: batch.push_back({{"method", "getblockhash"}, {"params", json::array({"x"})}, {"id", i}}); break;
        case 3: batch.push_back({{"method", std::string(1 + rng() % 50, 'q')}, {"id", i}}); break;
        default: batch.push_back(json::array({json::array(), json::object()})); break;
        }
    }
    const json j = SendRaw(batch.dump(), "big batch");
    ASSERT_TRUE(j.is_array()) << j.dump().substr(0, 300);
    EXPECT_EQ(j.size(), batch.size());
    for (size_t i = 0; i < j.size() && i < batch.size(); ++i) {
        if (batch[i].is_object() && batch[i]["method"] == "getblockcount") {
            EXPECT_TRUE(j[i]["error"].is_null()) << j[i];
            EXPECT_GE(j[i]["result"].get<int>(), 101);
        } else {
            EXPECT_FALSE(j[i]["error"].is_null()) << batch[i] << " -> " << j[i];
        }
    }
    ExpectAlive();
}

TEST_F(HostileE2e, DeepNestingAndHugeValues)
{
    for (const size_t depth : {size_t{100}, size_t{600}, size_t{10'000}, size_t{1'000'000}}) {
        const std::string arrays = std::string(depth, '[') + std::string(depth, ']');
        SendRaw(arrays, "bare nesting " + std::to_string(depth));
        SendRaw(Call("getblockcount", arrays), "nested params " + std::to_string(depth));
        std::string objects;
        for (size_t i = 0; i < depth; ++i) objects += "{\"a\":";
        objects += "1" + std::string(depth, '}');
        SendRaw(Call("getblockhash", "[" + objects + "]"), "nested objects " + std::to_string(depth));
        // Unterminated nesting.
        SendRaw(std::string(depth, '['), "open nesting " + std::to_string(depth));
        ExpectAlive();
        if (HasFailure()) return;
    }
    // A huge number literal, a huge string, many parameters.
    SendRaw(Call("getblockhash", "[" + std::string(1'000'000, '9') + "]"), "huge number");
    SendRaw(Call("getblockhash", "[0." + std::string(1'000'000, '0') + "1]"), "huge fraction");
    SendRaw(Call("getblockhash", "[1e" + std::string(10'000, '9') + "]"), "huge exponent");
    SendRaw(Call("decodescript", "[\"" + std::string(4'000'000, 'a') + "\"]"), "4 MB hex script");
    SendRaw(Call("decoderawtransaction", "[\"" + std::string(8'000'000, '0') + "\"]"), "8 MB of zeros");
    std::string many = "[";
    for (int i = 0; i < 200'000; ++i) many += (i ? ",1" : "1");
    SendRaw(Call("getblockcount", many + "]"), "200k params");
    ExpectAlive();
}
