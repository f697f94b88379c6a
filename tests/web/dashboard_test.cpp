// Dashboard: public figures from the ledger, embedded assets, operator sign-in with rate limit, sessions and
// CSRF, ledger entries and audit verification from the operator view; and the HTTP server facing hostile
// requests over a real socket.
#include "custody/policy.h"
#include "json/json_value.h"
#include "util/strencodings.h"
#include "web/dashboard.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {
const int64_t NOW = *ParseDate("2026-03-01") + 3600;

class DashboardTest : public ::testing::Test
{
protected:
    fs::path dir = fs::temp_directory_path() / ("sov_dashboard_" + std::to_string(::getpid()));
    std::unique_ptr<Ledger> ledger;
    std::unique_ptr<CustodyEngine> custody;
    std::unique_ptr<Dashboard> dash;
    int64_t now = NOW;

    void SetUp() override
    {
        fs::remove_all(dir);
        fs::create_directories(dir);
        std::string error;
        ledger = Ledger::Open(dir / "ledger.sqlite", &error);
        ASSERT_TRUE(ledger) << error;
        custody = CustodyEngine::Open(dir / "custody.sqlite", &error);
        ASSERT_TRUE(custody) << error;
        CustodyPolicy p;
        p.signers = {{"a", "k1"}, {"b", "k2"}};
        p.threshold = 2;
        ASSERT_TRUE(custody->InitPolicy(p, "setup", NOW, &error));
        ASSERT_TRUE(ledger->ImportPricesCsv("2026-01-10,40000,USD\n2026-02-20,50000,USD\n", &error)) << error;
        LedgerEntry e;
        e.kind = EntryKind::PURCHASE;
        e.time = *ParseDate("2026-01-10");
        e.amount = 2 * COIN;
        e.fiat = 80'000'00;
        ASSERT_TRUE(ledger->AddEntry(e, &error)) << error;
        DashboardOptions o;
        o.institution = "National Bitcoin Office";
        o.descriptors = {"wsh(sortedmulti(2,tpubA/0/*,tpubB/0/*))#abcd"};
        o.operator_password = "correct horse";
        DashboardSources s;
        s.now = [this] { return now; };
        s.chain = [] {
            JsonValue c = JsonValue::Object();
            c.PushKV("name", "regtest");
            c.PushKV("height", 101);
            return c;
        };
        s.ledger = ledger.get();
        s.custody = custody.get();
        dash = std::make_unique<Dashboard>(o, s);
    }
    void TearDown() override
    {
        dash.reset();
        ledger.reset();
        custody.reset();
        fs::remove_all(dir);
    }
    WebResponse Call(const std::string& method, const std::string& path, const std::string& body = "",
                     std::map<std::string, std::string> headers = {})
    {
        WebRequest r;
        r.method = method;
        r.path = path;
        r.target = path;
        r.body = body;
        r.headers = std::move(headers);
        return dash->Handle(r);
    }
    /** Signs in; returns {cookie header, csrf}. */
    std::pair<std::string, std::string> Login()
    {
        WebResponse r = Call("POST", "/api/login", "{\"password\":\"correct horse\"}");
        EXPECT_EQ(r.status, 200) << r.body;
        std::string cookie;
        for (const auto& [k, v] : r.headers) {
            if (k == "Set-Cookie") cookie = v.substr(0, v.find(';'));
        }
        EXPECT_NE(cookie.find("sov_session="), std::string::npos);
        for (const auto& [k, v] : r.headers) {
            if (k == "Set-Cookie") {
                EXPECT_NE(v.find("HttpOnly"), std::string::npos);
                EXPECT_NE(v.find("SameSite=Strict"), std::string::npos);
            }
        }
        return {cookie, (*JsonValue::Parse(r.body))["csrf"].GetValStr()};
    }
};
}  // namespace

