// A small thread-safe logger.
#include "util/logging.h"

#include <cstdio>
#include <ctime>
#include <mutex>
#include <set>
#include <sys/time.h>

namespace {
std::mutex g_log_mutex;
FILE* g_log_file = nullptr;
bool g_console = true;
std::set<std::string> g_categories;
bool g_all_categories = false;

void Write(const char* fmt, va_list ap)
{
    char msg[4096];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    timeval tv;
    gettimeofday(&tv, nullptr);
    tm t;
    gmtime_r(&tv.tv_sec, &t);
    char stamp[40];
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &t);
    std::string line = std::string(stamp) + " " + msg;
    if (line.empty() || line.back() != '\n') line += '\n';
    std::lock_guard lock(g_log_mutex);
    if (g_log_file) {
        fputs(line.c_str(), g_log_file);
        fflush(g_log_file);
    }
    if (g_console) {
        fputs(line.c_str(), stdout);
        fflush(stdout);
    }
}
}  // namespace

bool LogOpen(const std::filesystem::path& file, bool print_to_console, std::string* error)
{
    std::lock_guard lock(g_log_mutex);
    g_console = print_to_console;
    if (file.empty()) return true;
    g_log_file = fopen(file.c_str(), "a");
    if (!g_log_file) {
        if (error) *error = "Cannot open log file " + file.string();
        g_console = true;
        return false;
    }
    return true;
}

void LogClose()
{
    std::lock_guard lock(g_log_mutex);
    if (g_log_file) fclose(g_log_file);
    g_log_file = nullptr;
}

void LogEnableCategory(const std::string& category)
{
    std::lock_guard lock(g_log_mutex);
    if (category == "1" || category == "all" || category.empty()) {
        g_all_categories = true;
    } else {
        g_categories.insert(category);
    }
}

bool LogCategoryEnabled(const std::string& category)
{
    std::lock_guard lock(g_log_mutex);
    return g_all_categories || g_categories.count(category);
}

void LogPrintf(const char* fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    Write(fmt, ap);
    va_end(ap);
}

void LogDebug(const char* category, const char* fmt, ...)
{
    if (!LogCategoryEnabled(category)) return;
    va_list ap;
    va_start(ap, fmt);
    Write(fmt, ap);
    va_end(ap);
}
