// Chain-free RPC commands against Core's vectors: decodescript (rpc_decodescript.json), createmultisig
// (rpc_bip67.json), plus createrawtransaction/decoderawtransaction/validateaddress behaviour and errors.
#include "rpc/protocol.h"
#include "rpc/rawtransaction.h"
#include "crypto/hash.h"
#include "testutil/vectors.h"
#include "util/hex.h"

#include <gtest/gtest.h>

namespace {
JsonValue Exec(const RpcTable& t, const std::string& method, const std::string& params_json)
{
    JsonRpcRequest req;
    req.method = method;
    req.params = *JsonValue::Parse(params_json);
    return t.Execute(req);
}

std::string ErrorOf(const RpcTable& t, const std::string& method, const std::string& params_json)
{
    try {
        Exec(t, method, params_json);
    } catch (const RpcError& e) {
        return std::to_string(e.Code()) + " " + e.what();
    }
    return "no error";
}
}  // namespace

TEST(RawTransactionRpc, DecodeScriptVectors)
{
    RpcTable t;
    RegisterRawTransactionRpcCommands(t, Chain::REGTEST);
    const auto cases = ReadVectorJson("bitcoin-core/rpc_decodescript.json");
    size_t passed = 0;
    for (const auto& c : cases) {
        const std::string hex = c[0].get<std::string>();
        const JsonValue result = Exec(t, "decodescript", "[\"" + hex + "\"]");
        const auto got = nlohmann::json::parse(result.Write());
        EXPECT_EQ(got, c[1]) << hex;
        // Core's field order: asm, desc, address, type, then p2sh and segwit.
        const auto& keys = result.keys();
        const bool ordered = keys.size() >= 3 && keys[0] == "asm" && keys[1] == "desc";
        EXPECT_TRUE(ordered) << hex;
        if (got == c[1] && ordered) ++passed;
    }
    ReportVectorCount("rpc_decodescript.json", passed, cases.size());
    EXPECT_EQ(passed, cases.size());
}

TEST(RawTransactionRpc, DecodeScriptWrapping)
{
    RpcTable t;
    RegisterRawTransactionRpcCommands(t, Chain::REGTEST);
    // 1-of-1 bare multisig with a compressed key: P2SH and P2WSH wrapping with the multi() descriptor inside wsh().
    const std::string key = "02ff12471208c14bd580709cb2358d98975247d8765f92bc25eab3b2763ed605f8";
    const JsonValue r = Exec(t, "decodescript", "[\"5121" + key + "51ae\"]");
    EXPECT_EQ(r["type"].GetValStr(), "multisig");
    EXPECT_TRUE(r.Exists("p2sh"));
    EXPECT_EQ(r["segwit"]["desc"].GetValStr().substr(0, 14), "wsh(multi(1," + key.substr(0, 2));
    // The empty script is valid: it is wrapped in P2SH and P2WSH (program = SHA256 of nothing).
    const JsonValue e = Exec(t, "decodescript", "[\"\"]");
    EXPECT_EQ(e.keys(), (std::vector<std::string>{"asm", "desc", "type", "p2sh", "segwit"}));
    EXPECT_EQ(e["desc"].GetValStr(), "raw()#58lrscpx");
    EXPECT_EQ(e["p2sh"].GetValStr().substr(0, 1), "2");
    const JsonValue& sw = e["segwit"];
    EXPECT_EQ(sw.keys(), (std::vector<std::string>{"asm", "desc", "hex", "address", "type", "p2sh-segwit"}));
    EXPECT_EQ(sw["hex"].GetValStr(), "0020e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sw["desc"].GetValStr().substr(0, 5 + sw["address"].GetValStr().size() + 1),
              "addr(" + sw["address"].GetValStr() + ")");
    EXPECT_EQ(Exec(t, "validateaddress", "[\"" + sw["address"].GetValStr() + "\"]")["scriptPubKey"].GetValStr(),
              sw["hex"].GetValStr());
    EXPECT_EQ(ErrorOf(t, "decodescript", "[\"zz\"]"), "-8 argument must be hexadecimal string (not 'zz')");
}

TEST(RawTransactionRpc, CreateMultisigBip67)
{
    RpcTable t;
    RegisterRawTransactionRpcCommands(t, Chain::REGTEST);
    const auto cases = ReadVectorJson("bitcoin-core/rpc_bip67.json");
    size_t passed = 0;
    for (const auto& c : cases) {
        const std::string keys = c["sorted_keys"].dump();
        const JsonValue r = Exec(t, "createmultisig", "[2," + keys + "]");
        const bool ok = r["address"].GetValStr() == c["address"].get<std::string>() &&
                        r["redeemScript"].GetValStr() == c["script"].get<std::string>() &&
                        r["descriptor"].GetValStr().starts_with("sh(multi(2,");
        EXPECT_TRUE(ok) << r.Write();
        passed += ok;
    }
    ReportVectorCount("rpc_bip67.json", passed, cases.size());
    EXPECT_EQ(passed, cases.size());
}

