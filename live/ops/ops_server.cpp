#include "live/ops/ops_server.hpp"

#include "live/net/http_server.hpp"
#include "live/ops/dashboard.hpp"
#include "live/ops/health.hpp"

namespace verity {

namespace {

net::HttpResponse json_response(int status, std::string body) {
  net::HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.headers["Cache-Control"] = "no-store";
  r.body = std::move(body);
  return r;
}

}  // namespace

std::expected<std::unique_ptr<OpsServer>, std::string> OpsServer::start(const std::string& address,
                                                                         std::uint16_t port, const StatusBoard& board,
                                                                         const MetricsRegistry& metrics,
                                                                         double staleness_limit_s) {
  net::Routes routes;
  routes.get("/healthz", [&board, staleness_limit_s](const net::HttpRequest& req) {
    const HealthReport h = check_health(board.read(), staleness_limit_s);
    const auto probe = req.query.find("probe");
    const bool liveness = probe != req.query.end() && probe->second == "live";
    return json_response(liveness || h.ready ? 200 : 503, health_json(h));
  });
  routes.get("/metrics", [&metrics](const net::HttpRequest&) {
    net::HttpResponse r;
    r.content_type = std::string(kPrometheusContentType);
    r.body = metrics.render();
    return r;
  });
  routes.get("/api/status", [&board](const net::HttpRequest&) { return json_response(200, status_json(board.read())); });
  routes.get("/", [](const net::HttpRequest&) {
    net::HttpResponse r;
    r.content_type = "text/html; charset=utf-8";
    r.headers["Cache-Control"] = "no-store";
    // The page loads nothing from elsewhere; say so to the browser too.
    r.headers["Content-Security-Policy"] =
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:";
    r.body = dashboard_html();
    return r;
  });
  net::ServerOptions options;
  options.address = address;
  options.port = port;
  options.threads = 1;
  options.max_body = 64 * 1024;  // no endpoint takes a body
  auto server = net::HttpServer::start(options, std::move(routes));
  if (!server) return std::unexpected("ops server: " + server.error());
  return std::unique_ptr<OpsServer>(new OpsServer(std::move(*server)));
}

std::expected<std::unique_ptr<OpsServer>, std::string> OpsServer::start(const OpsServerOptions& options,
                                                                         const StatusBoard& board,
                                                                         const MetricsRegistry& metrics) {
  return start(options.address, options.port, board, metrics, options.staleness_limit_s);
}

OpsServer::OpsServer(std::unique_ptr<net::HttpServer> server) : server_(std::move(server)) {}

OpsServer::~OpsServer() { stop(); }

std::uint16_t OpsServer::port() const { return server_->port(); }

std::string OpsServer::base_url() const { return server_->base_url(); }

void OpsServer::stop() {
  if (server_) server_->stop();
}

}  // namespace verity
