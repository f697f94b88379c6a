// Simple CSV files (price series, liabilities accounts): comma-separated fields, no quoting.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

/** Walks a CSV text: each non-blank line split on ',', fields trimmed of spaces, tabs and a trailing '\r', passed
 *  with its 1-based line number; a leading UTF-8 byte order mark is skipped. Stops early, returning false, when
 *  row returns false. */
bool ForEachCsvRow(std::string_view csv,
                   const std::function<bool(size_t line_no, const std::vector<std::string>& fields)>& row);
