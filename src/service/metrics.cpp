#include "service/metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace service {

namespace {

bool is_name_start(char c, bool allow_colon) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (allow_colon && c == ':');
}

bool is_valid_name(std::string_view name, bool allow_colon) {
  if (name.empty() || !is_name_start(name[0], allow_colon)) return false;
  return std::all_of(name.begin() + 1, name.end(),
                     [&](char c) { return is_name_start(c, allow_colon) || (c >= '0' && c <= '9'); });
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

const char* type_name(MetricType type) {
  switch (type) {
    case MetricType::counter:
      return "counter";
    case MetricType::gauge:
      return "gauge";
    case MetricType::histogram:
      return "histogram";
  }
  return "untyped";
}

template <typename Map>
void erase_matching(Map& series, size_t index, std::string_view value) {
  std::erase_if(series, [&](const auto& entry) { return entry.first[index] == value; });
}

}  // namespace

std::string format_sample(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buf[64];
  // Whole numbers (counts, Unix times) read better without an exponent: 1800000000, not 1.8e+09.
  if (std::abs(value) < 9007199254740992.0 && std::trunc(value) == value) {
    const auto res = std::to_chars(buf, buf + sizeof buf, static_cast<long long>(value));
    return std::string(buf, res.ptr);
  }
  const auto res = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, res.ptr);
}

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string escape_help(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

MetricFamily::MetricFamily(std::string name, std::string help, std::vector<std::string> label_names)
    : m_name(std::move(name)), m_help(std::move(help)), m_label_names(std::move(label_names)) {}

void MetricFamily::render(std::string& out) const {
  std::string series;
  {
    std::lock_guard lock(m_mutex);
    render_series(series);
  }
  if (series.empty()) return;
  out += "# HELP " + m_name + " " + escape_help(m_help) + "\n";
  out += "# TYPE " + m_name + " " + type_name(type()) + "\n";
  out += series;
}

void MetricFamily::remove_where(std::string_view label_name, std::string_view value) {
  const auto it = std::find(m_label_names.begin(), m_label_names.end(), label_name);
  if (it == m_label_names.end()) return;
  std::lock_guard lock(m_mutex);
  erase_if_label(static_cast<size_t>(it - m_label_names.begin()), value);
}

void MetricFamily::clear() {
  std::lock_guard lock(m_mutex);
  erase_all();
}

void MetricFamily::check_arity(const LabelValues& values) const {
  if (values.size() != m_label_names.size())
    throw std::invalid_argument("metric " + m_name + " takes " + std::to_string(m_label_names.size()) +
                                " label values, got " + std::to_string(values.size()));
}

std::string MetricFamily::series_name(std::string_view metric, const LabelValues& values,
                                      std::string_view extra) const {
  std::string out(metric);
  if (values.empty() && extra.empty()) return out;
  out += '{';
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += m_label_names[i] + "=\"" + escape_label_value(values[i]) + "\"";
  }
  if (!extra.empty()) {
    if (!values.empty()) out += ',';
    out += extra;
  }
  out += '}';
  return out;
}

// --- Counter -------------------------------------------------------------------------------

void CounterFamily::inc(const LabelValues& values, double by) {
  check_arity(values);
  if (!(by >= 0.0)) return;
  std::lock_guard lock(m_mutex);
  m_series[values] += by;
}

double CounterFamily::value(const LabelValues& values) const {
  std::lock_guard lock(m_mutex);
  const auto it = m_series.find(values);
  return it == m_series.end() ? 0.0 : it->second;
}

void CounterFamily::render_series(std::string& out) const {
  for (const auto& [labels, v] : m_series) out += series_name(name(), labels) + " " + format_sample(v) + "\n";
}

void CounterFamily::erase_if_label(size_t index, std::string_view value) {
  erase_matching(m_series, index, value);
}
void CounterFamily::erase_all() {
  m_series.clear();
}

// --- Gauge ---------------------------------------------------------------------------------

void GaugeFamily::set(const LabelValues& values, double value) {
  check_arity(values);
  std::lock_guard lock(m_mutex);
  m_series[values] = value;
}

void GaugeFamily::add(const LabelValues& values, double by) {
  check_arity(values);
  std::lock_guard lock(m_mutex);
  m_series[values] += by;
}

void GaugeFamily::remove(const LabelValues& values) {
  std::lock_guard lock(m_mutex);
  m_series.erase(values);
}

double GaugeFamily::value(const LabelValues& values) const {
  std::lock_guard lock(m_mutex);
  const auto it = m_series.find(values);
  return it == m_series.end() ? 0.0 : it->second;
}

bool GaugeFamily::has(const LabelValues& values) const {
  std::lock_guard lock(m_mutex);
  return m_series.count(values) > 0;
}

void GaugeFamily::render_series(std::string& out) const {
  for (const auto& [labels, v] : m_series) out += series_name(name(), labels) + " " + format_sample(v) + "\n";
}

void GaugeFamily::erase_if_label(size_t index, std::string_view value) {
  erase_matching(m_series, index, value);
}
void GaugeFamily::erase_all() {
  m_series.clear();
}

