// A blocking WebSocket client (ws:// and wss://, the latter verified against
// the system's CAs with the host name checked) for the exchange streams.
// One connection per object, read from one I/O thread; close() may come from
// any thread and unblocks a read in progress. Pings from the server are
// answered; when the connection is idle for `ping_every`, the client pings,
// and a peer silent for twice that is dead. Boost.Beast stays in the .cpp.
#pragma once

#include <chrono>
#include <cstddef>
#include <expected>
#include <memory>
#include <string>

namespace verity::net {

struct WsClientOptions {
  std::chrono::milliseconds connect_timeout{5000};  // resolve + TCP + TLS + upgrade
  std::chrono::milliseconds ping_every{20000};
  std::size_t max_message_bytes = std::size_t{16} << 20;
};

class WsClient {
 public:
  /// Connects and upgrades. Errors name the URL without its query.
  static std::expected<std::unique_ptr<WsClient>, std::string> connect(const std::string& url, WsClientOptions o = {});

  /// The next message. A timeout is not an error: it is a Read with
  /// `timeout` set and the connection still usable (the pending read carries
  /// over to the next call). An error means the connection is finished
  /// (closed by either side, dropped, protocol error); every later read
  /// returns the same error.
  struct Read {
    std::string text;
    bool timeout = false;
  };
  std::expected<Read, std::string> read(std::chrono::milliseconds timeout);

  /// Sends a text frame (e.g. a SUBSCRIBE request); from the reading thread
  /// only, between reads.
  std::expected<void, std::string> send_text(const std::string& text, std::chrono::milliseconds timeout);

  /// Idempotent; callable from another thread to unblock read(). Sends a
  /// close frame and gives the peer a second to answer before the socket
  /// closes.
  void close();
  ~WsClient();

  struct Impl;

 private:
  explicit WsClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// Parts of a ws:// or wss:// URL.
struct WsUrl {
  bool tls = false;
  std::string host;  // without brackets for IPv6
  std::string port;  // "80"/"443" when absent
  std::string target = "/";
};
std::expected<WsUrl, std::string> parse_ws_url(const std::string& url);

}  // namespace verity::net
