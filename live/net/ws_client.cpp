#include "live/net/ws_client.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <mutex>
#include <type_traits>

#include "live/net/http_client.hpp"

namespace verity::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

std::expected<WsUrl, std::string> parse_ws_url(const std::string& url) {
  WsUrl out;
  std::string_view rest(url);
  if (rest.starts_with("wss://")) {
    out.tls = true;
    rest.remove_prefix(6);
  } else if (rest.starts_with("ws://")) {
    rest.remove_prefix(5);
  } else {
    return std::unexpected("not a WebSocket URL (expected ws:// or wss://): " + url_without_query(url));
  }
  const std::size_t slash = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    out.target = std::string(rest.substr(slash));
    if (out.target.front() == '?') out.target = "/" + out.target;
  }
  if (authority.empty()) return std::unexpected("WebSocket URL without a host: " + url_without_query(url));
  if (authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::unexpected("bad IPv6 host in " + url_without_query(url));
    out.host = std::string(authority.substr(1, close - 1));
    authority.remove_prefix(close + 1);
    if (authority.starts_with(":")) out.port = std::string(authority.substr(1));
  } else {
    const std::size_t colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) out.port = std::string(authority.substr(colon + 1));
  }
  if (out.port.empty()) out.port = out.tls ? "443" : "80";
  for (const char c : out.port) {
    if (c < '0' || c > '9') return std::unexpected("bad port in " + url_without_query(url));
  }
  return out;
}

struct WsClient::Impl {
  virtual ~Impl() = default;
  virtual std::expected<Read, std::string> read(std::chrono::milliseconds timeout) = 0;
  virtual std::expected<void, std::string> send_text(const std::string& text, std::chrono::milliseconds timeout) = 0;
  virtual void close() = 0;
};

namespace {

template <bool Tls>
class ClientImpl final : public WsClient::Impl {
  using Stream = std::conditional_t<Tls, websocket::stream<beast::ssl_stream<beast::tcp_stream>>,
                                    websocket::stream<beast::tcp_stream>>;

 public:
  ClientImpl() : ssl_(asio::ssl::context::tls_client), ws_(make_stream()), timer_(ioc_), close_timer_(ioc_) {}

  ~ClientImpl() override {
    close();
    std::lock_guard run(run_mutex_);
    ioc_.restart();
    // The close handshake is bounded by close_timer_ (1 s). What is still
    // pending after it (a read, Beast's ping timer) is destroyed unrun with ioc_.
    while (!close_finished_) ioc_.run_one();
    abort_socket();
  }

