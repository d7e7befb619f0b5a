// A small HTTP/1.1 and WebSocket server for loopback services: the ops
// endpoints, the fake Telegram API and the mock exchange in tests. It
// guarantees that a handler never takes the server down (a throw becomes a
// 500), that every limit is stated (body size, connections, queued frames),
// and that stop() closes every socket and joins every thread it started.
//
// Handlers may block (long polling): they run on a pool of handler threads,
// not on the I/O threads, so a waiting handler never stalls other
// connections. Boost.Beast stays inside http_server.cpp.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace verity::net {

struct HttpRequest {
  std::string method;                          // "GET", "POST", ...
  std::string target;                          // as sent: path?query
  std::string path;                            // decoded path without the query
  std::map<std::string, std::string> query;    // decoded query parameters (last wins)
  std::map<std::string, std::string> headers;  // header names lower-cased
  std::string body;
  std::string remote;                          // "127.0.0.1:54321"
  /// True once the server is stopping: a long-polling handler should check
  /// it and return early, so stop() is prompt. Valid during the call.
  const std::atomic<bool>* stopping = nullptr;
  bool server_stopping() const { return stopping != nullptr && stopping->load(); }
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::map<std::string, std::string> headers;
  std::string body;
};

/// May block (long polling): runs on a server handler thread.
using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

/// The server side of one WebSocket. Thread-safe; the object outlives its
/// socket and the server safely: sends after close are dropped.
class WsConnection {
 public:
  virtual ~WsConnection() = default;
  virtual void send_text(std::string text) = 0;  // queued, in order
  virtual void close() = 0;                      // clean close frame, after the queued frames
  virtual void drop() = 0;                       // abrupt TCP close (fault injection)
  virtual bool open() const = 0;
  /// Text frames from the client go to `f`, on an I/O thread (it must not
  /// block). Set it inside the WsHandler: reading starts after it returns.
  virtual void on_message(std::function<void(std::string)> f) {}
  /// Frames queued but not yet written.
  virtual std::size_t queued() const { return 0; }
};

/// Called once per accepted socket, on a handler thread.
using WsHandler = std::function<void(std::shared_ptr<WsConnection>, const HttpRequest& upgrade)>;

struct Routes {
  void get(std::string path, HttpHandler h);  // exact path match
  void post(std::string path, HttpHandler h);
  void del(std::string path, HttpHandler h);
  void put(std::string path, HttpHandler h);
  void exact(std::string method, std::string path, HttpHandler h);
  void prefix(std::string method, std::string path_prefix, HttpHandler h);  // longest prefix wins, after exact
  void websocket(std::string path_prefix, WsHandler h);                     // longest prefix wins

  // (path, method) -> handler; ordered maps so lookups never depend on hashing.
  std::map<std::string, std::map<std::string, HttpHandler>> exact_;
  std::map<std::string, std::map<std::string, HttpHandler>> prefix_;
  std::map<std::string, WsHandler> websocket_;
};

struct ServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: the system picks one (see HttpServer::port)
  unsigned threads = 2;    // I/O threads
  std::size_t max_body = 1 << 20;
  /// Handler threads are made on demand up to this many; further requests
  /// wait in a queue of `max_queued_requests`, beyond which they get 503.
  unsigned max_handler_threads = 64;
  std::size_t max_queued_requests = 1024;
  /// Open sockets (HTTP and WebSocket); a connection beyond it is closed at once.
  std::size_t max_connections = 512;
  /// A keep-alive connection with no request for this long is closed.
  std::uint32_t idle_timeout_ms = 30'000;
  /// Frames queued to one WebSocket beyond this: the client is too slow, and
  /// the connection is dropped rather than let memory grow.
  std::size_t max_ws_queue = 65'536;
};

class HttpServer {
 public:
  /// Binds and listens; the error names address:port and the reason.
  static std::expected<std::unique_ptr<HttpServer>, std::string> start(ServerOptions options, Routes routes);
  std::uint16_t port() const;
  std::string base_url() const;  // "http://127.0.0.1:PORT"
  std::string ws_url() const;    // "ws://127.0.0.1:PORT"
  /// Closes listeners and connections, waits for running handlers (a long
  /// poll should watch HttpRequest::server_stopping), joins threads;
  /// idempotent; also in the destructor. Not from inside a handler: it
  /// waits for them.
  void stop();
  ~HttpServer();

  struct Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// "%XX" and (in queries) '+' decoded; a malformed escape stays as written.
std::string url_decode(std::string_view s, bool plus_is_space);
/// Splits "a=1&b=x%20y" into decoded pairs; the last of a repeated name wins.
std::map<std::string, std::string> parse_query(std::string_view query);

}  // namespace verity::net
