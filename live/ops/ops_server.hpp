// The ops HTTP endpoints (docs/OPS.md), bound to loopback by default:
//   GET /healthz            readiness: 200 when ready, 503 when not
//   GET /healthz?probe=live liveness: always 200
//   GET /metrics            Prometheus text format 0.0.4
//   GET /api/status         the latest LiveStatus as JSON
//   GET /                   the dashboard page
// Handlers read copies of the board's snapshot and render the registry; they
// never touch graph state. Anything else is 404.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <memory>
#include <string>

#include "live/ops/prometheus.hpp"
#include "live/ops/status.hpp"

namespace verity {

namespace net {
class HttpServer;
}

struct OpsServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: any free port (see OpsServer::port)
  /// Newest bar older than this (or feed disconnected): not ready.
  double staleness_limit_s = 180;
};

class OpsServer {
 public:
  /// Binds and serves; `board` and `metrics` must outlive the server. The
  /// error names the address, port and reason.
  static std::expected<std::unique_ptr<OpsServer>, std::string> start(const std::string& address, std::uint16_t port,
                                                                      const StatusBoard& board,
                                                                      const MetricsRegistry& metrics,
                                                                      double staleness_limit_s);
  static std::expected<std::unique_ptr<OpsServer>, std::string> start(const OpsServerOptions& options,
                                                                      const StatusBoard& board,
                                                                      const MetricsRegistry& metrics);
  ~OpsServer();
  OpsServer(const OpsServer&) = delete;
  OpsServer& operator=(const OpsServer&) = delete;

  std::uint16_t port() const;
  std::string base_url() const;  // "http://127.0.0.1:PORT"
  /// Stops serving and joins the server's threads; idempotent.
  void stop();

 private:
  explicit OpsServer(std::unique_ptr<net::HttpServer> server);
  std::unique_ptr<net::HttpServer> server_;
};

}  // namespace verity
