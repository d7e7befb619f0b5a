#include "live/net/http_server.hpp"

#include "actors/runtime/ascii.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <array>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

namespace verity::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

// --- routes and URL helpers ----------------------------------------------------

void Routes::get(std::string path, HttpHandler h) { exact("GET", std::move(path), std::move(h)); }
void Routes::post(std::string path, HttpHandler h) { exact("POST", std::move(path), std::move(h)); }
void Routes::del(std::string path, HttpHandler h) { exact("DELETE", std::move(path), std::move(h)); }
void Routes::put(std::string path, HttpHandler h) { exact("PUT", std::move(path), std::move(h)); }
void Routes::exact(std::string method, std::string path, HttpHandler h) {
  exact_[std::move(path)][std::move(method)] = std::move(h);
}
void Routes::prefix(std::string method, std::string path_prefix, HttpHandler h) {
  prefix_[std::move(path_prefix)][std::move(method)] = std::move(h);
}
void Routes::websocket(std::string path_prefix, WsHandler h) { websocket_[std::move(path_prefix)] = std::move(h); }

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string url_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '%' && i + 2 < s.size()) {
      const int hi = hex_value(s[i + 1]);
      const int lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

std::map<std::string, std::string> parse_query(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    const std::string name = url_decode(pair.substr(0, eq), true);
    const std::string value = eq == std::string_view::npos ? std::string() : url_decode(pair.substr(eq + 1), true);
    out[name] = value;
  }
  return out;
}

namespace {

bool is_http_parse_error(const beast::error_code& ec) {
  return &ec.category() == &http::make_error_code(http::error::bad_method).category();
}

// --- handler threads -----------------------------------------------------------

/// Runs handlers off the I/O threads. Threads are made on demand, one per
/// job that finds no idle thread, up to `max_threads`; jobs beyond
/// `max_queue` are refused (the caller answers 503).
class HandlerPool {
 public:
  HandlerPool(unsigned max_threads, std::size_t max_queue)
      : max_threads_(max_threads == 0 ? 1 : max_threads), max_queue_(max_queue == 0 ? 1 : max_queue) {}
  ~HandlerPool() { stop_and_join(); }

  bool submit(std::function<void()> job) {
    std::lock_guard lock(mutex_);
    if (stopping_ || jobs_.size() >= max_queue_) return false;
    jobs_.push_back(std::move(job));
    // Every queued job needs an idle thread of its own: a long-polling job
    // must never sit behind another one.
    if (jobs_.size() > idle_ && threads_.size() < max_threads_) threads_.emplace_back([this] { loop(); });
    cv_.notify_one();
    return true;
  }

  /// Discards queued jobs, waits for running ones.
  void stop_and_join() {
    std::deque<std::function<void()>> discarded;
    {
      std::lock_guard lock(mutex_);
      if (joined_) return;
      stopping_ = true;
      discarded.swap(jobs_);
    }
    cv_.notify_all();
    discarded.clear();
    for (std::thread& t : threads_) t.join();  // threads_ no longer grows: submit refuses
    std::lock_guard lock(mutex_);
    joined_ = true;
  }

 private:
  void loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
      ++idle_;
      cv_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      --idle_;
      if (stopping_) return;
      std::function<void()> job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      job();
      job = nullptr;
      lock.lock();
    }
  }

  const unsigned max_threads_;
  const std::size_t max_queue_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> threads_;
  std::size_t idle_ = 0;
  bool stopping_ = false;
  bool joined_ = false;
};

class SessionBase {
 public:
  virtual ~SessionBase() = default;
  /// Closes the socket. Only called once the I/O threads have stopped.
  virtual void shutdown_now() = 0;
};

class WsSession;

/// What a WsConnection handed to user code holds: it may outlive the
/// session and the server, so every use goes through the mutex and checks
/// that the server still runs its I/O.
struct WsLink {
  std::mutex mutex;
  std::weak_ptr<WsSession> session;
  bool server_alive = true;
  std::atomic<bool> open{false};
  std::atomic<std::size_t> queued{0};
  std::function<void(std::string)> on_message;
};

}  // namespace

// --- the server ------------------------------------------------------------------

