// JSON-RPC request parsing and reply objects with Bitcoin Core's field rules and messages.
#include "rpc/request.h"

#include "rpc/protocol.h"

#include <charconv>
#include <cstdlib>

JsonValue RpcError::ToJson() const
{
    return JsonRpcErrorObj(m_code, what());
}

const char* JsonTypeName(JsonValue::Type type)
{
    switch (type) {
    case JsonValue::Type::NUL: return "null";
    case JsonValue::Type::BOOL: return "bool";
    case JsonValue::Type::OBJ: return "object";
    case JsonValue::Type::ARR: return "array";
    case JsonValue::Type::STR: return "string";
    case JsonValue::Type::NUM: return "number";
    }
    return "";
}

static void CheckType(const JsonValue& v, JsonValue::Type expected)
{
    if (v.type() != expected) {
        throw JsonTypeError(std::string("JSON value of type ") + JsonTypeName(v.type()) +
                            " is not of expected type " + JsonTypeName(expected));
    }
}

const std::string& JsonGetStr(const JsonValue& v)
{
    CheckType(v, JsonValue::Type::STR);
    return v.GetValStr();
}

bool JsonGetBool(const JsonValue& v)
{
    CheckType(v, JsonValue::Type::BOOL);
    return v.GetBool();
}

const JsonValue& JsonGetArray(const JsonValue& v)
{
    CheckType(v, JsonValue::Type::ARR);
    return v;
}

const JsonValue& JsonGetObject(const JsonValue& v)
{
    CheckType(v, JsonValue::Type::OBJ);
    return v;
}

int64_t JsonGetInt64(const JsonValue& v)
{
    CheckType(v, JsonValue::Type::NUM);
    const std::string& s = v.GetValStr();
    int64_t out{0};
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec != std::errc() || ptr != s.data() + s.size()) throw std::runtime_error("JSON integer out of range");
    return out;
}

int JsonGetInt(const JsonValue& v)
{
    const int64_t x = JsonGetInt64(v);
    if (x < INT32_MIN || x > INT32_MAX) throw std::runtime_error("JSON integer out of range");
    return static_cast<int>(x);
}

double JsonGetReal(const JsonValue& v)
{
    CheckType(v, JsonValue::Type::NUM);
    char* end = nullptr;
    const std::string& s = v.GetValStr();
    const double d = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size()) throw std::runtime_error("JSON double out of range");
    return d;
}

void JsonRpcRequest::Parse(const JsonValue& request)
{
    if (!request.IsObject()) throw RpcError(RPC_INVALID_REQUEST, "Invalid Request object");
    // The id is taken first so that every later error carries it.
    if (request.Exists("id")) {
        id = request["id"];
    } else {
        id = std::nullopt;
    }
    json_version = JsonRpcVersion::V1_LEGACY;
    const JsonValue& version = request["jsonrpc"];
    if (!version.IsNull()) {
        if (!version.IsStr()) throw RpcError(RPC_INVALID_REQUEST, "jsonrpc field must be a string");
        // Some old documentation sent "1.0" here; Core keeps accepting it as legacy.
        if (version.GetValStr() == "1.0") {
            json_version = JsonRpcVersion::V1_LEGACY;
        } else if (version.GetValStr() == "2.0") {
            json_version = JsonRpcVersion::V2;
        } else {
            throw RpcError(RPC_INVALID_REQUEST, "JSON-RPC version not supported");
        }
    }
    const JsonValue& m = request["method"];
    if (m.IsNull()) throw RpcError(RPC_INVALID_REQUEST, "Missing method");
    if (!m.IsStr()) throw RpcError(RPC_INVALID_REQUEST, "Method must be a string");
    method = m.GetValStr();
    const JsonValue& p = request["params"];
    if (p.IsArray() || p.IsObject()) {
        params = p;
    } else if (p.IsNull()) {
        params = JsonValue::Array();
    } else {
        throw RpcError(RPC_INVALID_REQUEST, "Params must be an array or object");
    }
}

JsonValue JsonRpcRequestObj(const std::string& method, const JsonValue& params, const JsonValue& id)
{
    JsonValue r = JsonValue::Object();
    r.PushKV("method", method);
    r.PushKV("params", params);
    r.PushKV("id", id);
    r.PushKV("jsonrpc", "2.0");
    return r;
}

JsonValue JsonRpcReplyObj(JsonValue result, JsonValue error, const std::optional<JsonValue>& id,
                          JsonRpcVersion version)
{
    JsonValue r = JsonValue::Object();
    if (version == JsonRpcVersion::V2) r.PushKV("jsonrpc", "2.0");
    if (error.IsNull()) {
        r.PushKV("result", std::move(result));
        if (version == JsonRpcVersion::V1_LEGACY) r.PushKV("error", JsonValue());
    } else {
        if (version == JsonRpcVersion::V1_LEGACY) r.PushKV("result", JsonValue());
        r.PushKV("error", std::move(error));
    }
    if (id) r.PushKV("id", *id);
    return r;
}

JsonValue JsonRpcErrorObj(int code, const std::string& message)
{
    JsonValue e = JsonValue::Object();
    e.PushKV("code", code);
    e.PushKV("message", message);
    return e;
}
