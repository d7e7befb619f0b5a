#include "sim/market_stats.hpp"

#include <cmath>
#include <cstdio>

#include "actors/runtime/detmath.hpp"
#include "sim/market_generator.hpp"

namespace verity {

namespace {

/// Autocorrelation of `v` at `lag`, over pairs that are both `lag` bars apart in time.
double autocorrelation(const std::vector<double>& v, const std::vector<std::int64_t>& index, int lag) {
  double mean = 0;
  for (double x : v) mean += x;
  mean /= static_cast<double>(v.size());
  double var = 0;
  for (double x : v) var += (x - mean) * (x - mean);
  var /= static_cast<double>(v.size());
  double cov = 0, pairs = 0;
  for (std::size_t i = static_cast<std::size_t>(lag); i < v.size(); ++i) {
    if (index[i] - index[i - static_cast<std::size_t>(lag)] != lag) continue;  // a gap lies between
    cov += (v[i] - mean) * (v[i - static_cast<std::size_t>(lag)] - mean);
    pairs += 1;
  }
  return pairs > 0 && var > 0 ? cov / pairs / var : 0.0;
}

}  // namespace

StylizedFacts stylized_facts(const std::vector<BarData>& bars) {
  StylizedFacts f;
  std::vector<double> r, abs_r, volume;
  std::vector<std::int64_t> index;  // bar number on the time grid, for gap-aware lags
  std::vector<int> session;
  double range_sum = 0;
  for (std::size_t i = 0; i < bars.size(); ++i) range_sum += (bars[i].high - bars[i].low) / bars[i].open;
  f.mean_range = bars.empty() ? 0.0 : range_sum / static_cast<double>(bars.size());
  for (std::size_t i = 1; i < bars.size(); ++i) {
    const BarData& a = bars[i - 1];
    const BarData& b = bars[i];
    if (b.open_time_ns - a.open_time_ns != b.interval_ns) continue;
    r.push_back(det_log(b.close / a.close));
    abs_r.push_back(std::fabs(r.back()));
    volume.push_back(b.volume);
    index.push_back((b.open_time_ns - bars.front().open_time_ns) / b.interval_ns);
    session.push_back(session_of_hour(utc_hour(b.open_time_ns)));
  }
  const auto n = static_cast<double>(r.size());
  f.returns = static_cast<std::int64_t>(r.size());
  if (r.size() < 2) return f;
  double mean = 0;
  for (double x : r) mean += x;
  mean /= n;
  double m2 = 0, m4 = 0;
  for (double x : r) {
    const double d = (x - mean) * (x - mean);
    m2 += d;
    m4 += d * d;
  }
  m2 /= n;
  m4 /= n;
  f.sd = std::sqrt(m2);
  f.kurtosis = m4 / (m2 * m2);
  for (double x : r) {
    const double d = std::fabs(x - mean);
    if (d > 4 * f.sd) f.tail_4sd += 1 / n;
    if (d > 8 * f.sd) f.tail_8sd += 1 / n;
  }
  for (int lag = 1; lag <= kAcfLags; ++lag) {
    f.abs_acf[lag - 1] = autocorrelation(abs_r, index, lag);
    f.acf[lag - 1] = autocorrelation(r, index, lag);
  }
  std::array<double, kSessions> sum{}, sum2{}, vol{}, count{};
  double vol_total = 0;
  for (std::size_t i = 0; i < r.size(); ++i) {
    sum[session[i]] += r[i];
    sum2[session[i]] += r[i] * r[i];
    vol[session[i]] += volume[i];
    count[session[i]] += 1;
    vol_total += volume[i];
  }
  for (int s = 0; s < kSessions; ++s) {
    if (count[s] == 0) continue;
    const double m = sum[s] / count[s];
    f.session_sd[s] = std::sqrt(sum2[s] / count[s] - m * m);
    f.session_volume[s] = vol[s] / count[s];
  }
  f.mean_volume = vol_total / n;
  double mean_abs = 0;
  for (double x : abs_r) mean_abs += x;
  mean_abs /= n;
  double cov = 0, var_a = 0, var_v = 0;
  for (std::size_t i = 0; i < r.size(); ++i) {
    cov += (abs_r[i] - mean_abs) * (volume[i] - f.mean_volume);
    var_a += (abs_r[i] - mean_abs) * (abs_r[i] - mean_abs);
    var_v += (volume[i] - f.mean_volume) * (volume[i] - f.mean_volume);
  }
  f.abs_r_volume_corr = var_a > 0 && var_v > 0 ? cov / std::sqrt(var_a * var_v) : 0.0;
  return f;
}

ReturnProfile return_profile(const std::vector<BarData>& bars, int max_lag) {
  ReturnProfile p;
  std::vector<double> r, abs_r;
  std::vector<std::int64_t> index;
  std::array<double, 24> abs_sum{}, volume_sum{}, count{};
  double abs_total = 0, volume_total = 0;
  for (std::size_t i = 1; i < bars.size(); ++i) {
    const BarData& a = bars[i - 1];
    const BarData& b = bars[i];
    if (b.open_time_ns - a.open_time_ns != b.interval_ns) continue;
    r.push_back(det_log(b.close / a.close));
    abs_r.push_back(std::fabs(r.back()));
    index.push_back((b.open_time_ns - bars.front().open_time_ns) / b.interval_ns);
    const int hour = utc_hour(b.open_time_ns);
    abs_sum[hour] += abs_r.back();
    volume_sum[hour] += b.volume;
    count[hour] += 1;
    abs_total += abs_r.back();
    volume_total += b.volume;
  }
  if (r.size() < 2) return p;
  const auto n = static_cast<double>(r.size());
  for (int lag = 1; lag <= max_lag; ++lag) p.abs_acf.push_back(autocorrelation(abs_r, index, lag));
  double mean = 0;
  for (double x : r) mean += x;
  mean /= n;
  double var = 0;
  for (double x : r) var += (x - mean) * (x - mean);
  const double sd = std::sqrt(var / n);
  for (double k : {1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0, 15.0, 20.0}) {
    double beyond = 0;
    for (double x : r) beyond += std::fabs(x - mean) > k * sd ? 1.0 : 0.0;
    p.tail_sd.push_back(k);
    p.tail_share.push_back(beyond / n);
  }
  for (int h = 0; h < 24; ++h) {
    if (count[h] == 0) continue;
    p.hourly_abs_return[h] = abs_sum[h] / count[h] / (abs_total / n);
    p.hourly_volume[h] = volume_sum[h] / count[h] / (volume_total / n);
  }
  return p;
}

std::string StylizedFacts::text() const {
  char buf[1024];
  std::string s;
  std::snprintf(buf, sizeof buf,
                "returns %lld, sd %.3e, kurtosis %.2f, beyond 4 sd %.5f, beyond 8 sd %.5f, corr(|r|, volume) %.3f, "
                "mean range %.3e\n",
                static_cast<long long>(returns), sd, kurtosis, tail_4sd, tail_8sd, abs_r_volume_corr, mean_range);
  s += buf;
  s += "acf |r| lags 1..10:";
  for (double v : abs_acf) {
    std::snprintf(buf, sizeof buf, " %.3f", v);
    s += buf;
  }
  s += "\nacf r lags 1..10:";
  for (double v : acf) {
    std::snprintf(buf, sizeof buf, " %.3f", v);
    s += buf;
  }
  s += "\n";
  for (int i = 0; i < kSessions; ++i) {
    std::snprintf(buf, sizeof buf, "%s: sd %.3e, mean volume %.3f\n", kSessionNames[i], session_sd[i],
                  session_volume[i]);
    s += buf;
  }
  return s;
}

}  // namespace verity
