#include "progress_bar.hpp"

#include <unistd.h>

#include <cstdio>
#include <mutex>

namespace difflab::cli {

ProgressBar::ProgressBar(std::string label, double total)
    : label_(std::move(label)),
      total_(total > 0 ? total : 1),
      enabled_(::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::advance(double amount) {
  if (!enabled_) return;
  double prev = done_.load(std::memory_order_relaxed);
  while (!done_.compare_exchange_weak(prev, prev + amount, std::memory_order_relaxed)) {
  }
  const int percent = static_cast<int>(100.0 * (prev + amount) / total_);
  int shown = shown_percent_.load(std::memory_order_relaxed);
  if (percent > shown && shown_percent_.compare_exchange_strong(shown, percent))
    draw(prev + amount);
}

void ProgressBar::draw(double done) {
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  const double frac = std::min(1.0, done / total_);
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double left = frac > 0 ? elapsed * (1 - frac) / frac : 0;
  const int width = 30;
  const int filled = static_cast<int>(frac * width);
  std::fprintf(stderr, "\r%s [%.*s%*s] %3d%%  %.1fs left ", label_.c_str(), filled,
               "==============================", width - filled, "", static_cast<int>(frac * 100),
               left);
  std::fflush(stderr);
}

void ProgressBar::finish() {
  if (!enabled_ || shown_percent_.load() < 0) return;
  std::fprintf(stderr, "\n");
  shown_percent_.store(-1);
  enabled_ = false;
}

}  // namespace difflab::cli
