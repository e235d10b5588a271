#pragma once
// A progress bar on stderr, drawn only when stderr is a terminal. Thread-safe: workers call
// advance(); only the caller that crosses a new percent redraws.
#include <atomic>
#include <chrono>
#include <string>

namespace difflab::cli {

class ProgressBar {
 public:
  ProgressBar(std::string label, double total);
  ~ProgressBar();
  void advance(double amount);
  void finish();
  // Whether the bar is drawn (stderr is a terminal).
  bool on_terminal() const { return enabled_; }

 private:
  void draw(double done);
  std::string label_;
  double total_;
  std::atomic<double> done_{0};
  std::atomic<int> shown_percent_{-1};
  bool enabled_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace difflab::cli