struct HttpServer::Impl {
  Impl(ServerOptions o, Routes r)
      : options(std::move(o)), routes(std::move(r)), acceptor(ioc), accept_retry(ioc),
        pool(options.max_handler_threads, options.max_queued_requests) {}

  ServerOptions options;
  Routes routes;
  asio::io_context ioc;  // first member: destroyed last, after everything that posts to it
  tcp::acceptor acceptor;
  asio::steady_timer accept_retry;
  std::vector<std::thread> io_threads;
  HandlerPool pool;
  std::atomic<bool> stopping{false};
  std::uint16_t port = 0;

  std::mutex sessions_mutex;
  std::map<std::uint64_t, std::weak_ptr<SessionBase>> sessions;
  std::vector<std::weak_ptr<WsLink>> links;
  std::uint64_t next_session = 0;

  std::mutex stop_mutex;
  bool stopped = false;

  /// Registers a session; false when the connection limit is reached.
  bool add_session(const std::shared_ptr<SessionBase>& s) {
    std::lock_guard lock(sessions_mutex);
    std::erase_if(sessions, [](const auto& kv) { return kv.second.expired(); });
    if (sessions.size() >= options.max_connections) return false;
    sessions.emplace(next_session++, s);
    return true;
  }
  void add_link(const std::shared_ptr<WsLink>& link) {
    std::lock_guard lock(sessions_mutex);
    std::erase_if(links, [](const auto& w) { return w.expired(); });
    links.push_back(link);
  }

  void do_accept();
  void stop();
};

namespace {

HttpRequest to_request(const http::request<http::string_body>& req, const std::string& remote,
                       const std::atomic<bool>* stopping) {
  HttpRequest r;
  r.method = std::string(req.method_string());
  r.target = std::string(req.target());
  const std::size_t q = r.target.find('?');
  r.path = url_decode(std::string_view(r.target).substr(0, q), false);
  if (q != std::string::npos) r.query = parse_query(std::string_view(r.target).substr(q + 1));
  for (const auto& field : req) r.headers[ascii_lower(std::string(field.name_string()))] = std::string(field.value());
  r.body = req.body();
  r.remote = remote;
  r.stopping = stopping;
  return r;
}

HttpResponse text_response(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

std::string remote_of(const tcp::socket& s) {
  beast::error_code ec;
  const auto ep = s.remote_endpoint(ec);
  if (ec) return "?";
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

// --- WebSocket sessions ----------------------------------------------------------

class WsSession : public SessionBase, public std::enable_shared_from_this<WsSession> {
 public:
  WsSession(HttpServer::Impl& server, tcp::socket socket, std::shared_ptr<WsLink> link)
      : server_(server), ws_(std::move(socket)), link_(std::move(link)) {}

  void accept(http::request<http::string_body> req, HttpRequest upgrade, WsHandler handler) {
    upgrade_req_ = std::move(req);
    upgrade_ = std::move(upgrade);
    handler_ = std::move(handler);
    beast::get_lowest_layer(ws_).expires_never();  // the websocket has its own timeouts
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "verity"); }));
    ws_.read_message_max(std::size_t{16} << 20);
    ws_.async_accept(upgrade_req_, beast::bind_front_handler(&WsSession::on_accept, shared_from_this()));
  }

  void shutdown_now() override {
    mark_closed();
    beast::error_code ec;
    beast::get_lowest_layer(ws_).socket().close(ec);
  }

  // The members below run on the session's strand.
  void enqueue(std::string text) {
    if (closed_ || closing_) return;
    if (queue_.size() >= server_.options.max_ws_queue) {
      drop_now();  // a client this slow would make memory grow without bound
      return;
    }
    queue_.push_back(std::move(text));
    link_->queued.store(queue_.size());
    if (!writing_) do_write();
  }
  void close_clean() {
    if (closed_ || closing_) return;
    closing_ = true;
    if (!writing_) do_close();
  }
  void drop_now() {
    if (closed_) return;
    mark_closed();
    beast::error_code ec;
    auto& socket = beast::get_lowest_layer(ws_).socket();
    socket.set_option(asio::socket_base::linger(true, 0), ec);  // RST: the peer sees an error, not a close
    socket.close(ec);
  }
  asio::any_io_executor executor() { return ws_.get_executor(); }

 private:
  void on_accept(beast::error_code ec) {
    if (ec) {
      mark_closed();
      return;
    }
    link_->open.store(true);
    auto self = shared_from_this();
    const bool queued = server_.pool.submit([self] {
      try {
        self->handler_(self->make_connection(), self->upgrade_);
      } catch (...) {
        // A throwing handler must not take the server down; the socket stays open.
      }
      asio::post(self->ws_.get_executor(), [self] { self->start_reading(); });
    });
    if (!queued) drop_now();
  }

  std::shared_ptr<WsConnection> make_connection();

  void start_reading() {
    {
      std::lock_guard lock(link_->mutex);
      on_message_ = link_->on_message;
    }
    do_read();
  }
  void do_read() {
    ws_.async_read(buffer_, beast::bind_front_handler(&WsSession::on_read, shared_from_this()));
  }
  void on_read(beast::error_code ec, std::size_t) {
    if (ec) {
      mark_closed();
      return;
    }
    if (ws_.got_text() && on_message_) {
      try {
        on_message_(beast::buffers_to_string(buffer_.data()));
      } catch (...) {
      }
    }
    buffer_.consume(buffer_.size());
    do_read();
  }
  void do_write() {
    writing_ = true;
    ws_.text(true);
    ws_.async_write(asio::buffer(queue_.front()), beast::bind_front_handler(&WsSession::on_write, shared_from_this()));
  }
  void on_write(beast::error_code ec, std::size_t) {
    writing_ = false;
    if (ec || closed_) {
      mark_closed();  // dropped or failed while this frame was on the wire
      return;
    }
    queue_.pop_front();
    link_->queued.store(queue_.size());
    if (!queue_.empty()) {
      do_write();
    } else if (closing_) {
      do_close();
    }
  }
  void do_close() {
    auto self = shared_from_this();
    ws_.async_close(websocket::close_code::normal, [self](beast::error_code) { self->mark_closed(); });
  }
  void mark_closed() {
    closed_ = true;
    // The front frame belongs to the write in flight until on_write runs.
    if (!writing_) queue_.clear();
    link_->queued.store(0);
    link_->open.store(false);
  }

  HttpServer::Impl& server_;
  websocket::stream<beast::tcp_stream> ws_;
  std::shared_ptr<WsLink> link_;
  http::request<http::string_body> upgrade_req_;
  HttpRequest upgrade_;
  WsHandler handler_;
  std::function<void(std::string)> on_message_;
  beast::flat_buffer buffer_;
  std::deque<std::string> queue_;
  bool writing_ = false;
  bool closing_ = false;
  bool closed_ = false;
};

