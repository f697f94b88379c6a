// A small HTTP/1.1 server for the node's web pages (transparency dashboard, later payments and regulator portals):
// loopback by default, one I/O thread, bounded connections, header and body sizes, idle timeouts, and a handler
// callback that turns a request into a response.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

struct WebRequest {
    std::string method;  // "GET", "POST", ...
    std::string target;  // path and query, as sent
    std::string path;    // target without the query
    std::map<std::string, std::string> query;
    std::map<std::string, std::string> headers;  // names lower-cased
    std::string body;
    std::string remote;  // peer address
    std::string Header(const std::string& lower_name) const
    {
        auto it = headers.find(lower_name);
        return it == headers.end() ? std::string() : it->second;
    }
    /** A cookie's value from the Cookie header ("" when absent). */
    std::string Cookie(const std::string& name) const;
};

struct WebResponse {
    int status{200};
    std::string content_type{"text/plain; charset=utf-8"};
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;

    static WebResponse Json(std::string body, int status = 200);
    static WebResponse Error(int status, const std::string& message);  // JSON {"error": message}
};

struct WebServerOptions {
    std::string bind{"127.0.0.1"};
    uint16_t port{0};  // 0: any free port
    size_t max_connections{64};
    size_t max_header_bytes{8192};
    size_t max_body_bytes{64 * 1024};
    int idle_timeout_seconds{30};
};

class WebServer
{
public:
    using Handler = std::function<WebResponse(const WebRequest&)>;
    WebServer(WebServerOptions options, Handler handler);
    ~WebServer();
    WebServer(const WebServer&) = delete;
    WebServer& operator=(const WebServer&) = delete;

    bool Start(std::string& error);
    void Stop();
    uint16_t Port() const;

    class Impl;

private:
    std::unique_ptr<Impl> m_impl;
};

/** Decodes %XX and '+' in a query component; malformed escapes are kept literally. */
std::string UrlDecode(std::string_view s);
