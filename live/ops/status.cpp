#include "live/ops/status.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>

namespace verity {

namespace {

using Json = nlohmann::ordered_json;

template <class T>
void keep_newest(std::vector<T>& v, std::size_t limit) {
  if (v.size() > limit) v.erase(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() - limit));
}

Json number(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

Json position_json(const LivePosition& p) {
  return Json{{"symbol", p.symbol},
              {"qty", number(p.qty)},
              {"avg_price", number(p.avg_price)},
              {"mark_price", number(p.mark_price)},
              {"unrealized_usd", number(p.unrealized_usd)}};
}

Json signal_json(const LiveSignal& s) {
  return Json{{"time_ns", s.time_ns}, {"symbol", s.symbol},         {"side", s.side},
              {"tier", s.tier},       {"decision", s.decision},     {"confidence", number(s.confidence)}};
}

Json ftmo_json(const LiveFtmo& f) {
  return Json{{"state", f.state},
              {"phase", f.phase},
              {"profit_pct", number(f.profit_pct)},
              {"target_pct", number(f.target_pct)},
              {"daily_loss_pct", number(f.daily_loss_pct)},
              {"daily_limit_pct", number(f.daily_limit_pct)},
              {"total_loss_pct", number(f.total_loss_pct)},
              {"max_loss_pct", number(f.max_loss_pct)},
              {"trading_days", f.trading_days},
              {"min_trading_days", f.min_trading_days}};
}

// --- reading back: each getter names the key it failed on -------------------

struct Reader {
  const Json& j;
  std::string path;
  std::string* error;

  const Json* find(const char* key) const {
    if (!error->empty()) return nullptr;
    auto it = j.find(key);
    return it == j.end() ? nullptr : &*it;
  }
  void fail(const char* key, const char* expected) const {
    if (error->empty()) *error = path + key + ": expected " + expected;
  }
  void get(const char* key, std::string& out) const {
    if (const Json* v = find(key)) {
      if (v->is_string()) out = v->get<std::string>();
      else fail(key, "a string");
    }
  }
  void get(const char* key, double& out) const {
    if (const Json* v = find(key)) {
      if (v->is_number()) out = v->get<double>();
      else if (v->is_null()) out = std::numeric_limits<double>::quiet_NaN();
      else fail(key, "a number");
    }
  }
  void get(const char* key, bool& out) const {
    if (const Json* v = find(key)) {
      if (v->is_boolean()) out = v->get<bool>();
      else fail(key, "true or false");
    }
  }
  void get(const char* key, std::int64_t& out) const {
    if (const Json* v = find(key)) {
      if (v->is_number_integer()) out = v->get<std::int64_t>();
      else fail(key, "an integer");
    }
  }
  void get(const char* key, int& out) const {
    std::int64_t wide = out;
    get(key, wide);
    out = static_cast<int>(wide);
  }
  void get(const char* key, std::uint64_t& out) const {
    if (const Json* v = find(key)) {
      if (v->is_number_unsigned()) out = v->get<std::uint64_t>();
      else fail(key, "a count (a non-negative integer)");
    }
  }
  Reader sub(const Json& child, const std::string& name) const { return Reader{child, path + name + ".", error}; }
};

void read_ftmo(const Reader& r, LiveFtmo& f) {
  r.get("state", f.state);
  r.get("phase", f.phase);
  r.get("profit_pct", f.profit_pct);
  r.get("target_pct", f.target_pct);
  r.get("daily_loss_pct", f.daily_loss_pct);
  r.get("daily_limit_pct", f.daily_limit_pct);
  r.get("total_loss_pct", f.total_loss_pct);
  r.get("max_loss_pct", f.max_loss_pct);
  r.get("trading_days", f.trading_days);
  r.get("min_trading_days", f.min_trading_days);
}

template <class T, class Fn>
void read_array(const Reader& r, const char* key, std::vector<T>& out, Fn read_one) {
  const Json* v = r.find(key);
  if (v == nullptr) return;
  if (!v->is_array()) return r.fail(key, "an array");
  out.clear();
  for (std::size_t i = 0; i < v->size() && r.error->empty(); ++i) {
    const Json& item = (*v)[i];
    const std::string name = std::string(key) + "[" + std::to_string(i) + "]";
    if (!item.is_object()) return r.fail(name.c_str(), "an object");
    T t;
    read_one(r.sub(item, name), t);
    out.push_back(std::move(t));
  }
}

template <class V>
void read_map(const Reader& r, const char* key, std::map<std::string, V>& out) {
  const Json* v = r.find(key);
  if (v == nullptr) return;
  if (!v->is_object()) return r.fail(key, "an object");
  out.clear();
  const Reader inner = r.sub(*v, key);
  for (const auto& [k, _] : v->items()) {
    V value{};
    inner.get(k.c_str(), value);
    out[k] = value;
  }
}

void read_curve(const Reader& r, std::vector<std::pair<std::int64_t, double>>& out) {
  const Json* v = r.find("equity_curve");
  if (v == nullptr) return;
  if (!v->is_array()) return r.fail("equity_curve", "an array of [time_ns, equity_usd]");
  out.clear();
  for (const Json& p : *v) {
    if (!p.is_array() || p.size() != 2 || !p[0].is_number_integer() || !(p[1].is_number() || p[1].is_null())) {
      return r.fail("equity_curve", "an array of [time_ns, equity_usd]");
    }
    out.emplace_back(p[0].get<std::int64_t>(),
                     p[1].is_null() ? std::numeric_limits<double>::quiet_NaN() : p[1].get<double>());
  }
}

}  // namespace

void StatusBoard::publish(LiveStatus s) {
  keep_newest(s.recent_signals, kMaxRecentSignals);
  keep_newest(s.equity_curve, kMaxEquityPoints);
  std::lock_guard lock(mutex_);
  status_ = std::move(s);
  ++generation_;
}

LiveStatus StatusBoard::read() const {
  std::lock_guard lock(mutex_);
  return status_;
}

std::uint64_t StatusBoard::generation() const {
  std::lock_guard lock(mutex_);
  return generation_;
}

double feed_staleness_s(const LiveStatus& s) {
  std::int64_t newest_ns = s.started_ns;
  bool any = false;
  for (const auto& [symbol, t] : s.last_bar_close_ns) {
    if (!any || t > newest_ns) newest_ns = t;
    any = true;
  }
  const std::int64_t age_ns = s.now_ns - newest_ns;
  return age_ns <= 0 ? 0.0 : static_cast<double>(age_ns) / 1e9;
}

std::string status_json(const LiveStatus& s) {
  Json j;
  j["mode"] = s.mode;
  j["session"] = s.session;
  j["started_ns"] = s.started_ns;
  j["now_ns"] = s.now_ns;
  j["bar_interval_ns"] = s.bar_interval_ns;
  j["last_bar_close_ns"] = Json::object();
  for (const auto& [k, v] : s.last_bar_close_ns) j["last_bar_close_ns"][k] = v;
  j["bars_by_symbol"] = Json::object();
  for (const auto& [k, v] : s.bars_by_symbol) j["bars_by_symbol"][k] = v;
  j["feed_connected"] = s.feed_connected;
  j["journal_ok"] = s.journal_ok;
  j["feed_staleness_s"] = number(feed_staleness_s(s));
  j["bars"] = s.bars;
  j["signals"] = s.signals;
  j["orders"] = s.orders;
  j["fills"] = s.fills;
  j["rejections"] = s.rejections;
  j["reconnects"] = s.reconnects;
  j["venue_errors"] = s.venue_errors;
  j["telegram_commands"] = s.telegram_commands;
  j["equity_usd"] = number(s.equity_usd);
  j["balance_usd"] = number(s.balance_usd);
  j["day_start_balance_usd"] = number(s.day_start_balance_usd);
  j["positions"] = Json::array();
  for (const auto& p : s.positions) j["positions"].push_back(position_json(p));
  j["ftmo"] = ftmo_json(s.ftmo);
  j["recent_signals"] = Json::array();
  for (const auto& sig : s.recent_signals) j["recent_signals"].push_back(signal_json(sig));
  j["equity_curve"] = Json::array();
  for (const auto& [t, eq] : s.equity_curve) j["equity_curve"].push_back(Json::array({t, number(eq)}));
  j["return_7d_pct"] = number(s.return_7d_pct);
  j["return_30d_pct"] = number(s.return_30d_pct);
  j["trades_7d"] = s.trades_7d;
  j["trades_30d"] = s.trades_30d;
  j["win_rate_7d_pct"] = number(s.win_rate_7d_pct);
  j["win_rate_30d_pct"] = number(s.win_rate_30d_pct);
  j["kill_switch"] = s.kill_switch;
  j["kill_switch_source"] = s.kill_switch_source;
  j["threshold"] = number(s.threshold);
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::expected<LiveStatus, std::string> parse_status_json(std::string_view text) {
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded()) return std::unexpected("status: not valid JSON");
  if (!j.is_object()) return std::unexpected("status: expected a JSON object");
  std::string error;
  const Reader r{j, "status.", &error};
  LiveStatus s;
  r.get("mode", s.mode);
  r.get("session", s.session);
  r.get("started_ns", s.started_ns);
  r.get("now_ns", s.now_ns);
  r.get("bar_interval_ns", s.bar_interval_ns);
  read_map(r, "last_bar_close_ns", s.last_bar_close_ns);
  read_map(r, "bars_by_symbol", s.bars_by_symbol);
  r.get("feed_connected", s.feed_connected);
  r.get("journal_ok", s.journal_ok);
  r.get("bars", s.bars);
  r.get("signals", s.signals);
  r.get("orders", s.orders);
  r.get("fills", s.fills);
  r.get("rejections", s.rejections);
  r.get("reconnects", s.reconnects);
  r.get("venue_errors", s.venue_errors);
  r.get("telegram_commands", s.telegram_commands);
  r.get("equity_usd", s.equity_usd);
  r.get("balance_usd", s.balance_usd);
  r.get("day_start_balance_usd", s.day_start_balance_usd);
  read_array(r, "positions", s.positions, [](const Reader& p, LivePosition& out) {
    p.get("symbol", out.symbol);
    p.get("qty", out.qty);
    p.get("avg_price", out.avg_price);
    p.get("mark_price", out.mark_price);
    p.get("unrealized_usd", out.unrealized_usd);
  });
  if (const Json* f = r.find("ftmo")) {
    if (f->is_object()) read_ftmo(r.sub(*f, "ftmo"), s.ftmo);
    else r.fail("ftmo", "an object");
  }
  read_array(r, "recent_signals", s.recent_signals, [](const Reader& p, LiveSignal& out) {
    p.get("time_ns", out.time_ns);
    p.get("symbol", out.symbol);
    p.get("side", out.side);
    p.get("tier", out.tier);
    p.get("decision", out.decision);
    p.get("confidence", out.confidence);
  });
  read_curve(r, s.equity_curve);
  r.get("return_7d_pct", s.return_7d_pct);
  r.get("return_30d_pct", s.return_30d_pct);
  r.get("trades_7d", s.trades_7d);
  r.get("trades_30d", s.trades_30d);
  r.get("win_rate_7d_pct", s.win_rate_7d_pct);
  r.get("win_rate_30d_pct", s.win_rate_30d_pct);
  r.get("kill_switch", s.kill_switch);
  r.get("kill_switch_source", s.kill_switch_source);
  r.get("threshold", s.threshold);
  if (!error.empty()) return std::unexpected(error);
  return s;
}

}  // namespace verity