class WsConnectionImpl final : public WsConnection {
 public:
  explicit WsConnectionImpl(std::shared_ptr<WsLink> link) : link_(std::move(link)) {}
  void send_text(std::string text) override {
    post([text = std::move(text)](WsSession& s) mutable { s.enqueue(std::move(text)); });
  }
  void close() override {
    post([](WsSession& s) { s.close_clean(); });
  }
  void drop() override {
    post([](WsSession& s) { s.drop_now(); });
  }
  bool open() const override { return link_->open.load(); }
  void on_message(std::function<void(std::string)> f) override {
    std::lock_guard lock(link_->mutex);
    link_->on_message = std::move(f);
  }
  std::size_t queued() const override { return link_->queued.load(); }

 private:
  template <class F>
  void post(F f) {
    std::lock_guard lock(link_->mutex);
    if (!link_->server_alive) return;
    auto session = link_->session.lock();
    if (!session) return;
    auto executor = session->executor();
    asio::post(executor, [session = std::move(session), f = std::move(f)]() mutable { f(*session); });
  }
  std::shared_ptr<WsLink> link_;
};

std::shared_ptr<WsConnection> WsSession::make_connection() { return std::make_shared<WsConnectionImpl>(link_); }

// --- HTTP sessions ---------------------------------------------------------------

