// Any message survives a trip through envelope bytes unchanged: what an actor
// emits, sealed to bytes and decoded again (as a journal reader does), reads
// back field for field, and sealing the decoded envelope again gives the same
// bytes. Doubles are compared bit for bit, NaN payloads included, because the
// hash chain covers bits, not values.
#include <capnp/message.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <bit>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "actors/runtime/envelope.hpp"
#include "actors/runtime/journal_writer.hpp"
#include "actors/runtime/log.hpp"
#include "actors/runtime/memory_store.hpp"
#include "actors/runtime/session.hpp"
#include "schema/account.capnp.h"
#include "schema/control.capnp.h"
#include "schema/market.capnp.h"
#include "schema/order.capnp.h"
#include "schema/signal.capnp.h"

namespace verity {
namespace {

// ---- generators ----------------------------------------------------------

/// Ordinary doubles, any bit pattern (NaN payloads, denormals) and the
/// special values a price feed or a model can produce.
rc::Gen<double> any_double() {
  return rc::gen::oneOf(
      rc::gen::arbitrary<double>(),
      rc::gen::map(rc::gen::arbitrary<std::uint64_t>(), [](std::uint64_t b) { return std::bit_cast<double>(b); }),
      rc::gen::element(0.0, -0.0, std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
                       std::numeric_limits<double>::quiet_NaN(), std::bit_cast<double>(0x7FF0000000000001ULL),
                       std::bit_cast<double>(0xFFF8DEADBEEF0001ULL), std::numeric_limits<double>::denorm_min(),
                       std::numeric_limits<double>::max(), std::numeric_limits<double>::lowest()));
}

double gen_double() { return *any_double(); }
std::string gen_text() { return *rc::gen::string<std::string>(); }
template <class T>
T gen_int() {
  return *rc::gen::arbitrary<T>();
}
/// An enumerant in [0, count).
template <class E>
E gen_enum(std::uint16_t count) {
  return static_cast<E>(*rc::gen::inRange<std::uint16_t>(0, count));
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }
std::string text(capnp::Text::Reader t) { return std::string(t.begin(), t.size()); }
std::vector<std::uint8_t> bytes_of(capnp::Data::Reader d) { return {d.begin(), d.end()}; }

// ---- harness -------------------------------------------------------------

/// A fresh session on an in-memory journal, so every case starts at seq 1.
struct Harness {
  MemoryStore store;
  std::unique_ptr<JournalWriter> writer;
  std::unique_ptr<Session> session;
  std::uint64_t session_id;
  ActorId source, destination;
  std::int64_t time_ns;

  Harness() {
    session_id = gen_int<std::uint64_t>();
    source = gen_enum<ActorId>(10);
    destination = gen_enum<ActorId>(10);
    time_ns = gen_int<std::int64_t>();
    ManifestInfo m;
    m.session = session_id;
    auto w = JournalWriter::create(store, m, false);
    RC_ASSERT(w.has_value());
    writer = std::move(*w);
    session = std::make_unique<Session>(*writer, Logger::silent());
    session->begin_step(time_ns);
  }

