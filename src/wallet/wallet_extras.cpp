// Wallet pieces for message signing (signing providers), BIP329 labels of non-address references, and backups
// through SQLite's online backup API.
#include "wallet/wallet.h"

#include "sqlite/sqlite.h"

#include <sqlite3.h>

#include <fcntl.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {

/** Created on first use, so wallets written before labels of references existed need no schema change. */
constexpr const char* REF_LABELS_SCHEMA =
    "CREATE TABLE IF NOT EXISTS ref_labels (type TEXT NOT NULL, ref TEXT NOT NULL, label TEXT NOT NULL, "
    "origin TEXT, spendable INTEGER, PRIMARY KEY (type, ref));";

bool FsyncPath(const fs::path& path, bool directory)
{
    const int fd = ::open(path.c_str(), directory ? (O_RDONLY | O_DIRECTORY) : O_RDONLY);
    if (fd < 0) return false;
    const bool ok = ::fsync(fd) == 0;
    ::close(fd);
    return ok;
}

}  // namespace

std::optional<FlatSigningProvider> Wallet::GetSigningProvider(const Script& script, bool include_private) const
{
    std::lock_guard lock(m_mutex);
    auto s = m_scripts.find(script);
    if (s == m_scripts.end()) return std::nullopt;
    FlatSigningProvider provider;
    std::vector<Script> scripts;
    m_descriptors.at(s->second.first).parsed->Expand(static_cast<int>(s->second.second), scripts, provider);
    if (include_private) {
        auto priv = m_private.find(s->second.first);
        if (priv != m_private.end()) priv->second->ExpandPrivate(static_cast<int>(s->second.second), provider);
    }
    return provider;
}

std::map<std::pair<std::string, std::string>, Wallet::RefLabel> Wallet::RefLabels() const
{
    std::lock_guard lock(m_mutex);
    std::map<std::pair<std::string, std::string>, RefLabel> out;
    if (!m_db->Exec(REF_LABELS_SCHEMA)) return out;
    auto st = m_db->Prepare("SELECT type, ref, label, origin, spendable FROM ref_labels;");
    while (st.Step()) {
        RefLabel l;
        l.label = st.Text(2);
        if (!st.IsNull(3)) l.origin = st.Text(3);
        if (!st.IsNull(4)) l.spendable = st.Int(4) != 0;
        out[{st.Text(0), st.Text(1)}] = std::move(l);
    }
    return out;
}

bool Wallet::SetRefLabel(const std::string& type, const std::string& ref, const RefLabel& label, std::string* error)
{
    std::lock_guard lock(m_mutex);
    if (!m_db->Exec(REF_LABELS_SCHEMA, error)) return false;
    auto st = m_db->Prepare("INSERT OR REPLACE INTO ref_labels VALUES (?, ?, ?, ?, ?);");
    st.Bind(1, std::string_view(type)).Bind(2, std::string_view(ref)).Bind(3, std::string_view(label.label));
    st.Bind(4, label.origin);
    if (label.spendable) {
        st.Bind(5, int64_t{*label.spendable ? 1 : 0});
    } else {
        st.BindNull(5);
    }
    if (!st.Run()) {
        if (error) *error = m_db->LastError();
        return false;
    }
    return true;
}

bool Wallet::Backup(const fs::path& dest, std::string* error) const
{
    std::lock_guard lock(m_mutex);
    std::error_code ec;
    const fs::path target = fs::absolute(dest, ec);
    if (ec || fs::equivalent(target, m_file, ec)) {
        if (error) *error = "Error: Wallet backup failed!";
        return false;
    }
    // Copy into a temporary file next to the destination, make it durable, then rename over the destination:
    // a crash leaves either the old backup or the complete new one, never a torn file.
    const fs::path tmp = target.string() + ".tmp";
    fs::remove(tmp, ec);
    sqlite3* out = nullptr;
    bool ok = sqlite3_open_v2(tmp.c_str(), &out, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) == SQLITE_OK;
    if (ok) {
        sqlite3_backup* b = sqlite3_backup_init(out, "main", m_db->Handle(), "main");
        ok = b != nullptr;
        if (b) {
            ok = sqlite3_backup_step(b, -1) == SQLITE_DONE;
            ok = sqlite3_backup_finish(b) == SQLITE_OK && ok;
        }
        // The copy keeps the source's WAL mode; fold it into one self-contained file.
        ok = ok && sqlite3_exec(out, "PRAGMA journal_mode=DELETE;", nullptr, nullptr, nullptr) == SQLITE_OK;
    }
    if (out) sqlite3_close(out);
    ok = ok && FsyncPath(tmp, false);
    if (ok) {
        fs::rename(tmp, target, ec);
        ok = !ec && FsyncPath(target.parent_path().empty() ? fs::path(".") : target.parent_path(), true);
    }
    if (!ok) {
        fs::remove(tmp, ec);
        if (error) *error = "Error: Wallet backup failed!";
    }
    return ok;
}

bool Wallet::AbortRescan()
{
    if (!m_scanning || m_abort_rescan) return false;
    m_abort_rescan = true;
    return true;
}
