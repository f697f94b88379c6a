// Fuzz target: requests to the transparency dashboard, as the web server hands them over (method, target, headers,
// body), signed in with a valid session and CSRF token or not. Every request gets an answer with a known status
// and never crashes; JSON answers parse. A real ledger (in a temporary directory) takes the entries that pass.
//
// Input: byte 0 bit 0 = send the session cookie, bit 1 = send the CSRF token; then "METHOD TARGET\n", header
// lines "name: value\n" up to an empty line, then the body.
#include "custody/policy.h"
#include "fuzz_check.h"
#include "json/json_value.h"
#include "ledger/ledger.h"
#include "web/dashboard.h"

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <set>
#include <string>

namespace {
struct Fixture {
    std::filesystem::path dir;
    std::unique_ptr<Ledger> ledger;
    std::unique_ptr<Dashboard> dashboard;
    std::string cookie, csrf;

    Fixture()
    {
        dir = std::filesystem::temp_directory_path() / ("sov-fuzz-dashboard-" + std::to_string(::getpid()));
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
        std::string error;
        ledger = Ledger::Open(dir / "ledger.sqlite", &error);
        FUZZ_CHECK(ledger);
        DashboardOptions opts;
        opts.operator_password = "pw";
        DashboardSources src;
        src.now = [] { return int64_t{1'790'000'000}; };
        src.chain = [] { return JsonValue::Object(); };
        src.ledger = ledger.get();
        src.proofs = [] { return std::map<std::string, std::string>{{"p", "{\"version\":1}"}}; };
        src.verify_proof = [](const std::string& text) {
            if (!JsonValue::Parse(text)) throw std::runtime_error("malformed");
            return JsonValue::Object();
        };
        dashboard = std::make_unique<Dashboard>(opts, src);
        WebRequest login;
        login.method = "POST";
        login.target = login.path = "/api/login";
        login.body = "{\"password\":\"pw\"}";
        const WebResponse r = dashboard->Handle(login);
        FUZZ_CHECK(r.status == 200);
        csrf = (*JsonValue::Parse(r.body))["csrf"].GetValStr();
        for (const auto& [name, value] : r.headers) {
            if (name == "Set-Cookie") cookie = value.substr(0, value.find(';'));
        }
        FUZZ_CHECK(!csrf.empty() && !cookie.empty());
    }
    ~Fixture() { std::filesystem::remove_all(dir); }
};

std::string_view NextLine(std::string_view& in)
{
    const size_t nl = in.find('\n');
    std::string_view line = in.substr(0, nl);
    in.remove_prefix(nl == std::string_view::npos ? in.size() : nl + 1);
    return line;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static Fixture fx;
    if (size == 0) return 0;
    const uint8_t flags = data[0];
    std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
    WebRequest req;
    const std::string_view first = NextLine(in);
    const size_t space = first.find(' ');
    req.method = std::string(first.substr(0, space));
    req.target = space == std::string_view::npos ? "/" : std::string(first.substr(space + 1));
    req.path = req.target.substr(0, req.target.find('?'));
    while (!in.empty()) {
        const std::string_view line = NextLine(in);
        if (line.empty()) break;
        const size_t colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        std::string name(line.substr(0, colon));
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        req.headers[name] = std::string(value);
    }
    req.body = std::string(in);
    if (flags & 1) req.headers["cookie"] = fx.cookie;
    if (flags & 2) req.headers["x-csrf-token"] = fx.csrf;
    req.remote = "127.0.0.1";

    const WebResponse r = fx.dashboard->Handle(req);
    static const std::set<int> KNOWN = {200, 400, 401, 403, 404, 405, 413, 422, 429};
    FUZZ_CHECK(KNOWN.count(r.status));
    if (r.content_type.rfind("application/json", 0) == 0) FUZZ_CHECK(JsonValue::Parse(r.body).has_value());
    return 0;
}
