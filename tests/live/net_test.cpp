// The HTTP/WebSocket toolkit against itself on 127.0.0.1: routing and error
// statuses, keep-alive, concurrent blocking handlers, client timeouts,
// WebSocket echo, drops and closes, and a prompt stop(). No timing
// assertions beyond generous deadlines: the machine may be loaded.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "actors/runtime/clock.hpp"
#include "live/net/http_client.hpp"
#include "live/net/http_server.hpp"
#include "live/net/ws_client.hpp"

namespace verity::net {
namespace {

using namespace std::chrono_literals;

/// Polls `condition` until it holds or `seconds` pass.
bool eventually(const std::function<bool()>& condition, double seconds = 10.0) {
  const Stopwatch watch;
  while (!condition()) {
    if (watch.elapsed_s() > seconds) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

std::unique_ptr<HttpServer> start_server(Routes routes, ServerOptions options = {}) {
  auto server = HttpServer::start(std::move(options), std::move(routes));
  if (!server) ADD_FAILURE() << server.error();
  return server ? std::move(*server) : nullptr;
}

HttpResult call(const std::string& method, const std::string& url, std::string body = {},
                std::chrono::milliseconds timeout = 10s) {
  HttpCall c;
  c.method = method;
  c.url = url;
  c.body = std::move(body);
  c.timeout = timeout;
  auto r = http_call(c);
  if (!r) ADD_FAILURE() << r.error();
  return r ? *r : HttpResult{};
}

/// A raw TCP exchange: sends `bytes`, reads until the peer closes or 5 s.
std::string raw_exchange(std::uint16_t port, const std::string& bytes) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return "connect failed";
  }
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  (void)!::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

Routes hello_routes() {
  Routes routes;
  routes.get("/hello", [](const HttpRequest& r) {
    HttpResponse res;
    res.body = "hello " + (r.query.contains("name") ? r.query.at("name") : std::string("?"));
    res.headers["X-Echo-Agent"] = r.headers.contains("x-agent") ? r.headers.at("x-agent") : "";
    return res;
  });
  routes.post("/echo", [](const HttpRequest& r) {
    HttpResponse res;
    res.content_type = "application/json";
    res.body = r.body;
    return res;
  });
  routes.prefix("GET", "/api/", [](const HttpRequest& r) { return HttpResponse{200, "text/plain", {}, "api:" + r.path}; });
  routes.prefix("GET", "/api/v2/", [](const HttpRequest& r) { return HttpResponse{200, "text/plain", {}, "v2:" + r.path}; });
  routes.get("/throw", [](const HttpRequest&) -> HttpResponse { throw std::runtime_error("boom"); });
  routes.get("/remote", [](const HttpRequest& r) { return HttpResponse{200, "text/plain", {}, r.remote}; });
  return routes;
}

TEST(NetServer, RoutesExactAndLongestPrefixWithDecodedQuery) {
  auto server = start_server(hello_routes());
  ASSERT_TRUE(server);
  HttpCall c;
  c.url = server->base_url() + "/hello?name=a%20b+c&name=last%26";
  c.headers = {{"X-Agent", "tester"}};
  auto r = http_call(c);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello last&");
  EXPECT_EQ(r->headers["x-echo-agent"], "tester");
  EXPECT_EQ(r->headers["content-type"], "text/plain; charset=utf-8");

  EXPECT_EQ(call("GET", server->base_url() + "/api/x").body, "api:/api/x");
  EXPECT_EQ(call("GET", server->base_url() + "/api/v2/y").body, "v2:/api/v2/y");
  const auto posted = call("POST", server->base_url() + "/echo", R"({"a":1})");
  EXPECT_EQ(posted.status, 200);
  EXPECT_EQ(posted.body, R"({"a":1})");
  EXPECT_EQ(posted.headers.at("content-type"), "application/json");
}

TEST(NetServer, UnknownPathIs404AndWrongMethodIs405) {
  auto server = start_server(hello_routes());
  ASSERT_TRUE(server);
  const auto missing = call("GET", server->base_url() + "/nothing");
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.body.find("/nothing"), std::string::npos);
  const auto wrong = call("DELETE", server->base_url() + "/hello");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.headers.at("allow"), "GET");
  EXPECT_EQ(call("POST", server->base_url() + "/api/x", "x").status, 405);
}

TEST(NetServer, BodyOverTheLimitIs413) {
  ServerOptions options;
  options.max_body = 1024;
  auto server = start_server(hello_routes(), options);
  ASSERT_TRUE(server);
  EXPECT_EQ(call("POST", server->base_url() + "/echo", std::string(1024, 'x')).status, 200);
  const auto big = call("POST", server->base_url() + "/echo", std::string(64 * 1024, 'x'));
  EXPECT_EQ(big.status, 413);
  // The server goes on serving.
  EXPECT_EQ(call("GET", server->base_url() + "/hello").status, 200);
}

TEST(NetServer, MalformedRequestIs400) {
  auto server = start_server(hello_routes());
  ASSERT_TRUE(server);
  const std::string reply = raw_exchange(server->port(), "THIS IS NOT HTTP\r\n\r\n");
  EXPECT_TRUE(reply.starts_with("HTTP/1.1 400")) << reply;
  const std::string bad_target = raw_exchange(server->port(), "GET nope HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(bad_target.starts_with("HTTP/1.1 400")) << bad_target;
  EXPECT_EQ(call("GET", server->base_url() + "/hello").status, 200);
}

TEST(NetServer, ThrowingHandlerIs500AndTheServerLives) {
  auto server = start_server(hello_routes());
  ASSERT_TRUE(server);
  for (int i = 0; i < 3; ++i) {
    const auto r = call("GET", server->base_url() + "/throw");
    EXPECT_EQ(r.status, 500);
    EXPECT_NE(r.body.find("boom"), std::string::npos);
  }
  EXPECT_EQ(call("GET", server->base_url() + "/hello").status, 200);
}

TEST(NetServer, KeepAliveServesSeveralRequestsOnOneConnection) {
  auto server = start_server(hello_routes());
  ASSERT_TRUE(server);
  // Two pipelined requests on one socket, then a third that asks to close.
  const std::string reply = raw_exchange(server->port(),
                                         "GET /hello?name=1 HTTP/1.1\r\nHost: x\r\n\r\n"
                                         "GET /hello?name=2 HTTP/1.1\r\nHost: x\r\n\r\n"
                                         "GET /hello?name=3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(reply.find("hello 1"), std::string::npos) << reply;
  EXPECT_NE(reply.find("hello 2"), std::string::npos) << reply;
  EXPECT_NE(reply.find("hello 3"), std::string::npos) << reply;
  // The client reuses its connection too: the server sees the same remote port.
  const auto first = call("GET", server->base_url() + "/remote").body;
  const auto second = call("GET", server->base_url() + "/remote").body;
  EXPECT_EQ(first, second);
}

TEST(NetServer, BlockingHandlersRunConcurrently) {
  // Four long polls that each wait until all four are inside: with handlers
  // on the I/O thread this would never finish.
  std::mutex m;
  std::condition_variable cv;
  int inside = 0;
  Routes routes;
  routes.get("/poll", [&](const HttpRequest&) {
    std::unique_lock lock(m);
    ++inside;
    cv.notify_all();
    const bool all = cv.wait_for(lock, 10s, [&] { return inside >= 4; });
    return HttpResponse{all ? 200 : 504, "text/plain", {}, all ? "all" : "alone"};
  });
  ServerOptions options;
  options.threads = 1;
  auto server = start_server(std::move(routes), options);
  ASSERT_TRUE(server);
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int i = 0; i < 4; ++i) {
    clients.emplace_back([&] {
      if (call("GET", server->base_url() + "/poll", {}, 20s).status == 200) ++ok;
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok.load(), 4);
}

TEST(NetClient, TimeoutIsAnErrorThatHidesTheQuery) {
  std::atomic<bool> release{false};
  Routes routes;
  routes.get("/slow", [&](const HttpRequest& r) {
    while (!release.load() && !r.server_stopping()) std::this_thread::sleep_for(5ms);
    return HttpResponse{};
  });
  auto server = start_server(std::move(routes));
  ASSERT_TRUE(server);
  HttpCall c;
  c.url = server->base_url() + "/slow?signature=SECRETSIG";
  c.timeout = 200ms;
  auto r = http_call(c);
  release = true;
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find(server->base_url() + "/slow"), std::string::npos) << r.error();
  EXPECT_EQ(r.error().find("SECRETSIG"), std::string::npos) << r.error();
}

TEST(NetClient, RefusedConnectionIsAnError) {
  std::uint16_t port = 0;
  {
    auto server = start_server(hello_routes());
    ASSERT_TRUE(server);
    port = server->port();
  }
  HttpCall c;
  c.url = "http://127.0.0.1:" + std::to_string(port) + "/hello?key=abc";
  c.connect_timeout = 2s;
  auto r = http_call(c);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().find("key=abc"), std::string::npos);
}

TEST(NetServer, BindErrorNamesAddressAndPort) {
  auto first = start_server(hello_routes());
  ASSERT_TRUE(first);
  ServerOptions options;
  options.port = first->port();
  auto second = HttpServer::start(options, hello_routes());
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().find("127.0.0.1:" + std::to_string(first->port())), std::string::npos) << second.error();
}

TEST(NetUrl, EncodeDecodeRoundTrip) {
  EXPECT_EQ(url_encode("a b&c=d/é~"), "a%20b%26c%3Dd%2F%C3%A9~");
  EXPECT_EQ(url_decode(url_encode("a b&c=d/é~"), false), "a b&c=d/é~");
  EXPECT_EQ(url_decode("100%", true), "100%");
  EXPECT_EQ(parse_query("a=1&b=&c&a=2").at("a"), "2");
  EXPECT_EQ(url_without_query("https://h/p?signature=x#f"), "https://h/p");
  auto u = parse_ws_url("wss://stream.binance.com:9443/stream?streams=a/b");
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->host, "stream.binance.com");
  EXPECT_EQ(u->port, "9443");
  EXPECT_EQ(u->target, "/stream?streams=a/b");
  EXPECT_FALSE(parse_ws_url("http://x/"));
}