TEST_F(DashboardTest, PublicViewShowsLedgerFiguresAndAssets)
{
    WebResponse r = Call("GET", "/api/public");
    ASSERT_EQ(r.status, 200);
    auto j = JsonValue::Parse(r.body);
    ASSERT_TRUE(j) << r.body;
    EXPECT_EQ((*j)["institution"].GetValStr(), "National Bitcoin Office");
    EXPECT_EQ((*j)["chain"]["height"].GetValStr(), "101");
    const JsonValue& h = (*j)["holdings"];
    EXPECT_EQ(h["holdings_sat"].GetValStr(), std::to_string(2 * COIN));
    EXPECT_EQ(h["market_value"].GetValStr(), "10000000");  // 2 BTC at 50,000.00 USD
    EXPECT_EQ(h["unrealized"].GetValStr(), "2000000");     // minus 80,000.00 paid
    EXPECT_EQ(h["price_date"].GetValStr(), "2026-02-20");
    EXPECT_EQ((*j)["series"].size(), 2u);
    EXPECT_EQ((*j)["descriptors"][0].GetValStr(), "wsh(sortedmulti(2,tpubA/0/*,tpubB/0/*))#abcd");

    for (const char* path : {"/", "/operator", "/assets/public.js", "/assets/operator.js", "/assets/style.css",
                             "/assets/uPlot.iife.min.js", "/assets/uPlot.min.css"}) {
        WebResponse a = Call("GET", path);
        EXPECT_EQ(a.status, 200) << path;
        EXPECT_GT(a.body.size(), 100u) << path;
    }
    EXPECT_EQ(Call("GET", "/assets/../../etc/passwd").status, 404);
    EXPECT_EQ(Call("GET", "/nothing").status, 404);
    EXPECT_EQ(Call("DELETE", "/").status, 405);
}

TEST_F(DashboardTest, OperatorNeedsSessionAndCsrf)
{
    EXPECT_EQ(Call("GET", "/api/operator/overview").status, 401);
    EXPECT_EQ(Call("POST", "/api/login", "{\"password\":\"wrong\"}").status, 401);
    EXPECT_EQ(Call("POST", "/api/login", "not json").status, 400);
    auto [cookie, csrf] = Login();
    WebResponse o = Call("GET", "/api/operator/overview", "", {{"cookie", cookie}});
    ASSERT_EQ(o.status, 200) << o.body;
    auto j = JsonValue::Parse(o.body);
    EXPECT_EQ((*j)["policy"]["threshold"].GetValStr(), "2");
    EXPECT_EQ((*j)["ledger"].size(), 1u);
    EXPECT_EQ((*j)["audit"][0]["action"].GetValStr(), "policy.init");

    const std::string entry = "{\"kind\":\"purchase\",\"date\":\"2026-02-21\",\"amount_btc\":\"0.5\",\"fiat\":\"25000\","
                              "\"venue\":\"desk\",\"source\":\"budget\",\"txid\":\"\"}";
    // Without the CSRF header (what a cross-site form could send): refused.
    EXPECT_EQ(Call("POST", "/api/operator/ledger/add", entry, {{"cookie", cookie}}).status, 403);
    EXPECT_EQ(Call("POST", "/api/operator/ledger/add", entry, {{"cookie", cookie}, {"x-csrf-token", "00"}}).status, 403);
    WebResponse add = Call("POST", "/api/operator/ledger/add", entry, {{"cookie", cookie}, {"x-csrf-token", csrf}});
    ASSERT_EQ(add.status, 200) << add.body;
    EXPECT_EQ(ledger->Entries().size(), 2u);
    WebResponse bad = Call("POST", "/api/operator/ledger/add",
                           "{\"kind\":\"sale\",\"date\":\"2026-02-22\",\"amount_btc\":\"9\",\"fiat\":\"1\"}",
                           {{"cookie", cookie}, {"x-csrf-token", csrf}});
    EXPECT_EQ(bad.status, 422);
    EXPECT_NE(bad.body.find("exceeds holdings"), std::string::npos);

    // Exports: CSV, and the month's statement as HTML and PDF, as downloads; bad requests get reasons.
    auto export_call = [&](const std::string& query) {
        WebRequest r;
        r.method = "GET";
        r.path = "/api/operator/export";
        r.target = r.path + "?" + query;
        for (const std::string& kv : SplitString(query, '&')) r.query[kv.substr(0, kv.find('='))] = kv.substr(kv.find('=') + 1);
        r.headers = {{"cookie", cookie}};
        return dash->Handle(r);
    };
    WebResponse csv = export_call("format=entries.csv");
    EXPECT_EQ(csv.status, 200);
    EXPECT_NE(csv.body.find("desk"), std::string::npos);
    WebResponse pdf = export_call("format=statement.pdf&month=2026-02");
    ASSERT_EQ(pdf.status, 200) << pdf.body;
    EXPECT_EQ(pdf.content_type, "application/pdf");
    EXPECT_EQ(pdf.body.rfind("%PDF-1.4", 0), 0u);
    EXPECT_NE(pdf.body.find("(National Bitcoin Office)"), std::string::npos);
    EXPECT_EQ(pdf.headers.at(0).second, "attachment; filename=\"statement-2026-02.pdf\"");
    EXPECT_EQ(export_call("format=statement.html&month=2026-02").content_type, "text/html; charset=utf-8");
    EXPECT_EQ(export_call("format=statement.pdf&month=2026-13").status, 400);
    EXPECT_EQ(export_call("format=../../etc/passwd").status, 400);
    WebRequest anonymous;
    anonymous.method = "GET";
    anonymous.target = anonymous.path = "/api/operator/export";
    anonymous.query = {{"format", "entries.csv"}};
    EXPECT_EQ(dash->Handle(anonymous).status, 401);

    WebResponse v = Call("POST", "/api/operator/audit/verify", "{}", {{"cookie", cookie}, {"x-csrf-token", csrf}});
    ASSERT_EQ(v.status, 200);
    EXPECT_EQ((*JsonValue::Parse(v.body))["ok"].GetBool(), true);
    EXPECT_EQ((*JsonValue::Parse(v.body))["entries"].GetValStr(), "2");  // policy.init and ledger.add

    // Sessions expire; sign-out ends them.
    now += 9 * 3600;
    EXPECT_EQ(Call("GET", "/api/operator/overview", "", {{"cookie", cookie}}).status, 401);
    auto [cookie2, csrf2] = Login();
    EXPECT_EQ(Call("POST", "/api/logout", "{}", {{"cookie", cookie2}, {"x-csrf-token", csrf2}}).status, 200);
    EXPECT_EQ(Call("GET", "/api/operator/overview", "", {{"cookie", cookie2}}).status, 401);
}

