#pragma once
// A small thread-safe metrics registry: counters, gauges and histograms with label sets,
// rendered in the Prometheus text exposition format 0.0.4.
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace service {

// Label values in the order of the family's label names.
using LabelValues = std::vector<std::string>;

enum class MetricType { counter, gauge, histogram };

// The state shared by every family: name, help, label names and the lock guarding series.
class MetricFamily {
 public:
  MetricFamily(std::string name, std::string help, std::vector<std::string> label_names);
  virtual ~MetricFamily() = default;
  MetricFamily(const MetricFamily&) = delete;
  MetricFamily& operator=(const MetricFamily&) = delete;

  const std::string& name() const { return m_name; }
  const std::vector<std::string>& label_names() const { return m_label_names; }
  virtual MetricType type() const = 0;

  // Appends HELP, TYPE and every series; appends nothing when the family has no series.
  void render(std::string& out) const;
  // Drops every series whose label `label_name` equals `value` (e.g. a team that left the config).
  void remove_where(std::string_view label_name, std::string_view value);
  // Drops every series.
  void clear();

 protected:
  // Throws std::invalid_argument when the count differs from the label names (a programmer error).
  void check_arity(const LabelValues& values) const;
  virtual void render_series(std::string& out) const = 0;
  virtual void erase_if_label(size_t index, std::string_view value) = 0;
  virtual void erase_all() = 0;
  // `name{l1="v1",l2="v2"<extra>}` with escaped values; no braces when there are no labels.
  std::string series_name(std::string_view metric, const LabelValues& values,
                          std::string_view extra = {}) const;

  mutable std::mutex m_mutex;

 private:
  std::string m_name;
  std::string m_help;
  std::vector<std::string> m_label_names;
};

// A monotonically increasing count. The name must end in _total.
class CounterFamily final : public MetricFamily {
 public:
  using MetricFamily::MetricFamily;
  MetricType type() const override { return MetricType::counter; }
  // Adds `by` (must be >= 0; negative increments are ignored, counters never go down).
  void inc(const LabelValues& values, double by = 1.0);
  double value(const LabelValues& values) const;  // 0 when the series does not exist

 private:
  void render_series(std::string& out) const override;
  void erase_if_label(size_t index, std::string_view value) override;
  void erase_all() override;
  std::map<LabelValues, double> m_series;
};

// A value that goes up and down.
class GaugeFamily final : public MetricFamily {
 public:
  using MetricFamily::MetricFamily;
  MetricType type() const override { return MetricType::gauge; }
  void set(const LabelValues& values, double value);
  void add(const LabelValues& values, double by);
  void remove(const LabelValues& values);
  double value(const LabelValues& values) const;  // 0 when the series does not exist
  bool has(const LabelValues& values) const;

 private:
  void render_series(std::string& out) const override;
  void erase_if_label(size_t index, std::string_view value) override;
  void erase_all() override;
  std::map<LabelValues, double> m_series;
};

// Observations counted into cumulative buckets, with their sum and count.
class HistogramFamily final : public MetricFamily {
 public:
  // `bounds` are the finite upper bounds, strictly increasing; +Inf is implicit.
  HistogramFamily(std::string name, std::string help, std::vector<std::string> label_names,
                  std::vector<double> bounds);
  MetricType type() const override { return MetricType::histogram; }
  void observe(const LabelValues& values, double value);
  // Number of observations of a series (0 when it does not exist).
  unsigned long long count(const LabelValues& values) const;

 private:
  struct Series {
    std::vector<unsigned long long> buckets;  // per finite bound, not cumulative
    unsigned long long count = 0;
    double sum = 0.0;
  };
  void render_series(std::string& out) const override;
  void erase_if_label(size_t index, std::string_view value) override;
  void erase_all() override;
  std::vector<double> m_bounds;
  std::map<LabelValues, Series> m_series;
};

// Owns metric families and renders them. Registration validates names (a programmer error
// throws std::invalid_argument): metric names [a-zA-Z_:][a-zA-Z0-9_:]*, label names
// [a-zA-Z_][a-zA-Z0-9_]* not starting with "__", counters end in _total, nothing else does,
// no duplicates. Returned references stay valid for the registry's lifetime.
class Registry {
 public:
  CounterFamily& counter(const std::string& name, const std::string& help,
                         std::vector<std::string> label_names = {});
  GaugeFamily& gauge(const std::string& name, const std::string& help,
                     std::vector<std::string> label_names = {});
  HistogramFamily& histogram(const std::string& name, const std::string& help,
                             std::vector<std::string> label_names, std::vector<double> bounds);

  // The whole registry in text format 0.0.4, families in registration order.
  std::string render() const;
  // Drops, in every family that has the label, each series where it equals `value`.
  void remove_where(std::string_view label_name, std::string_view value);

 private:
  void check_new(const std::string& name, const std::vector<std::string>& label_names, MetricType type) const;
  mutable std::mutex m_mutex;
  std::vector<std::unique_ptr<MetricFamily>> m_families;
};

// The Content-Type of render()'s output.
inline constexpr const char* k_exposition_content_type = "text/plain; version=0.0.4; charset=utf-8";

// A sample value as Prometheus writes it: shortest round-trip decimal, "+Inf", "-Inf", "NaN".
std::string format_sample(double value);
// Escapes a label value: backslash, double quote and line feed.
std::string escape_label_value(std::string_view value);
// Escapes HELP text: backslash and line feed.
std::string escape_help(std::string_view text);

}  // namespace service