  /// Emits the payload `fill` writes and returns the envelope decoded from
  /// its bytes, after checking the envelope's own fields and the re-seal.
  template <class T, class Fill>
  FramePtr round_trip(Fill&& fill) {
    const Msg<T> sent = session->emit<T>(source, destination, std::forward<Fill>(fill));
    const auto bytes = sent.frame->bytes();
    auto decoded = Frame::decode(bytes);
    RC_ASSERT(decoded.has_value());
    const FramePtr& f = *decoded;
    RC_ASSERT(std::equal(bytes.begin(), bytes.end(), f->bytes().begin(), f->bytes().end()));
    RC_ASSERT(f->envelope().getSession() == session_id);
    RC_ASSERT(f->seq() == 1u);
    RC_ASSERT(f->time_ns() == time_ns);
    RC_ASSERT(f->source() == source);
    RC_ASSERT(f->destination() == destination);
    RC_ASSERT(f->kind() == Payload<T>::kind);
    // Sealing what was read must reproduce the bytes: a replay that copies a
    // journaled message on must hash exactly as the original did.
    capnp::MallocMessageBuilder again;
    again.setRoot(f->envelope());
    auto words = seal(again);
    const auto resealed = as_bytes(words.asPtr());
    RC_ASSERT(std::equal(bytes.begin(), bytes.end(), resealed.begin(), resealed.end()));
    return f;
  }
};

// ---- properties ----------------------------------------------------------

RC_GTEST_PROP(EnvelopeRoundTrip, Bar, ()) {
  Harness h;
  const auto symbol = gen_text();
  const auto open_time = gen_int<std::int64_t>(), interval = gen_int<std::int64_t>();
  const double open = gen_double(), high = gen_double(), low = gen_double(), close = gen_double(),
               volume = gen_double();
  const bool synthetic = gen_int<bool>();
  auto f = h.round_trip<schema::Bar>([&](schema::Bar::Builder b) {
    b.setSymbol(symbol);
    b.setOpenTimeNs(open_time);
    b.setIntervalNs(interval);
    b.setOpen(open);
    b.setHigh(high);
    b.setLow(low);
    b.setClose(close);
    b.setVolume(volume);
    b.setSynthetic(synthetic);
  });
  auto r = Payload<schema::Bar>::get(f->envelope());
  RC_ASSERT(text(r.getSymbol()) == symbol);
  RC_ASSERT(r.getOpenTimeNs() == open_time);
  RC_ASSERT(r.getIntervalNs() == interval);
  RC_ASSERT(same_bits(r.getOpen(), open));
  RC_ASSERT(same_bits(r.getHigh(), high));
  RC_ASSERT(same_bits(r.getLow(), low));
  RC_ASSERT(same_bits(r.getClose(), close));
  RC_ASSERT(same_bits(r.getVolume(), volume));
  RC_ASSERT(r.getSynthetic() == synthetic);
}

RC_GTEST_PROP(EnvelopeRoundTrip, Signal, ()) {
  Harness h;
  const auto id = gen_int<std::uint64_t>();
  const auto symbol = gen_text(), strategy = gen_text();
  const auto time = gen_int<std::int64_t>();
  const auto direction = gen_enum<schema::Direction>(3);
  const auto tier = gen_enum<schema::Tier>(3);
  const double confidence = gen_double(), entry = gen_double(), take_profit = gen_double(), stop_loss = gen_double();
  auto f = h.round_trip<schema::Signal>([&](schema::Signal::Builder b) {
    b.setSignalId(id);
    b.setSymbol(symbol);
    b.setTimeNs(time);
    b.setStrategy(strategy);
    b.setDirection(direction);
    b.setConfidence(confidence);
    b.setTier(tier);
    b.setEntry(entry);
    b.setTakeProfit(take_profit);
    b.setStopLoss(stop_loss);
  });
  auto r = Payload<schema::Signal>::get(f->envelope());
  RC_ASSERT(r.getSignalId() == id);
  RC_ASSERT(text(r.getSymbol()) == symbol);
  RC_ASSERT(r.getTimeNs() == time);
  RC_ASSERT(text(r.getStrategy()) == strategy);
  RC_ASSERT(r.getDirection() == direction);
  RC_ASSERT(same_bits(r.getConfidence(), confidence));
  RC_ASSERT(r.getTier() == tier);
  RC_ASSERT(same_bits(r.getEntry(), entry));
  RC_ASSERT(same_bits(r.getTakeProfit(), take_profit));
  RC_ASSERT(same_bits(r.getStopLoss(), stop_loss));
}

RC_GTEST_PROP(EnvelopeRoundTrip, Order, ()) {
  Harness h;
  const auto order_id = gen_int<std::uint64_t>(), signal_id = gen_int<std::uint64_t>();
  const auto client_id = gen_text(), symbol = gen_text();
  const auto side = gen_enum<schema::Side>(2);
  const auto type = gen_enum<schema::OrderType>(3);
  const auto tif = gen_enum<schema::TimeInForce>(3);
  const double qty = gen_double(), limit = gen_double(), stop = gen_double(), take_profit = gen_double(),
               stop_loss = gen_double(), ref = gen_double();
  const bool reduce_only = gen_int<bool>();
  const auto time = gen_int<std::int64_t>();
  auto f = h.round_trip<schema::Order>([&](schema::Order::Builder b) {
    b.setOrderId(order_id);
    b.setClientOrderId(client_id);
    b.setSymbol(symbol);
    b.setSide(side);
    b.setType(type);
    b.setQty(qty);
    b.setLimitPrice(limit);
    b.setStopPrice(stop);
    b.setTakeProfit(take_profit);
    b.setStopLoss(stop_loss);
    b.setReduceOnly(reduce_only);
    b.setTimeInForce(tif);
    b.setTimeNs(time);
    b.setSignalId(signal_id);
    b.setRefPrice(ref);
  });
  auto r = Payload<schema::Order>::get(f->envelope());
  RC_ASSERT(r.getOrderId() == order_id);
  RC_ASSERT(text(r.getClientOrderId()) == client_id);
  RC_ASSERT(text(r.getSymbol()) == symbol);
  RC_ASSERT(r.getSide() == side);
  RC_ASSERT(r.getType() == type);
  RC_ASSERT(same_bits(r.getQty(), qty));
  RC_ASSERT(same_bits(r.getLimitPrice(), limit));
  RC_ASSERT(same_bits(r.getStopPrice(), stop));
  RC_ASSERT(same_bits(r.getTakeProfit(), take_profit));
  RC_ASSERT(same_bits(r.getStopLoss(), stop_loss));
  RC_ASSERT(r.getReduceOnly() == reduce_only);
  RC_ASSERT(r.getTimeInForce() == tif);
  RC_ASSERT(r.getTimeNs() == time);
  RC_ASSERT(r.getSignalId() == signal_id);
  RC_ASSERT(same_bits(r.getRefPrice(), ref));
}

RC_GTEST_PROP(EnvelopeRoundTrip, ExecutionReport, ()) {
  Harness h;
  const auto order_id = gen_int<std::uint64_t>(), exec_id = gen_int<std::uint64_t>();
  const auto symbol = gen_text(), detail = gen_text();
  const auto side = gen_enum<schema::Side>(2);
  const auto status = gen_enum<schema::OrderStatus>(6);
  const auto liquidity = gen_enum<schema::Liquidity>(2);
  // Any 16-bit value: enums are append-only, so a reader must carry an
  // enumerant from a newer writer through unchanged.
  const auto reject = static_cast<schema::RejectReason>(gen_int<std::uint16_t>());
  const auto time = gen_int<std::int64_t>();
  const double last_qty = gen_double(), last_price = gen_double(), cum_qty = gen_double(), leaves = gen_double(),
               fee = gen_double();
  auto f = h.round_trip<schema::ExecutionReport>([&](schema::ExecutionReport::Builder b) {
    b.setOrderId(order_id);
    b.setExecId(exec_id);
    b.setSymbol(symbol);
    b.setSide(side);
    b.setStatus(status);
    b.setTimeNs(time);
    b.setLastQty(last_qty);
    b.setLastPrice(last_price);
    b.setCumQty(cum_qty);
    b.setLeavesQty(leaves);
    b.setFeeUsd(fee);
    b.setLiquidity(liquidity);
    b.setRejectReason(reject);
    b.setDetail(detail);
  });
  auto r = Payload<schema::ExecutionReport>::get(f->envelope());
  RC_ASSERT(r.getOrderId() == order_id);
  RC_ASSERT(r.getExecId() == exec_id);
  RC_ASSERT(text(r.getSymbol()) == symbol);
  RC_ASSERT(r.getSide() == side);
  RC_ASSERT(r.getStatus() == status);
  RC_ASSERT(r.getTimeNs() == time);
  RC_ASSERT(same_bits(r.getLastQty(), last_qty));
  RC_ASSERT(same_bits(r.getLastPrice(), last_price));
  RC_ASSERT(same_bits(r.getCumQty(), cum_qty));
  RC_ASSERT(same_bits(r.getLeavesQty(), leaves));
  RC_ASSERT(same_bits(r.getFeeUsd(), fee));
  RC_ASSERT(r.getLiquidity() == liquidity);
  RC_ASSERT(r.getRejectReason() == reject);
  RC_ASSERT(text(r.getDetail()) == detail);
}

struct PositionValue {
  std::string symbol;
  double qty, avg_price, mark_price, unrealized, realized;
};

RC_GTEST_PROP(EnvelopeRoundTrip, AccountSnapshotWithPositions, ()) {
  Harness h;
  const auto time = gen_int<std::int64_t>();
  const double balance = gen_double(), equity = gen_double(), realized = gen_double(), unrealized = gen_double(),
               fees = gen_double();
  const auto trades = gen_int<std::uint64_t>();
  const auto count = *rc::gen::inRange<std::size_t>(0, 40);
  std::vector<PositionValue> positions;
  for (std::size_t i = 0; i < count; ++i) {
    positions.push_back({gen_text(), gen_double(), gen_double(), gen_double(), gen_double(), gen_double()});
  }
  auto f = h.round_trip<schema::AccountSnapshot>([&](schema::AccountSnapshot::Builder b) {
    b.setTimeNs(time);
    b.setBalanceUsd(balance);
    b.setEquityUsd(equity);
    b.setRealizedPnlUsd(realized);
    b.setUnrealizedPnlUsd(unrealized);
    b.setFeesUsd(fees);
    b.setTrades(trades);
    auto list = b.initPositions(static_cast<unsigned>(positions.size()));
    for (unsigned i = 0; i < positions.size(); ++i) {
      list[i].setSymbol(positions[i].symbol);
      list[i].setQty(positions[i].qty);
      list[i].setAvgPrice(positions[i].avg_price);
      list[i].setMarkPrice(positions[i].mark_price);
      list[i].setUnrealizedPnlUsd(positions[i].unrealized);
      list[i].setRealizedPnlUsd(positions[i].realized);
    }
  });
  auto r = Payload<schema::AccountSnapshot>::get(f->envelope());
  RC_ASSERT(r.getTimeNs() == time);
  RC_ASSERT(same_bits(r.getBalanceUsd(), balance));
  RC_ASSERT(same_bits(r.getEquityUsd(), equity));
  RC_ASSERT(same_bits(r.getRealizedPnlUsd(), realized));
  RC_ASSERT(same_bits(r.getUnrealizedPnlUsd(), unrealized));
  RC_ASSERT(same_bits(r.getFeesUsd(), fees));
  RC_ASSERT(r.getTrades() == trades);
  auto list = r.getPositions();
  RC_ASSERT(list.size() == positions.size());
  for (unsigned i = 0; i < positions.size(); ++i) {
    RC_ASSERT(text(list[i].getSymbol()) == positions[i].symbol);
    RC_ASSERT(same_bits(list[i].getQty(), positions[i].qty));
    RC_ASSERT(same_bits(list[i].getAvgPrice(), positions[i].avg_price));
    RC_ASSERT(same_bits(list[i].getMarkPrice(), positions[i].mark_price));
    RC_ASSERT(same_bits(list[i].getUnrealizedPnlUsd(), positions[i].unrealized));
    RC_ASSERT(same_bits(list[i].getRealizedPnlUsd(), positions[i].realized));
  }
}

RC_GTEST_PROP(EnvelopeRoundTrip, ControlCommand, ()) {
  Harness h;
  const auto time = gen_int<std::int64_t>();
  const auto source = gen_enum<schema::CommandSource>(5);
  const auto issuer = gen_text();
  const int which = *rc::gen::inRange(0, 3);
  const bool kill = gen_int<bool>();
  const double threshold = gen_double();
  auto f = h.round_trip<schema::ControlCommand>([&](schema::ControlCommand::Builder b) {
    b.setTimeNs(time);
    b.setSource(source);
    b.setIssuer(issuer);
    if (which == 0) b.getCommand().setKillSwitch(kill);
    if (which == 1) b.getCommand().setThreshold(threshold);
    if (which == 2) b.getCommand().setStatus();
  });
  auto r = Payload<schema::ControlCommand>::get(f->envelope());
  RC_ASSERT(r.getTimeNs() == time);
  RC_ASSERT(r.getSource() == source);
  RC_ASSERT(text(r.getIssuer()) == issuer);
  auto c = r.getCommand();
  if (which == 0) {
    RC_ASSERT(c.isKillSwitch());
    RC_ASSERT(c.getKillSwitch() == kill);
  } else if (which == 1) {
    RC_ASSERT(c.isThreshold());
    RC_ASSERT(same_bits(c.getThreshold(), threshold));
  } else {
    RC_ASSERT(c.isStatus());
  }
}

RC_GTEST_PROP(EnvelopeRoundTrip, FeatureVector, ()) {
  Harness h;
  const auto symbol = gen_text();
  const auto time = gen_int<std::int64_t>();
  const auto feature_set = gen_int<std::uint32_t>();
  const bool ready = gen_int<bool>();
  // Up to 1,500 values (12 KB): larger than the session's 8 KiB scratch
  // segment, so both the one-segment and the copy-to-one-segment seal run.
  const auto count = *rc::gen::inRange<std::size_t>(0, 1500);
  const auto values = *rc::gen::container<std::vector<double>>(count, any_double());
  auto f = h.round_trip<schema::FeatureVector>([&](schema::FeatureVector::Builder b) {
    b.setSymbol(symbol);
    b.setTimeNs(time);
    b.setFeatureSet(feature_set);
    b.setReady(ready);
    auto list = b.initValues(static_cast<unsigned>(values.size()));
    for (unsigned i = 0; i < values.size(); ++i) list.set(i, values[i]);
  });
  RC_CLASSIFY(values.size() > 1000, "larger than the scratch segment");
  auto r = Payload<schema::FeatureVector>::get(f->envelope());
  RC_ASSERT(text(r.getSymbol()) == symbol);
  RC_ASSERT(r.getTimeNs() == time);
  RC_ASSERT(r.getFeatureSet() == feature_set);
  RC_ASSERT(r.getReady() == ready);
  auto list = r.getValues();
  RC_ASSERT(list.size() == values.size());
  for (unsigned i = 0; i < values.size(); ++i) RC_ASSERT(same_bits(list[i], values[i]));
}

RC_GTEST_PROP(EnvelopeRoundTrip, ModelUpdate, ()) {
  Harness h;
  const auto time = gen_int<std::int64_t>();
  const auto model = gen_text(), from = gen_text(), to = gen_text(), reason = gen_text();
  const auto params_hash = *rc::gen::container<std::vector<std::uint8_t>>(16, rc::gen::arbitrary<std::uint8_t>());
  const auto delta_size = *rc::gen::inRange<std::size_t>(0, 20'000);
  const auto delta = *rc::gen::container<std::vector<std::uint8_t>>(delta_size, rc::gen::arbitrary<std::uint8_t>());
  auto f = h.round_trip<schema::ModelUpdate>([&](schema::ModelUpdate::Builder b) {
    b.setTimeNs(time);
    b.setModel(model);
    b.setFromVersion(from);
    b.setToVersion(to);
    b.setParamsHash(capnp::Data::Reader(params_hash.data(), params_hash.size()));
    b.setDelta(capnp::Data::Reader(delta.data(), delta.size()));
    b.setReason(reason);
  });
  auto r = Payload<schema::ModelUpdate>::get(f->envelope());
  RC_ASSERT(r.getTimeNs() == time);
  RC_ASSERT(text(r.getModel()) == model);
  RC_ASSERT(text(r.getFromVersion()) == from);
  RC_ASSERT(text(r.getToVersion()) == to);
  RC_ASSERT(bytes_of(r.getParamsHash()) == params_hash);
  RC_ASSERT(bytes_of(r.getDelta()) == delta);
  RC_ASSERT(text(r.getReason()) == reason);
}

RC_GTEST_PROP(EnvelopeRoundTrip, TimerTick, ()) {
  Harness h;
  const auto time = gen_int<std::int64_t>(), period = gen_int<std::int64_t>();
  const auto name = gen_text();
  auto f = h.round_trip<schema::TimerTick>([&](schema::TimerTick::Builder b) {
    b.setTimeNs(time);
    b.setName(name);
    b.setPeriodNs(period);
  });
  auto r = Payload<schema::TimerTick>::get(f->envelope());
  RC_ASSERT(r.getTimeNs() == time);
  RC_ASSERT(text(r.getName()) == name);
  RC_ASSERT(r.getPeriodNs() == period);
}

}  // namespace
}  // namespace verity
