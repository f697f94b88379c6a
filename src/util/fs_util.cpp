// Crash-safe file replacement; see fs_util.h.
#include "util/fs_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

bool SyncPath(const std::filesystem::path& path)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    const bool ok = ::fsync(fd) == 0;
    ::close(fd);
    return ok;
}

bool WriteFileAtomic(const std::filesystem::path& path, std::string_view contents, std::string* error,
                     bool private_file)
{
    return WriteFileAtomic(path, [contents](const ChunkWriter& put) { return put(contents); }, error, private_file);
}

bool WriteFileAtomic(const std::filesystem::path& path, const std::function<bool(const ChunkWriter& put)>& produce,
                     std::string* error, bool private_file)
{
    std::filesystem::path tmp = path;
    tmp += ".tmp";
    auto fail = [&](const std::string& what, int fd) {
        if (error) *error = what + (errno ? std::string(": ") + std::strerror(errno) : std::string());
        if (fd >= 0) ::close(fd);
        ::unlink(tmp.c_str());
        return false;
    };
    errno = 0;
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, private_file ? 0600 : 0644);
    if (fd < 0) return fail("cannot create " + tmp.string(), -1);
    bool write_failed = false;
    const ChunkWriter put = [&](std::string_view chunk) {
        size_t done = 0;
        while (done < chunk.size()) {
            const ssize_t n = ::write(fd, chunk.data() + done, chunk.size() - done);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                write_failed = true;
                return false;
            }
            done += static_cast<size_t>(n);
        }
        return true;
    };
    if (!produce(put) || write_failed) {
        if (!write_failed) errno = 0;
        return fail(write_failed ? "cannot write " + tmp.string() : "abandoned writing " + path.string(), fd);
    }
    if (::fsync(fd) != 0) return fail("cannot sync " + tmp.string(), fd);
    ::close(fd);
    if (::rename(tmp.c_str(), path.c_str()) != 0) return fail("cannot rename " + tmp.string() + " to " + path.string(), -1);
    const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
    SyncPath(dir);  // best effort: some filesystems refuse a directory fsync
    return true;
}
