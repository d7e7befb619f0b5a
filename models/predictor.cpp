#include "models/predictor.hpp"

#include <cmath>

#include "actors/features/indicators.hpp"
#include "actors/runtime/state_archive.hpp"
#include "models/dataset.hpp"

namespace verity {

namespace {
constexpr std::int64_t kMinuteNs = 60'000'000'000;
}

std::expected<ModelRunner, std::string> ModelRunner::make(const ModelFile& file, CalibrationKind calibration) {
  auto net = NativeNet::make(file.shape, file.tensors);
  if (!net) return std::unexpected("model " + file.name + "@" + file.version + ": " + net.error());
  ModelRunner r;
  r.file_ = &file;
  r.net_ = std::move(*net);
  r.calibration_ = calibration;
  for (const auto& name : file.features) {
    auto index = feature_index(name);
    if (!index)
      return std::unexpected("model " + file.name + "@" + file.version + " reads feature '" + name +
                             "', which feature set 2 does not have");
    r.columns_.push_back(*index);
  }
  return r;
}

void ModelRunner::push(const std::string& symbol, std::int64_t close_time_ns, std::span<const double> values) {
  Window& w = windows_[symbol];
  raw_.resize(columns_.size());
  bool warm = true;
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    raw_[i] = values[columns_[i]];
    if (std::isnan(raw_[i])) warm = false;
  }
  const bool contiguous = w.last_close_ns != 0 && close_time_ns - w.last_close_ns == kMinuteNs;
  w.last_close_ns = close_time_ns;
  if (!warm || !contiguous) w.rows.clear();
  if (!warm) return;
  std::vector<float> row(columns_.size());
  normalize_row(file_->normalizer, raw_, row);
  w.rows.push_back(std::move(row));
  if (w.rows.size() > file_->shape.window) w.rows.pop_front();
}

std::optional<ModelOutput> ModelRunner::score(const std::string& symbol) {
  auto it = windows_.find(symbol);
  if (it == windows_.end() || it->second.rows.size() < file_->shape.window) return std::nullopt;
  scratch_.clear();
  for (const auto& r : it->second.rows) scratch_.insert(scratch_.end(), r.begin(), r.end());
  ModelOutput out;
  const float logit = net_.forward(scratch_, out.embedding);
  out.raw_p_up = det_sigmoidf(logit);
  out.p_up = calibrate(file_->calibration, calibration_, out.raw_p_up);
  return out;
}

void ModelRunner::set_head(std::span<const float> weight, float bias) { net_.set_head(weight, bias); }

void ModelRunner::save(StateWriter& w) const {
  w.put(static_cast<std::uint64_t>(windows_.size()));
  for (const auto& [symbol, win] : windows_) {
    w.put_all(symbol, win.last_close_ns);
    w.put(win.rows);
  }
  w.put_all(std::vector<float>(net_.head_weight().begin(), net_.head_weight().end()), net_.head_bias());
}

void ModelRunner::load(StateReader& r) {
  std::uint64_t n = 0;
  r.get(n);
  windows_.clear();
  for (std::uint64_t i = 0; i < n && r.ok(); ++i) {
    std::string symbol;
    Window win;
    r.get_all(symbol, win.last_close_ns);
    r.get(win.rows);
    windows_[symbol] = std::move(win);
  }
  std::vector<float> head;
  float bias = 0;
  r.get_all(head, bias);
  if (r.ok() && head.size() != net_.embedding_size()) r.fail("a head of the wrong width");
  if (r.ok()) net_.set_head(head, bias);
}

}  // namespace verity
