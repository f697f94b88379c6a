// Throwaway PostgreSQL server; see test_postgres.h.
#include "test_postgres.h"

#include <libpq-fe.h>

#include <pwd.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

namespace fs = std::filesystem;

namespace {
/** Runs a shell command as the server's owner (initdb refuses to run as root: use the postgres account then). */
int RunAs(bool as_postgres, const std::string& command)
{
    const std::string full = as_postgres ? "runuser -u postgres -- " + command : command;
    return std::system((full + " >/dev/null 2>&1").c_str());
}
}  // namespace

TestPostgres& TestPostgres::Get()
{
    static TestPostgres instance;
    return instance;
}

TestPostgres::TestPostgres()
{
    for (const char* version : {"17", "16", "15", "14", "13"}) {
        const std::string bin = std::string("/usr/lib/postgresql/") + version + "/bin";
        if (fs::exists(bin + "/initdb") && fs::exists(bin + "/pg_ctl")) {
            m_bin = bin;
            break;
        }
    }
    if (m_bin.empty()) {
        m_why = "PostgreSQL server binaries not installed (Debian package postgresql)";
        return;
    }
    const bool root = ::geteuid() == 0;
    if (root && !::getpwnam("postgres")) {
        m_why = "running as root without a postgres account to own the server";
        return;
    }
    char tmpl[] = "/tmp/sov-pg-XXXXXX";
    if (!::mkdtemp(tmpl)) {
        m_why = "cannot create a temporary directory";
        return;
    }
    m_dir = tmpl;
    m_socket_dir = m_dir + "/socket";
    fs::create_directories(m_socket_dir);
    if (root) RunAs(false, "chown -R postgres:postgres " + m_dir);
    if (RunAs(root, m_bin + "/initdb -D " + m_dir + "/data -U sovereign --auth=trust -E UTF8 --no-instructions") != 0) {
        m_why = "initdb failed";
        return;
    }
    // A port number only names the socket file; the server listens on no TCP address.
    m_port = 20000 + static_cast<int>(::getpid() % 20000);
    const std::string options = "-c listen_addresses='' -k " + m_socket_dir + " -p " + std::to_string(m_port) +
                                " -c fsync=on -c max_connections=20";
    if (RunAs(root, m_bin + "/pg_ctl -D " + m_dir + "/data -l " + m_dir + "/log -w -t 60 -o \"" + options + "\" start") != 0) {
        m_why = "pg_ctl start failed (see " + m_dir + "/log)";
        return;
    }
    m_running = true;
}

TestPostgres::~TestPostgres()
{
    if (m_running) RunAs(::geteuid() == 0, m_bin + "/pg_ctl -D " + m_dir + "/data -m immediate -w stop");
    if (!m_dir.empty()) {
        std::error_code ec;
        fs::remove_all(m_dir, ec);
    }
}

std::string TestPostgres::NewDatabase()
{
    const std::string base = "host=" + m_socket_dir + " port=" + std::to_string(m_port) + " user=sovereign";
    const std::string name = "ledger_" + std::to_string(++m_databases);
    PGconn* admin = PQconnectdb((base + " dbname=postgres").c_str());
    if (PQstatus(admin) == CONNECTION_OK) PQclear(PQexec(admin, ("CREATE DATABASE " + name + ";").c_str()));
    PQfinish(admin);
    return base + " dbname=" + name;
}