TEST_F(DashboardTest, SignInIsRateLimited)
{
    for (int i = 0; i < 5; ++i) EXPECT_EQ(Call("POST", "/api/login", "{\"password\":\"guess\"}").status, 401);
    EXPECT_EQ(Call("POST", "/api/login", "{\"password\":\"correct horse\"}").status, 429);
    now += 61;
    EXPECT_EQ(Call("POST", "/api/login", "{\"password\":\"correct horse\"}").status, 200);
}

namespace {
/** Sends raw bytes to the server and returns what it answers (until close or 2 s). */
std::string RawExchange(uint16_t port, const std::string& bytes)
{
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return "connect failed";
    timeval tv{2, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    size_t sent = 0;
    while (sent < bytes.size()) {
        const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += static_cast<size_t>(n);
    }
    ::shutdown(fd, SHUT_WR);
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = ::recv(fd, buf, sizeof(buf), 0)) > 0) out.append(buf, static_cast<size_t>(n));
    ::close(fd);
    return out;
}
}  // namespace

TEST_F(DashboardTest, ServerAnswersHostileRequestsAndKeepsServing)
{
    WebServerOptions o;
    o.max_body_bytes = 1024;
    WebServer server(o, [this](const WebRequest& r) { return dash->Handle(r); });
    std::string error;
    ASSERT_TRUE(server.Start(error)) << error;
    const uint16_t port = server.Port();
    const std::string ok = RawExchange(port, "GET /api/public HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    EXPECT_NE(ok.find("200 OK"), std::string::npos) << ok;
    EXPECT_NE(ok.find("Content-Security-Policy"), std::string::npos);
    EXPECT_NE(ok.find("National Bitcoin Office"), std::string::npos);
    const std::string big = RawExchange(port, "POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" +
                                                  std::string(5000, 'a'));
    EXPECT_NE(big.find("413"), std::string::npos) << big;
    const std::string header_bomb = RawExchange(port, "GET / HTTP/1.1\r\nX: " + std::string(20000, 'b') + "\r\n\r\n");
    EXPECT_NE(header_bomb.find("431"), std::string::npos) << header_bomb.substr(0, 200);
    const std::string garbage = RawExchange(port, std::string("\x16\x03\x01\x02\x00garbage\r\n\r\n", 16));
    EXPECT_EQ(garbage.find("200 OK"), std::string::npos);
    EXPECT_NE(RawExchange(port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").find("200 OK"), std::string::npos);
    server.Stop();
}

TEST_F(DashboardTest, PoolPanelServesItsSourceOnlyWhenSet)
{
    // Without a pool (-stratum off) the panel's endpoint says so and the page hides the panel.
    WebResponse none = Call("GET", "/api/pool");
    EXPECT_EQ(none.status, 404);
    EXPECT_NE(none.body.find("-stratum"), std::string::npos);
    int calls = 0;
    dash->SetPoolSource([&calls] {
        ++calls;
        JsonValue j = JsonValue::Object();
        j.PushKV("accepted", 7);
        return j;
    });
    WebResponse r = Call("GET", "/api/pool");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ((*JsonValue::Parse(r.body))["accepted"].GetValStr(), "7");
    EXPECT_EQ(calls, 1);
    WebResponse js = Call("GET", "/assets/pool.js");
    EXPECT_EQ(js.status, 200);
    EXPECT_NE(js.body.find("/api/pool"), std::string::npos);
    EXPECT_NE(Call("GET", "/").body.find("pool-panel"), std::string::npos);
}
