#include "live/ops/health.hpp"

#include <nlohmann/json.hpp>

#include <cmath>

namespace verity {

HealthReport check_health(const LiveStatus& s, double staleness_limit_s) {
  HealthReport h;
  h.mode = s.mode;
  h.feed_connected = s.feed_connected;
  h.staleness_s = feed_staleness_s(s);
  h.limit_s = staleness_limit_s;
  h.feed_ok = s.feed_connected && h.staleness_s <= staleness_limit_s;
  h.journal_ok = s.journal_ok;
  h.ready = h.feed_ok && h.journal_ok;
  return h;
}

std::string health_json(const HealthReport& h) {
  using Json = nlohmann::ordered_json;
  auto number = [](double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); };
  Json j;
  j["live"] = true;
  j["ready"] = h.ready;
  j["checks"]["feed"] = Json{{"ok", h.feed_ok},
                             {"staleness_s", number(h.staleness_s)},
                             {"limit_s", number(h.limit_s)},
                             {"connected", h.feed_connected}};
  j["checks"]["journal"] = Json{{"ok", h.journal_ok}};
  j["mode"] = h.mode;
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace verity