class HttpSession : public SessionBase, public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(HttpServer::Impl& server, tcp::socket socket)
      : server_(server), remote_(remote_of(socket)), stream_(std::move(socket)) {}

  void start() {
    asio::dispatch(stream_.get_executor(), beast::bind_front_handler(&HttpSession::do_read, shared_from_this()));
  }
  void shutdown_now() override {
    beast::error_code ec;
    stream_.socket().close(ec);
  }

 private:
  void do_read() {
    parser_.emplace();
    parser_->body_limit(server_.options.max_body);
    parser_->header_limit(64 * 1024);
    stream_.expires_after(std::chrono::milliseconds(server_.options.idle_timeout_ms));
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream) return close();
    if (ec == http::error::body_limit) {
      return write(text_response(413, "request body exceeds " + std::to_string(server_.options.max_body) + " bytes\n"),
                   false);
    }
    if (ec == http::error::header_limit) return write(text_response(431, "request header too large\n"), false);
    if (ec && is_http_parse_error(ec)) return write(text_response(400, "malformed request: " + ec.message() + "\n"), false);
    if (ec) return close();

    const bool keep_alive = parser_->get().keep_alive();
    if (parser_->get().target().empty() || parser_->get().target()[0] != '/') {
      return write(text_response(400, "malformed request: the target must start with '/'\n"), false);
    }
    HttpRequest request = to_request(parser_->get(), remote_, &server_.stopping);
    if (websocket::is_upgrade(parser_->get())) return upgrade(std::move(request));

    HttpHandler handler;
    if (auto refusal = route(request, handler)) return write(std::move(*refusal), keep_alive);
    auto self = shared_from_this();
    const bool queued = server_.pool.submit([self, handler = std::move(handler), request = std::move(request), keep_alive] {
      HttpResponse response;
      try {
        response = handler(request);
      } catch (const std::exception& e) {
        response = text_response(500, std::string("handler failed: ") + e.what() + "\n");
      } catch (...) {
        response = text_response(500, "handler failed\n");
      }
      asio::post(self->stream_.get_executor(), [self, response = std::move(response), keep_alive]() mutable {
        self->write(std::move(response), keep_alive);
      });
    });
    if (!queued) write(text_response(503, "server busy\n"), false);
  }

  /// The handler for `request`, or the 404/405 response to send instead.
  std::optional<HttpResponse> route(const HttpRequest& request, HttpHandler& handler) const {
    const auto& routes = server_.routes;
    const std::map<std::string, HttpHandler>* methods = nullptr;
    if (auto it = routes.exact_.find(request.path); it != routes.exact_.end()) {
      methods = &it->second;
    } else {
      // Longest matching prefix: walk candidates from the longest.
      std::size_t best = 0;
      for (const auto& [prefix, by_method] : routes.prefix_) {
        if (request.path.starts_with(prefix) && (methods == nullptr || prefix.size() > best)) {
          methods = &by_method;
          best = prefix.size();
        }
      }
    }
    if (methods == nullptr) return text_response(404, "not found: " + request.path + "\n");
    auto it = methods->find(request.method);
    if (it == methods->end()) {
      HttpResponse r = text_response(405, "method " + request.method + " not allowed on " + request.path + "\n");
      std::string allow;
      for (const auto& [m, h] : *methods) allow += (allow.empty() ? "" : ", ") + m;
      r.headers["Allow"] = allow;
      return r;
    }
    handler = it->second;
    return std::nullopt;
  }

  void upgrade(HttpRequest request) {
    const WsHandler* handler = nullptr;
    std::size_t best = 0;
    for (const auto& [prefix, h] : server_.routes.websocket_) {
      if (request.path.starts_with(prefix) && (handler == nullptr || prefix.size() > best)) {
        handler = &h;
        best = prefix.size();
      }
    }
    if (handler == nullptr) return write(text_response(404, "no websocket at " + request.path + "\n"), false);
    auto link = std::make_shared<WsLink>();
    auto session = std::make_shared<WsSession>(server_, stream_.release_socket(), link);
    link->session = session;
    server_.add_link(link);
    if (!server_.add_session(session)) return;  // over the limit: the socket closes with the session
    session->accept(parser_->release(), std::move(request), *handler);
  }

  void write(HttpResponse response, bool keep_alive) {
    auto res = std::make_shared<http::response<http::string_body>>();
    res->version(11);
    res->result(static_cast<unsigned>(response.status));
    res->set(http::field::server, "verity");
    if (!response.content_type.empty()) res->set(http::field::content_type, response.content_type);
    for (const auto& [name, value] : response.headers) res->set(name, value);
    res->body() = std::move(response.body);
    res->keep_alive(keep_alive);
    res->prepare_payload();
    stream_.expires_after(std::chrono::milliseconds(server_.options.idle_timeout_ms));
    auto self = shared_from_this();
    http::async_write(stream_, *res, [self, res](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      if (res->need_eof()) return self->linger_close();
      self->do_read();
    });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
  }

  /// Half-closes and discards what the client still sends (say the rest of
  /// a refused body) until it closes, so the client reads our answer rather
  /// than a reset.
  void linger_close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(std::chrono::seconds(2));
    discard();
  }
  void discard() {
    auto self = shared_from_this();
    stream_.async_read_some(asio::buffer(discard_), [self](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      self->discard();
    });
  }

  HttpServer::Impl& server_;
  std::string remote_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::array<char, 4096> discard_{};
};

}  // namespace