  std::expected<void, std::string> connect(const WsUrl& url, const std::string& shown, const WsClientOptions& o) {
    shown_ = shown;
    if constexpr (Tls) {
      ssl_.set_default_verify_paths();
      ssl_.set_verify_mode(asio::ssl::verify_peer);
    }
    websocket::stream_base::timeout t{};
    t.handshake_timeout = o.connect_timeout;
    t.idle_timeout = o.ping_every * 2;  // Beast pings after half of it; silence for all of it is a dead peer
    t.keep_alive_pings = true;
    ws_.set_option(t);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::request_type& req) { req.set(beast::http::field::user_agent, "verity"); }));
    ws_.read_message_max(o.max_message_bytes);

    tcp::resolver resolver(ioc_);
    asio::steady_timer deadline(ioc_);
    bool expired = false;
    bool done = false;
    bool deadline_done = false;
    beast::error_code result;
    std::string stage = "resolve";
    auto finish = [&](beast::error_code ec) {
      result = ec;
      done = true;
      deadline.cancel();
    };
    deadline.expires_after(o.connect_timeout);
    deadline.async_wait([&](beast::error_code ec) {
      deadline_done = true;
      if (ec) return;
      expired = true;
      resolver.cancel();
      beast::error_code ignored;
      beast::get_lowest_layer(ws_).socket().close(ignored);
    });
    auto upgrade = [&] {
      stage = "upgrade";
      const std::string host_header = url.host + ":" + url.port;
      ws_.async_handshake(host_header, url.target, [&](beast::error_code ec) { finish(ec); });
    };
    resolver.async_resolve(url.host, url.port, [&](beast::error_code ec, tcp::resolver::results_type results) {
      if (ec) return finish(ec);
      stage = "connect";
      beast::get_lowest_layer(ws_).async_connect(results, [&](beast::error_code ec2, const tcp::endpoint&) {
        if (ec2) return finish(ec2);
        if constexpr (Tls) {
          stage = "TLS handshake";
          if (!SSL_set_tlsext_host_name(ws_.next_layer().native_handle(), url.host.c_str())) {
            return finish(beast::error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category()));
          }
          ws_.next_layer().set_verify_callback(asio::ssl::host_name_verification(url.host));
          ws_.next_layer().async_handshake(asio::ssl::stream_base::client, [&](beast::error_code ec3) {
            if (ec3) return finish(ec3);
            upgrade();
          });
        } else {
          upgrade();
        }
      });
    });
    // Not ioc_.run(): once open, Beast keeps a ping timer pending, so the
    // context never runs out of work.
    while (!done || !deadline_done) ioc_.run_one();
    if (expired || result) failed_ = true;  // the destructor then only closes the socket
    if (expired) {
      return std::unexpected("WebSocket " + shown_ + ": timed out after " + std::to_string(o.connect_timeout.count()) +
                             " ms (" + stage + ")");
    }
    if (result) return std::unexpected("WebSocket " + shown_ + ": " + stage + " failed: " + result.message());
    return {};
  }

  std::expected<WsClient::Read, std::string> read(std::chrono::milliseconds timeout) override {
    std::lock_guard run(run_mutex_);
    ioc_.restart();
    if (failed_) {
      drain_ready();
      return std::unexpected(error_);
    }
    if (!read_pending_) {
      read_pending_ = true;
      read_done_ = false;
      ws_.async_read(buffer_, [this](beast::error_code ec, std::size_t) {
        read_done_ = true;
        read_ec_ = ec;
      });
    }
    if (!read_done_) run_until(read_done_, timeout);
    if (!read_done_) return WsClient::Read{{}, true};
    read_pending_ = false;
    if (read_ec_) {
      fail(read_ec_);
      return std::unexpected(error_);
    }
    WsClient::Read r;
    r.text = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    return r;
  }

  std::expected<void, std::string> send_text(const std::string& text, std::chrono::milliseconds timeout) override {
    std::lock_guard run(run_mutex_);
    ioc_.restart();
    if (failed_) return std::unexpected(error_);
    bool done = false;
    beast::error_code result;
    ws_.text(true);
    ws_.async_write(asio::buffer(text), [&](beast::error_code ec, std::size_t) {
      done = true;
      result = ec;
    });
    run_until(done, timeout);
    if (!done) {
      // A write cannot be abandoned halfway: the connection is finished.
      abort_socket();
      while (!done) ioc_.run_one();
      fail(beast::error::timeout);
      return std::unexpected(error_);
    }
    if (result) {
      fail(result);
      return std::unexpected(error_);
    }
    return {};
  }

  void close() override {
    if (closed_.exchange(true)) return;
    asio::post(ioc_, [this] { begin_close(); });
    std::unique_lock run(run_mutex_, std::try_to_lock);
    if (!run.owns_lock()) return;  // a read in progress runs the close and returns its error
    ioc_.restart();
    while (!close_finished_) ioc_.run_one();
  }

 private:
  Stream make_stream() {
    if constexpr (Tls) {
      return Stream(ioc_, ssl_);
    } else {
      return Stream(ioc_);
    }
  }

  /// Runs the I/O context until `flag` is set or `timeout` passes.
  void run_until(const bool& flag, std::chrono::milliseconds timeout) {
    bool fired = false;
    bool timer_done = false;
    timer_.expires_after(timeout);
    timer_.async_wait([&](beast::error_code ec) {
      timer_done = true;
      if (!ec) fired = true;
    });
    while (!flag && !fired) ioc_.run_one();
    timer_.cancel();
    while (!timer_done) ioc_.run_one();
  }

  /// Runs what is ready without blocking (a finished close, say).
  void drain_ready() { ioc_.poll(); }

  void begin_close() {
    if (failed_ && !read_pending_) {
      abort_socket();
      close_finished_ = true;
      return;
    }
    close_timer_.expires_after(std::chrono::seconds(1));
    close_timer_.async_wait([this](beast::error_code ec) {
      if (!ec) abort_socket();  // the peer did not answer the close frame in time
    });
    ws_.async_close(websocket::close_code::normal, [this](beast::error_code) {
      close_timer_.cancel();
      abort_socket();
      close_finished_ = true;
    });
  }

  void abort_socket() {
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

  void fail(beast::error_code ec) {
    if (failed_) return;
    failed_ = true;
    if (closed_.load()) {
      error_ = "WebSocket " + shown_ + ": closed";
    } else if (ec == websocket::error::closed) {
      const auto& reason = ws_.reason();
      error_ = "WebSocket " + shown_ + ": closed by the server (code " + std::to_string(reason.code) +
               (reason.reason.empty() ? std::string() : ", " + std::string(reason.reason.c_str())) + ")";
    } else if (ec == beast::error::timeout) {
      error_ = "WebSocket " + shown_ + ": timed out (no answer to pings)";
    } else {
      error_ = "WebSocket " + shown_ + ": " + ec.message();
    }
  }

  asio::io_context ioc_;
  asio::ssl::context ssl_;
  Stream ws_;
  asio::steady_timer timer_;
  asio::steady_timer close_timer_;
  beast::flat_buffer buffer_;
  std::string shown_;
  std::mutex run_mutex_;  // one thread runs ioc_ at a time
  std::atomic<bool> closed_{false};
  bool read_pending_ = false;
  bool read_done_ = false;
  beast::error_code read_ec_;
  bool failed_ = false;
  bool close_finished_ = false;  // the close begun by close() is over
  std::string error_;
};

}  // namespace

WsClient::WsClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

WsClient::~WsClient() = default;

std::expected<std::unique_ptr<WsClient>, std::string> WsClient::connect(const std::string& url, WsClientOptions o) {
  auto parsed = parse_ws_url(url);
  if (!parsed) return std::unexpected(parsed.error());
  const std::string shown = url_without_query(url);
  if (parsed->tls) {
    auto impl = std::make_unique<ClientImpl<true>>();
    if (auto ok = impl->connect(*parsed, shown, o); !ok) return std::unexpected(ok.error());
    return std::unique_ptr<WsClient>(new WsClient(std::move(impl)));
  }
  auto impl = std::make_unique<ClientImpl<false>>();
  if (auto ok = impl->connect(*parsed, shown, o); !ok) return std::unexpected(ok.error());
  return std::unique_ptr<WsClient>(new WsClient(std::move(impl)));
}

std::expected<WsClient::Read, std::string> WsClient::read(std::chrono::milliseconds timeout) {
  return impl_->read(timeout);
}

std::expected<void, std::string> WsClient::send_text(const std::string& text, std::chrono::milliseconds timeout) {
  return impl_->send_text(text, timeout);
}

void WsClient::close() { impl_->close(); }

}  // namespace verity::net
