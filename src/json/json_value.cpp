// JsonValue: UniValue-compatible writer and a bounded recursive-descent parser.
#include "json/json_value.h"

#include <cstdio>

namespace {
const JsonValue NULL_VALUE;
constexpr unsigned int MAX_DEPTH = 512;

void AppendIndent(unsigned int pretty_indent, unsigned int level, std::string& s) {
    s.append(static_cast<size_t>(pretty_indent) * level, ' ');
}

void AppendUtf8(uint32_t cp, std::string& out) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

/** Validates raw UTF-8 and joins UTF-16 surrogate pairs given as backslash-u escapes, with UniValue's
 * acceptance rules (RFC 4627 strings): no stray continuation bytes, no unfinished sequences, no unpaired
 * surrogates. */
class Utf8Filter {
public:
    explicit Utf8Filter(std::string& out) : m_out(out) {}

    void PushByte(unsigned char ch) {
        if (m_state == 0) {
            if (ch < 0x80) {
                m_out.push_back(static_cast<char>(ch));
            } else if (ch < 0xc0) {
                m_valid = false;  // continuation byte without a lead byte
            } else if (ch < 0xe0) {
                m_codepoint = (ch & 0x1fu) << 6;
                m_state = 6;
            } else if (ch < 0xf0) {
                m_codepoint = (ch & 0x0fu) << 12;
                m_state = 12;
            } else if (ch < 0xf8) {
                m_codepoint = (ch & 0x07u) << 18;
                m_state = 18;
            } else {
                m_valid = false;
            }
            return;
        }
        if ((ch & 0xc0) != 0x80) m_valid = false;
        m_state -= 6;
        m_codepoint |= (ch & 0x3fu) << m_state;
        if (m_state == 0) PushCodepoint(m_codepoint);
    }

    void PushCodepoint(uint32_t cp) {
        if (m_state) m_valid = false;  // an escape inside an unfinished UTF-8 sequence
        if (cp >= 0xD800 && cp < 0xDC00) {
            if (m_surrogate) m_valid = false;
            m_surrogate = cp;
        } else if (cp >= 0xDC00 && cp < 0xE000) {
            if (m_surrogate) {
                AppendUtf8(0x10000 | ((m_surrogate - 0xD800) << 10) | (cp - 0xDC00), m_out);
                m_surrogate = 0;
            } else {
                m_valid = false;
            }
        } else if (m_surrogate) {
            m_valid = false;
        } else {
            AppendUtf8(cp, m_out);
        }
    }

    bool Finalize() {
        if (m_state || m_surrogate) m_valid = false;
        return m_valid;
    }

private:
    std::string& m_out;
    bool m_valid{true};
    uint32_t m_codepoint{0};
    unsigned int m_state{0};  // bit position the next continuation byte fills, 0 between characters
    uint32_t m_surrogate{0};  // pending high surrogate, 0 when none
};

class Parser {
public:
    explicit Parser(std::string_view text) : m_text(text) {}

    std::optional<JsonValue> ParseAll() {
        JsonValue v;
        if (!ParseValue(v, 0)) return std::nullopt;
        SkipWs();
        if (m_pos != m_text.size()) return std::nullopt;
        return v;
    }

private:
    void SkipWs() {
        while (m_pos < m_text.size() && (m_text[m_pos] == ' ' || m_text[m_pos] == '\t' ||
                                         m_text[m_pos] == '\n' || m_text[m_pos] == '\r')) {
            ++m_pos;
        }
    }
    bool Literal(std::string_view word) {
        if (m_text.substr(m_pos, word.size()) != word) return false;
        m_pos += word.size();
        return true;
    }
    static bool IsDigit(char c) { return c >= '0' && c <= '9'; }

