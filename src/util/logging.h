// A small logger: timestamped lines to debug.log (and the console with -printtoconsole), categories for -debug.
#pragma once

#include <cstdarg>
#include <filesystem>
#include <string>

/** Opens (appending) the log file; empty path logs to the console only. */
bool LogOpen(const std::filesystem::path& file, bool print_to_console, std::string* error);
void LogClose();
/** Enables a -debug category ("1"/"all" enables every category). */
void LogEnableCategory(const std::string& category);
bool LogCategoryEnabled(const std::string& category);

void LogPrintf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
/** Only when the category is enabled with -debug=<category>. */
void LogDebug(const char* category, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
