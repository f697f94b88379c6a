// Files that survive a crash: written whole to a temporary name, fsynced, renamed over the target, and the
// directory fsynced, so a reader (or a restart after power loss) sees the old contents or the new, never a mix.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

/** Replaces path with contents atomically and durably. private_file: mode 0600 (secrets). false and *error on
 *  failure; the old file is then untouched. */
bool WriteFileAtomic(const std::filesystem::path& path, std::string_view contents, std::string* error,
                     bool private_file = false);
/** The same for output too large to hold in memory: produce calls put for each chunk in order and returns false
 *  to abandon the file (the old one stays). */
using ChunkWriter = std::function<bool(std::string_view chunk)>;
bool WriteFileAtomic(const std::filesystem::path& path, const std::function<bool(const ChunkWriter& put)>& produce,
                     std::string* error, bool private_file = false);
/** fsync of a file or directory by name; false when it cannot be opened or synced. */
bool SyncPath(const std::filesystem::path& path);
