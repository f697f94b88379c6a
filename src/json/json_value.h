// A JSON value with Bitcoin Core's UniValue semantics: numbers kept as their text, object keys in insertion
// order, and UniValue's exact write() layout, so RPC and tool output can be byte-identical to Core's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

class JsonValue {
public:
    enum class Type { NUL, BOOL, NUM, STR, ARR, OBJ };

    JsonValue() = default;
    explicit JsonValue(Type type) : m_type(type) {}
    JsonValue(bool b) : m_type(Type::BOOL), m_val(b ? "1" : "") {}
    JsonValue(const char* s) : m_type(Type::STR), m_val(s) {}
    JsonValue(std::string s) : m_type(Type::STR), m_val(std::move(s)) {}
    JsonValue(int v) : JsonValue(static_cast<int64_t>(v)) {}
    JsonValue(unsigned int v) : JsonValue(static_cast<uint64_t>(v)) {}
    JsonValue(int64_t v) : m_type(Type::NUM), m_val(std::to_string(v)) {}
    JsonValue(uint64_t v) : m_type(Type::NUM), m_val(std::to_string(v)) {}

    /** A number given as its exact text (e.g. "0.00100000"); the caller guarantees it is valid JSON. */
    static JsonValue Number(std::string text) {
        JsonValue v(Type::NUM);
        v.m_val = std::move(text);
        return v;
    }
    static JsonValue Array() { return JsonValue(Type::ARR); }
    static JsonValue Object() { return JsonValue(Type::OBJ); }

    Type type() const { return m_type; }
    bool IsNull() const { return m_type == Type::NUL; }
    bool IsBool() const { return m_type == Type::BOOL; }
    bool IsNum() const { return m_type == Type::NUM; }
    bool IsStr() const { return m_type == Type::STR; }
    bool IsArray() const { return m_type == Type::ARR; }
    bool IsObject() const { return m_type == Type::OBJ; }
    bool GetBool() const { return m_type == Type::BOOL && m_val == "1"; }

    /** The string, or the number's text (UniValue's getValStr); empty for other types. */
    const std::string& GetValStr() const { return m_val; }

    /** Elements of an array or values of an object (in order). */
    size_t size() const { return m_values.size(); }
    const std::vector<JsonValue>& values() const { return m_values; }
    const std::vector<std::string>& keys() const { return m_keys; }
    const JsonValue& operator[](size_t i) const;
    /** Value of key in an object; a null value when absent. */
    const JsonValue& operator[](std::string_view key) const;
    bool Exists(std::string_view key) const;

    /** Appends to an array. */
    void PushBack(JsonValue v);
    /** Appends key/value to an object (no duplicate check, like UniValue::pushKVEnd). */
    void PushKV(std::string key, JsonValue v);

    /** UniValue::write: compact with pretty_indent 0, else one line per element indented by pretty_indent. */
    std::string Write(unsigned int pretty_indent = 0, unsigned int indent_level = 0) const;

    /** Parses one JSON text (whitespace around it allowed); nullopt on any syntax error. Nesting is limited
     *  to 512 levels, as UniValue does. */
    static std::optional<JsonValue> Parse(std::string_view text);

private:
    void WriteArray(unsigned int pretty_indent, unsigned int indent_level, std::string& s) const;
    void WriteObject(unsigned int pretty_indent, unsigned int indent_level, std::string& s) const;

    Type m_type{Type::NUL};
    std::string m_val;
    std::vector<std::string> m_keys;
    std::vector<JsonValue> m_values;
};

/** JSON string escaping as UniValue does it (control characters, quote, backslash and DEL). */
std::string JsonEscape(std::string_view s);