// --- WebSocket ---------------------------------------------------------------------

/// A server whose /ws echoes text frames and greets each client; the
/// connections are kept for the test to act on.
struct EchoServer {
  std::mutex m;
  std::vector<std::shared_ptr<WsConnection>> connections;
  std::unique_ptr<HttpServer> server;

  EchoServer() {
    Routes routes;
    routes.websocket("/ws", [this](std::shared_ptr<WsConnection> c, const HttpRequest& upgrade) {
      std::weak_ptr<WsConnection> weak = c;
      c->on_message([weak](std::string text) {
        if (auto conn = weak.lock()) conn->send_text("echo:" + text);
      });
      c->send_text("hello " + upgrade.path);
      std::lock_guard lock(m);
      connections.push_back(std::move(c));
    });
    routes.get("/plain", [](const HttpRequest&) { return HttpResponse{}; });
    server = start_server(std::move(routes));
  }
  std::size_t count() {
    std::lock_guard lock(m);
    return connections.size();
  }
  std::shared_ptr<WsConnection> connection(std::size_t i) {
    std::lock_guard lock(m);
    return connections.at(i);
  }
};

std::string read_text(WsClient& client) {
  auto r = client.read(10s);
  if (!r) return "error: " + r.error();
  if (r->timeout) return "timeout";
  return r->text;
}

