// A throwaway PostgreSQL server for the ledger's store tests: initdb on a temporary directory, started on a
// private Unix socket (no TCP), trust authentication for a role of its own, stopped and deleted at exit. Found in
// /usr/lib/postgresql/*/bin (Debian's postgresql package); when the binaries are missing, Available() is false and
// the PostgreSQL variants of the tests skip.
#pragma once

#include <string>

class TestPostgres
{
public:
    /** The process-wide server, started on first use. */
    static TestPostgres& Get();
    bool Available() const { return m_running; }
    /** Why it is not available (binaries missing, initdb failed, ...). */
    const std::string& Why() const { return m_why; }
    /** A fresh, empty database; its libpq connection string. */
    std::string NewDatabase();
    ~TestPostgres();

private:
    TestPostgres();
    std::string m_bin, m_dir, m_socket_dir;
    int m_port{0};
    bool m_running{false};
    int m_databases{0};
    std::string m_why;
};
