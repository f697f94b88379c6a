// Simple CSV walking; see csv.h.
#include "util/csv.h"

namespace {
std::string Trim(std::string_view f)
{
    size_t b = 0, e = f.size();
    while (b < e && (f[b] == ' ' || f[b] == '\t')) ++b;
    while (e > b && (f[e - 1] == ' ' || f[e - 1] == '\t' || f[e - 1] == '\r')) --e;
    return std::string(f.substr(b, e - b));
}
}  // namespace

bool ForEachCsvRow(std::string_view csv,
                   const std::function<bool(size_t line_no, const std::vector<std::string>& fields)>& row)
{
    if (csv.substr(0, 3) == "\xEF\xBB\xBF") csv.remove_prefix(3);
    std::vector<std::string> fields;
    size_t line_no = 0;
    size_t pos = 0;
    while (pos < csv.size()) {
        size_t end = csv.find('\n', pos);
        if (end == std::string_view::npos) end = csv.size();
        const std::string_view line = csv.substr(pos, end - pos);
        pos = end + 1;
        ++line_no;
        if (Trim(line).empty()) continue;
        fields.clear();
        size_t start = 0;
        while (true) {
            const size_t comma = line.find(',', start);
            fields.push_back(Trim(line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start)));
            if (comma == std::string_view::npos) break;
            start = comma + 1;
        }
        if (!row(line_no, fields)) return false;
    }
    return true;
}