void HttpServer::Impl::do_accept() {
  acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (!acceptor.is_open() || ec == asio::error::operation_aborted) return;
    if (ec) {
      // Out of descriptors and the like: try again shortly instead of spinning.
      accept_retry.expires_after(std::chrono::milliseconds(50));
      accept_retry.async_wait([this](beast::error_code wait_ec) {
        if (!wait_ec) do_accept();
      });
      return;
    }
    auto session = std::make_shared<HttpSession>(*this, std::move(socket));
    if (add_session(session)) session->start();  // else the socket closes with the session
    do_accept();
  });
}

void HttpServer::Impl::stop() {
  std::lock_guard guard(stop_mutex);
  if (stopped) return;
  stopped = true;
  stopping.store(true);
  ioc.stop();
  for (std::thread& t : io_threads) t.join();
  // No I/O thread runs now: closing sockets from here races with nothing.
  beast::error_code ec;
  acceptor.close(ec);
  std::vector<std::shared_ptr<SessionBase>> open_sessions;
  std::vector<std::shared_ptr<WsLink>> open_links;
  {
    std::lock_guard lock(sessions_mutex);
    for (auto& [id, weak] : sessions) {
      if (auto s = weak.lock()) open_sessions.push_back(std::move(s));
    }
    for (auto& weak : links) {
      if (auto l = weak.lock()) open_links.push_back(std::move(l));
    }
  }
  for (auto& link : open_links) {
    std::lock_guard lock(link->mutex);
    link->server_alive = false;
    link->open.store(false);
  }
  for (auto& s : open_sessions) s->shutdown_now();
  open_sessions.clear();
  // Running handlers finish; what they post lands in the stopped io_context
  // and is destroyed with it.
  pool.stop_and_join();
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::stop() {
  if (impl_) impl_->stop();
}

std::uint16_t HttpServer::port() const { return impl_->port; }

std::string HttpServer::base_url() const { return "http://" + impl_->options.address + ":" + std::to_string(impl_->port); }

std::string HttpServer::ws_url() const { return "ws://" + impl_->options.address + ":" + std::to_string(impl_->port); }

std::expected<std::unique_ptr<HttpServer>, std::string> HttpServer::start(ServerOptions options, Routes routes) {
  const std::string where = options.address + ":" + std::to_string(options.port);
  auto impl = std::make_unique<Impl>(std::move(options), std::move(routes));
  beast::error_code ec;
  const auto address = asio::ip::make_address(impl->options.address, ec);
  if (ec) return std::unexpected("cannot listen on " + where + ": not an IP address (" + ec.message() + ")");
  const tcp::endpoint endpoint(address, impl->options.port);
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return std::unexpected("cannot listen on " + where + ": " + ec.message());
  impl->port = impl->acceptor.local_endpoint(ec).port();
  if (ec) return std::unexpected("cannot listen on " + where + ": " + ec.message());
  impl->do_accept();
  const unsigned threads = impl->options.threads == 0 ? 1 : impl->options.threads;
  for (unsigned i = 0; i < threads; ++i) {
    impl->io_threads.emplace_back([ioc = &impl->ioc] {
      for (;;) {
        try {
          ioc->run();
          return;
        } catch (...) {
          // A throw escaping a completion handler must not end the I/O thread.
        }
      }
    });
  }
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

}  // namespace verity::net