    bool ParseNumber(JsonValue& out) {
        const size_t start = m_pos;
        if (m_pos < m_text.size() && m_text[m_pos] == '-') ++m_pos;
        if (m_pos >= m_text.size() || !IsDigit(m_text[m_pos])) return false;
        if (m_text[m_pos] == '0') {
            ++m_pos;
        } else {
            while (m_pos < m_text.size() && IsDigit(m_text[m_pos])) ++m_pos;
        }
        if (m_pos < m_text.size() && m_text[m_pos] == '.') {
            ++m_pos;
            if (m_pos >= m_text.size() || !IsDigit(m_text[m_pos])) return false;
            while (m_pos < m_text.size() && IsDigit(m_text[m_pos])) ++m_pos;
        }
        if (m_pos < m_text.size() && (m_text[m_pos] == 'e' || m_text[m_pos] == 'E')) {
            ++m_pos;
            if (m_pos < m_text.size() && (m_text[m_pos] == '+' || m_text[m_pos] == '-')) ++m_pos;
            if (m_pos >= m_text.size() || !IsDigit(m_text[m_pos])) return false;
            while (m_pos < m_text.size() && IsDigit(m_text[m_pos])) ++m_pos;
        }
        out = JsonValue::Number(std::string(m_text.substr(start, m_pos - start)));
        return true;
    }

    bool ParseHex4(uint32_t& cp) {
        if (m_text.size() - m_pos < 4) return false;
        cp = 0;
        for (int i = 0; i < 4; ++i) {
            const char c = m_text[m_pos++];
            cp <<= 4;
            if (c >= '0' && c <= '9') {
                cp |= uint32_t(c - '0');
            } else if (c >= 'a' && c <= 'f') {
                cp |= uint32_t(c - 'a' + 10);
            } else if (c >= 'A' && c <= 'F') {
                cp |= uint32_t(c - 'A' + 10);
            } else {
                return false;
            }
        }
        return true;
    }

    bool ParseString(std::string& out) {
        if (m_pos >= m_text.size() || m_text[m_pos] != '"') return false;
        ++m_pos;
        Utf8Filter filter(out);
        while (true) {
            if (m_pos >= m_text.size()) return false;
            const unsigned char c = static_cast<unsigned char>(m_text[m_pos++]);
            if (c == '"') return filter.Finalize();
            if (c < 0x20) return false;
            if (c != '\\') {
                filter.PushByte(c);
                continue;
            }
            if (m_pos >= m_text.size()) return false;
            const char e = m_text[m_pos++];
            switch (e) {
                case '"':
                case '\\':
                case '/':
                    filter.PushByte(static_cast<unsigned char>(e));
                    break;
                case 'b':
                    filter.PushByte('\b');
                    break;
                case 'f':
                    filter.PushByte('\f');
                    break;
                case 'n':
                    filter.PushByte('\n');
                    break;
                case 'r':
                    filter.PushByte('\r');
                    break;
                case 't':
                    filter.PushByte('\t');
                    break;
                case 'u': {
                    uint32_t cp;
                    if (!ParseHex4(cp)) return false;
                    filter.PushCodepoint(cp);
                    break;
                }
                default:
                    return false;
            }
        }
    }

    bool ParseValue(JsonValue& out, unsigned int depth) {
        if (depth > MAX_DEPTH) return false;
        SkipWs();
        if (m_pos >= m_text.size()) return false;
        const char c = m_text[m_pos];
        if (c == '{') {
            ++m_pos;
            out = JsonValue::Object();
            SkipWs();
            if (m_pos < m_text.size() && m_text[m_pos] == '}') {
                ++m_pos;
                return true;
            }
            while (true) {
                SkipWs();
                std::string key;
                if (!ParseString(key)) return false;
                SkipWs();
                if (m_pos >= m_text.size() || m_text[m_pos] != ':') return false;
                ++m_pos;
                JsonValue v;
                if (!ParseValue(v, depth + 1)) return false;
                out.PushKV(std::move(key), std::move(v));
                SkipWs();
                if (m_pos >= m_text.size()) return false;
                if (m_text[m_pos] == ',') {
                    ++m_pos;
                    continue;
                }
                if (m_text[m_pos] != '}') return false;
                ++m_pos;
                return true;
            }
        }
        if (c == '[') {
            ++m_pos;
            out = JsonValue::Array();
            SkipWs();
            if (m_pos < m_text.size() && m_text[m_pos] == ']') {
                ++m_pos;
                return true;
            }
            while (true) {
                JsonValue v;
                if (!ParseValue(v, depth + 1)) return false;
                out.PushBack(std::move(v));
                SkipWs();
                if (m_pos >= m_text.size()) return false;
                if (m_text[m_pos] == ',') {
                    ++m_pos;
                    continue;
                }
                if (m_text[m_pos] != ']') return false;
                ++m_pos;
                return true;
            }
        }
        if (c == '"') {
            std::string s;
            if (!ParseString(s)) return false;
            out = JsonValue(std::move(s));
            return true;
        }
        if (Literal("true")) {
            out = JsonValue(true);
            return true;
        }
        if (Literal("false")) {
            out = JsonValue(false);
            return true;
        }
        if (Literal("null")) {
            out = JsonValue();
            return true;
        }
        return ParseNumber(out);
    }