TEST(NetWebSocket, EchoThroughWsClient) {
  EchoServer echo;
  ASSERT_TRUE(echo.server);
  auto client = WsClient::connect(echo.server->ws_url() + "/ws/room?x=1");
  ASSERT_TRUE(client) << client.error();
  EXPECT_EQ(read_text(**client), "hello /ws/room");
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE((*client)->send_text("m" + std::to_string(i), 5s));
  }
  for (int i = 0; i < 5; ++i) EXPECT_EQ(read_text(**client), "echo:m" + std::to_string(i));
  // Server-pushed frames keep their order.
  ASSERT_TRUE(eventually([&] { return echo.count() == 1; }));
  for (int i = 0; i < 100; ++i) echo.connection(0)->send_text(std::to_string(i));
  for (int i = 0; i < 100; ++i) ASSERT_EQ(read_text(**client), std::to_string(i));
}

TEST(NetWebSocket, ReadTimeoutKeepsTheConnection) {
  EchoServer echo;
  ASSERT_TRUE(echo.server);
  auto client = WsClient::connect(echo.server->ws_url() + "/ws");
  ASSERT_TRUE(client) << client.error();
  EXPECT_EQ(read_text(**client), "hello /ws");
  auto quiet = (*client)->read(50ms);
  ASSERT_TRUE(quiet) << quiet.error();
  EXPECT_TRUE(quiet->timeout);
  ASSERT_TRUE(eventually([&] { return echo.count() == 1; }));
  echo.connection(0)->send_text("later");
  EXPECT_EQ(read_text(**client), "later");
}