// --- Histogram -----------------------------------------------------------------------------

HistogramFamily::HistogramFamily(std::string name, std::string help, std::vector<std::string> label_names,
                                 std::vector<double> bounds)
    : MetricFamily(std::move(name), std::move(help), std::move(label_names)), m_bounds(std::move(bounds)) {
  for (size_t i = 0; i < m_bounds.size(); ++i) {
    if (!std::isfinite(m_bounds[i]) || (i > 0 && m_bounds[i] <= m_bounds[i - 1]))
      throw std::invalid_argument("histogram " + this->name() +
                                  ": bucket bounds must be finite and increasing");
  }
  const auto& labels = this->label_names();
  if (std::find(labels.begin(), labels.end(), "le") != labels.end())
    throw std::invalid_argument("histogram " + this->name() + ": \"le\" is reserved");
}

void HistogramFamily::observe(const LabelValues& values, double value) {
  check_arity(values);
  std::lock_guard lock(m_mutex);
  auto& s = m_series[values];
  if (s.buckets.empty()) s.buckets.assign(m_bounds.size(), 0);
  const auto it = std::lower_bound(m_bounds.begin(), m_bounds.end(), value);
  if (it != m_bounds.end()) ++s.buckets[static_cast<size_t>(it - m_bounds.begin())];
  ++s.count;
  s.sum += value;
}

unsigned long long HistogramFamily::count(const LabelValues& values) const {
  std::lock_guard lock(m_mutex);
  const auto it = m_series.find(values);
  return it == m_series.end() ? 0 : it->second.count;
}

void HistogramFamily::render_series(std::string& out) const {
  const std::string bucket = name() + "_bucket";
  for (const auto& [labels, s] : m_series) {
    unsigned long long cumulative = 0;
    for (size_t i = 0; i < m_bounds.size(); ++i) {
      cumulative += s.buckets[i];
      out += series_name(bucket, labels, "le=\"" + format_sample(m_bounds[i]) + "\"") + " " +
             std::to_string(cumulative) + "\n";
    }
    out += series_name(bucket, labels, "le=\"+Inf\"") + " " + std::to_string(s.count) + "\n";
    out += series_name(name() + "_sum", labels) + " " + format_sample(s.sum) + "\n";
    out += series_name(name() + "_count", labels) + " " + std::to_string(s.count) + "\n";
  }
}

void HistogramFamily::erase_if_label(size_t index, std::string_view value) {
  erase_matching(m_series, index, value);
}
void HistogramFamily::erase_all() {
  m_series.clear();
}

// --- Registry ------------------------------------------------------------------------------

void Registry::check_new(const std::string& name, const std::vector<std::string>& label_names,
                         MetricType type) const {
  if (!is_valid_name(name, true)) throw std::invalid_argument("invalid metric name: " + name);
  for (const auto& label : label_names) {
    if (!is_valid_name(label, false) || label.starts_with("__"))
      throw std::invalid_argument("metric " + name + ": invalid label name: " + label);
  }
  const bool is_total = ends_with(name, "_total");
  if (type == MetricType::counter && !is_total)
    throw std::invalid_argument("counter " + name + " must end in _total");
  if (type != MetricType::counter && is_total)
    throw std::invalid_argument("only counters end in _total: " + name);
  for (const auto& f : m_families) {
    if (f->name() == name) throw std::invalid_argument("metric registered twice: " + name);
  }
}

CounterFamily& Registry::counter(const std::string& name, const std::string& help,
                                 std::vector<std::string> label_names) {
  std::lock_guard lock(m_mutex);
  check_new(name, label_names, MetricType::counter);
  auto family = std::make_unique<CounterFamily>(name, help, std::move(label_names));
  auto& ref = *family;
  m_families.push_back(std::move(family));
  return ref;
}

GaugeFamily& Registry::gauge(const std::string& name, const std::string& help,
                             std::vector<std::string> label_names) {
  std::lock_guard lock(m_mutex);
  check_new(name, label_names, MetricType::gauge);
  auto family = std::make_unique<GaugeFamily>(name, help, std::move(label_names));
  auto& ref = *family;
  m_families.push_back(std::move(family));
  return ref;
}

HistogramFamily& Registry::histogram(const std::string& name, const std::string& help,
                                     std::vector<std::string> label_names, std::vector<double> bounds) {
  std::lock_guard lock(m_mutex);
  check_new(name, label_names, MetricType::histogram);
  auto family = std::make_unique<HistogramFamily>(name, help, std::move(label_names), std::move(bounds));
  auto& ref = *family;
  m_families.push_back(std::move(family));
  return ref;
}

std::string Registry::render() const {
  std::lock_guard lock(m_mutex);
  std::string out;
  for (const auto& f : m_families) f->render(out);
  return out;
}

void Registry::remove_where(std::string_view label_name, std::string_view value) {
  std::lock_guard lock(m_mutex);
  for (const auto& f : m_families) f->remove_where(label_name, value);
}

}  // namespace service