    std::string_view m_text;
    size_t m_pos{0};
};
}  // namespace

std::string JsonEscape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char ch : s) {
        const unsigned char c = static_cast<unsigned char>(ch);
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\f':
                out += "\\f";
                break;
            case '\r':
                out += "\\r";
                break;
            default:
                if (c < 0x20 || c == 0x7f) {
                    char buf[8];
                    std::snprintf(buf, sizeof(buf), "\\u%04x", c);
                    out += buf;
                } else {
                    out += ch;
                }
        }
    }
    return out;
}

const JsonValue& JsonValue::operator[](size_t i) const {
    if ((m_type != Type::ARR && m_type != Type::OBJ) || i >= m_values.size()) return NULL_VALUE;
    return m_values[i];
}

const JsonValue& JsonValue::operator[](std::string_view key) const {
    if (m_type != Type::OBJ) return NULL_VALUE;
    for (size_t i = 0; i < m_keys.size(); ++i) {
        if (m_keys[i] == key) return m_values[i];
    }
    return NULL_VALUE;
}

bool JsonValue::Exists(std::string_view key) const {
    if (m_type != Type::OBJ) return false;
    for (const auto& k : m_keys) {
        if (k == key) return true;
    }
    return false;
}

void JsonValue::PushBack(JsonValue v) {
    if (m_type != Type::ARR) return;
    m_values.push_back(std::move(v));
}

void JsonValue::PushKV(std::string key, JsonValue v) {
    if (m_type != Type::OBJ) return;
    m_keys.push_back(std::move(key));
    m_values.push_back(std::move(v));
}

std::string JsonValue::Write(unsigned int pretty_indent, unsigned int indent_level) const {
    std::string s;
    // UniValue treats the top level as level 1 so nested members get one indent step.
    const unsigned int level = indent_level == 0 ? 1 : indent_level;
    switch (m_type) {
        case Type::NUL:
            s += "null";
            break;
        case Type::OBJ:
            WriteObject(pretty_indent, level, s);
            break;
        case Type::ARR:
            WriteArray(pretty_indent, level, s);
            break;
        case Type::STR:
            s += "\"" + JsonEscape(m_val) + "\"";
            break;
        case Type::NUM:
            s += m_val;
            break;
        case Type::BOOL:
            s += m_val == "1" ? "true" : "false";
            break;
    }
    return s;
}

void JsonValue::WriteArray(unsigned int pretty_indent, unsigned int indent_level, std::string& s) const {
    s += "[";
    if (pretty_indent) s += "\n";
    for (size_t i = 0; i < m_values.size(); ++i) {
        if (pretty_indent) AppendIndent(pretty_indent, indent_level, s);
        s += m_values[i].Write(pretty_indent, indent_level + 1);
        if (i + 1 != m_values.size()) s += ",";
        if (pretty_indent) s += "\n";
    }
    if (pretty_indent) AppendIndent(pretty_indent, indent_level - 1, s);
    s += "]";
}

void JsonValue::WriteObject(unsigned int pretty_indent, unsigned int indent_level, std::string& s) const {
    s += "{";
    if (pretty_indent) s += "\n";
    for (size_t i = 0; i < m_keys.size(); ++i) {
        if (pretty_indent) AppendIndent(pretty_indent, indent_level, s);
        s += "\"" + JsonEscape(m_keys[i]) + "\":";
        if (pretty_indent) s += " ";
        s += m_values[i].Write(pretty_indent, indent_level + 1);
        if (i + 1 != m_values.size()) s += ",";
        if (pretty_indent) s += "\n";
    }
    if (pretty_indent) AppendIndent(pretty_indent, indent_level - 1, s);
    s += "}";
}

std::optional<JsonValue> JsonValue::Parse(std::string_view text) {
    return Parser(text).ParseAll();
}
