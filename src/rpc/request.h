// JSON-RPC request objects and replies as Bitcoin Core builds them (1.0 legacy and 2.0), and the error exception.
#pragma once

#include "json/json_value.h"

#include <optional>
#include <stdexcept>
#include <string>

enum class JsonRpcVersion { V1_LEGACY, V2 };

/** An RPC error as thrown by command code: carries Core's {"code": n, "message": "..."} object. */
class RpcError : public std::runtime_error
{
public:
    RpcError(int code, const std::string& message) : std::runtime_error(message), m_code(code) {}
    int Code() const { return m_code; }
    /** {"code": code, "message": message} */
    JsonValue ToJson() const;

private:
    int m_code;
};

/** A type mismatch on a JSON value (UniValue's type_error); commands' callers turn it into RPC_TYPE_ERROR. */
class JsonTypeError : public std::runtime_error
{
public:
    using std::runtime_error::runtime_error;
};

/** UniValue's type names: "null", "bool", "object", "array", "string", "number". */
const char* JsonTypeName(JsonValue::Type type);

/** Checked accessors with UniValue's messages ("JSON value of type X is not of expected type Y"). */
const std::string& JsonGetStr(const JsonValue& v);
bool JsonGetBool(const JsonValue& v);
const JsonValue& JsonGetArray(const JsonValue& v);
const JsonValue& JsonGetObject(const JsonValue& v);
/** Integer of the given range ("JSON integer out of range" like UniValue::getInt). */
int64_t JsonGetInt64(const JsonValue& v);
int JsonGetInt(const JsonValue& v);
double JsonGetReal(const JsonValue& v);

struct JsonRpcRequest {
    enum Mode { EXECUTE, GET_HELP };
    std::optional<JsonValue> id;
    std::string method;
    JsonValue params{JsonValue::Array()};
    Mode mode{EXECUTE};
    std::string uri;
    std::string auth_user;
    std::string peer_addr;
    JsonRpcVersion json_version{JsonRpcVersion::V1_LEGACY};

    /** Fills the request from a JSON-RPC request object; throws RpcError with Core's messages. */
    void Parse(const JsonValue& request);
    /** JSON-RPC 2.0 request without "id": executed but not answered. */
    bool IsNotification() const { return !id.has_value() && json_version == JsonRpcVersion::V2; }
};

JsonValue JsonRpcRequestObj(const std::string& method, const JsonValue& params, const JsonValue& id);
/** Reply object: 2.0 gets "jsonrpc" and only one of result/error; 1.0 gets both. id only when present. */
JsonValue JsonRpcReplyObj(JsonValue result, JsonValue error, const std::optional<JsonValue>& id,
                          JsonRpcVersion version);
JsonValue JsonRpcErrorObj(int code, const std::string& message);