TEST(RawTransactionRpc, CreateMultisigErrors)
{
    RpcTable t;
    RegisterRawTransactionRpcCommands(t, Chain::REGTEST);
    const std::string k = "\"02ff12471208c14bd580709cb2358d98975247d8765f92bc25eab3b2763ed605f8\"";
    EXPECT_EQ(ErrorOf(t, "createmultisig", "[0,[" + k + "]]"),
              "-8 a multisignature address must require at least one key to redeem");
    EXPECT_EQ(ErrorOf(t, "createmultisig", "[2,[" + k + "]]"),
              "-8 not enough keys supplied (got 1 keys, but need at least 2 to redeem)");
    EXPECT_EQ(ErrorOf(t, "createmultisig", "[1,[\"02ff\"]]"),
              "-5 Pubkey \"02ff\" must have a length of either 33 or 65 bytes");
    EXPECT_EQ(ErrorOf(t, "createmultisig", "[1,[" + k + "],\"bech32m\"]"),
              "-5 createmultisig cannot create bech32m multisig addresses");
    EXPECT_EQ(ErrorOf(t, "createmultisig", "[1,[" + k + "],\"foo\"]"), "-5 Unknown address type 'foo'");
    const JsonValue r = Exec(t, "createmultisig", "[1,[" + k + "],\"bech32\"]");
    const std::vector<uint8_t> redeem = ParseHex(r["redeemScript"].GetValStr());
    EXPECT_EQ(Exec(t, "validateaddress", "[\"" + r["address"].GetValStr() + "\"]")["witness_program"].GetValStr(),
              HexStr(Sha256Hash(redeem)));
    EXPECT_EQ(r["descriptor"].GetValStr().substr(0, 10), "wsh(multi(");
}

TEST(RawTransactionRpc, CreateAndDecodeRawTransaction)
{
    RpcTable t;
    RegisterRawTransactionRpcCommands(t, Chain::REGTEST);
    const std::string txid = std::string(63, '0') + "1";
    const JsonValue hex = Exec(t, "createrawtransaction",
                               "[[{\"txid\":\"" + txid + "\",\"vout\":3}],"
                               "[{\"bcrt1qamhwamhwamhwamhwamhwamhwamhwamhwamhwamhwamhwamhwamhqgdn98t\":\"0.5\"},"
                               "{\"data\":\"00ff\"}],7]");
    const JsonValue d = Exec(t, "decoderawtransaction", "[\"" + hex.GetValStr() + "\"]");
    EXPECT_EQ(d["version"].GetValStr(), "2");
    EXPECT_EQ(d["locktime"].GetValStr(), "7");
    EXPECT_EQ(d["vin"][0]["txid"].GetValStr(), txid);
    EXPECT_EQ(d["vin"][0]["sequence"].GetValStr(), "4294967293");  // replaceable by default
    EXPECT_EQ(d["vout"][0]["value"].GetValStr(), "0.50000000");
    EXPECT_EQ(d["vout"][1]["scriptPubKey"]["type"].GetValStr(), "nulldata");
    EXPECT_FALSE(d.Exists("hex"));
    // Named call with replaceable=false and a locktime: sequence MAX_SEQUENCE_NONFINAL.
    JsonRpcRequest req;
    req.method = "createrawtransaction";
    req.params = *JsonValue::Parse("{\"inputs\":[{\"txid\":\"" + txid + "\",\"vout\":0}],\"outputs\":{},"
                                   "\"locktime\":1,\"replaceable\":false}");
    const JsonValue named = t.Execute(req);
    EXPECT_EQ(Exec(t, "decoderawtransaction", "[\"" + named.GetValStr() + "\"]")["vin"][0]["sequence"].GetValStr(),
              "4294967294");
    EXPECT_EQ(ErrorOf(t, "decoderawtransaction", "[\"00\"]"), "-22 TX decode failed");
    EXPECT_EQ(ErrorOf(t, "createrawtransaction", "[[],{\"bcrt1qxyz\":1}]"), "-5 Invalid Bitcoin address: bcrt1qxyz");
    EXPECT_EQ(ErrorOf(t, "createrawtransaction", "[[{\"txid\":\"" + txid + "\"}],{}]"),
              "-8 Invalid parameter, missing vout key");
    EXPECT_EQ(ErrorOf(t, "createrawtransaction", "[[{\"txid\":\"" + txid + "\",\"vout\":-1}],{}]"),
              "-8 Invalid parameter, vout cannot be negative");
    EXPECT_EQ(ErrorOf(t, "createrawtransaction", "[[],{\"data\":\"00\",\"data\":\"01\"}]"),
              "-8 Invalid parameter, duplicate key: data");
    EXPECT_EQ(ErrorOf(t, "createrawtransaction", "[[],{},0,true,4]"),
              "-8 Invalid parameter, version out of range(1~3)");
    EXPECT_EQ(ErrorOf(t, "createrawtransaction",
                      "[[{\"txid\":\"" + txid + "\",\"vout\":0,\"sequence\":4294967295}],{},0,true]"),
              "-8 Invalid parameter combination: Sequence number(s) contradict replaceable option");
}

TEST(RawTransactionRpc, ValidateAddress)
{
    RpcTable t;
    RegisterRawTransactionRpcCommands(t, Chain::REGTEST);
    EXPECT_EQ(Exec(t, "validateaddress", "[\"bcrt1pamhwamhwamhwamhwamhwamhwamhwamhwamhwamhwamhwamhwamhqz6nvlh\"]").Write(),
              "{\"isvalid\":true,\"address\":\"bcrt1pamhwamhwamhwamhwamhwamhwamhwamhwamhwamhwamhwamhwamhqz6nvlh\","
              "\"scriptPubKey\":\"5120eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee\","
              "\"isscript\":true,\"iswitness\":true,\"witness_version\":1,\"witness_program\":"
              "\"eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee\"}");
    EXPECT_EQ(Exec(t, "validateaddress", "[\"2NF2b3KS8xXb9XHvbRMXdZh8s5g92rUZHtp\"]")["isscript"].GetBool(), true);
    const JsonValue bad = Exec(t, "validateaddress", "[\"notanaddress\"]");
    EXPECT_FALSE(bad["isvalid"].GetBool());
    EXPECT_FALSE(bad["error"].GetValStr().empty());
}