TEST(NetWebSocket, ServerDropIsAClientError) {
  EchoServer echo;
  ASSERT_TRUE(echo.server);
  auto client = WsClient::connect(echo.server->ws_url() + "/ws");
  ASSERT_TRUE(client) << client.error();
  EXPECT_EQ(read_text(**client), "hello /ws");
  ASSERT_TRUE(eventually([&] { return echo.count() == 1; }));
  echo.connection(0)->drop();
  auto r = (*client)->read(10s);
  ASSERT_FALSE(r) << "expected an error, got " << (r->timeout ? "a timeout" : r->text);
  EXPECT_FALSE((*client)->read(10ms));  // stays failed
  EXPECT_TRUE(eventually([&] { return !echo.connection(0)->open(); }));
}

TEST(NetWebSocket, ServerCloseIsACleanClose) {
  EchoServer echo;
  ASSERT_TRUE(echo.server);
  auto client = WsClient::connect(echo.server->ws_url() + "/ws");
  ASSERT_TRUE(client) << client.error();
  ASSERT_TRUE(eventually([&] { return echo.count() == 1; }));
  echo.connection(0)->send_text("last");
  echo.connection(0)->close();
  EXPECT_EQ(read_text(**client), "hello /ws");
  EXPECT_EQ(read_text(**client), "last");  // queued frames go out before the close frame
  auto r = (*client)->read(10s);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("closed by the server"), std::string::npos) << r.error();
}

TEST(NetWebSocket, CloseFromAnotherThreadUnblocksRead) {
  EchoServer echo;
  ASSERT_TRUE(echo.server);
  auto client = WsClient::connect(echo.server->ws_url() + "/ws");
  ASSERT_TRUE(client) << client.error();
  EXPECT_EQ(read_text(**client), "hello /ws");
  std::thread closer([&] {
    std::this_thread::sleep_for(100ms);
    (*client)->close();
  });
  const Stopwatch watch;
  auto r = (*client)->read(30s);
  closer.join();
  EXPECT_FALSE(r);
  EXPECT_LT(watch.elapsed_s(), 20.0);
  (*client)->close();  // idempotent
}

TEST(NetWebSocket, UnknownWebSocketPathIsRefused) {
  EchoServer echo;
  ASSERT_TRUE(echo.server);
  auto client = WsClient::connect(echo.server->ws_url() + "/elsewhere");
  EXPECT_FALSE(client);
  auto none = WsClient::connect("ws://127.0.0.1:1/ws", WsClientOptions{2s, 20s});
  EXPECT_FALSE(none);
}

TEST(NetWebSocket, ConnectionOutlivesTheServer) {
  std::shared_ptr<WsConnection> kept;
  {
    EchoServer echo;
    ASSERT_TRUE(echo.server);
    auto client = WsClient::connect(echo.server->ws_url() + "/ws");
    ASSERT_TRUE(client) << client.error();
    ASSERT_TRUE(eventually([&] { return echo.count() == 1; }));
    kept = echo.connection(0);
    echo.server->stop();
    EXPECT_FALSE(kept->open());
  }
  kept->send_text("into the void");  // dropped, no crash
  kept->close();
  kept->drop();
  EXPECT_FALSE(kept->open());
}

TEST(NetServer, StopWithOpenConnectionsIsPrompt) {
  EchoServer echo;
  ASSERT_TRUE(echo.server);
  auto client = WsClient::connect(echo.server->ws_url() + "/ws");
  ASSERT_TRUE(client) << client.error();
  // An idle keep-alive HTTP connection too.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(echo.server->port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_TRUE(eventually([&] { return echo.count() == 1; }));
  const Stopwatch watch;
  echo.server->stop();
  echo.server->stop();  // idempotent
  EXPECT_LT(watch.elapsed_s(), 5.0);
  // The greeting may still be buffered; after it, the closed socket.
  auto r = (*client)->read(10s);
  if (r && !r->timeout && r->text == "hello /ws") r = (*client)->read(10s);
  EXPECT_FALSE(r);
  ::close(fd);
}

TEST(NetServer, StopWakesLongPollsThatWatchTheFlag) {
  std::atomic<bool> inside{false};
  Routes routes;
  routes.get("/poll", [&](const HttpRequest& r) {
    inside = true;
    while (!r.server_stopping()) std::this_thread::sleep_for(5ms);
    return HttpResponse{};
  });
  auto server = start_server(std::move(routes));
  ASSERT_TRUE(server);
  std::thread client([&] {
    HttpCall c;
    c.url = server->base_url() + "/poll";
    c.timeout = 20s;
    (void)http_call(c);
  });
  ASSERT_TRUE(eventually([&] { return inside.load(); }));
  const Stopwatch watch;
  server->stop();
  EXPECT_LT(watch.elapsed_s(), 5.0);
  client.join();
}

}  // namespace
}  // namespace verity::net
