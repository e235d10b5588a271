#pragma once
// Test support: the ranks of a job as threads of this process, for testing code written against
// Communicator (core/communicator.hpp) without MPI. One mailbox per rank; messages are matched
// by (source, tag) in sending order, as MPI matches them.
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "difflab/core/communicator.hpp"

namespace difflab {

struct FarmMailboxes {
  struct Message {
    int from, tag;
    std::string bytes;
  };
  std::mutex mutex;
  std::condition_variable arrived;
  std::vector<std::deque<Message>> boxes;
  explicit FarmMailboxes(int ranks) : boxes(static_cast<std::size_t>(ranks)) {}
};

class ThreadRankCommunicator final : public Communicator {
 public:
  ThreadRankCommunicator(FarmMailboxes& m, int rank) : m_(m), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return static_cast<int>(m_.boxes.size()); }
  void send_bytes(int dest, int tag, const std::string& bytes) override {
    const std::lock_guard<std::mutex> lock(m_.mutex);
    m_.boxes[static_cast<std::size_t>(dest)].push_back({rank_, tag, bytes});
    m_.arrived.notify_all();
  }
  std::string recv_bytes(int source, int tag, int* from) override {
    std::unique_lock<std::mutex> lock(m_.mutex);
    auto& box = m_.boxes[static_cast<std::size_t>(rank_)];
    for (;;) {
      for (auto it = box.begin(); it != box.end(); ++it) {
        if (it->tag == tag && (source == kAnySource || it->from == source)) {
          if (from) *from = it->from;
          std::string bytes = std::move(it->bytes);
          box.erase(it);
          return bytes;
        }
      }
      m_.arrived.wait(lock);
    }
  }
  void send_doubles(int dest, int tag, const double* data, std::size_t n) override {
    send_bytes(dest, tag, std::string(reinterpret_cast<const char*>(data), n * sizeof(double)));
  }
  void recv_doubles(int source, int tag, double* data, std::size_t n) override {
    const std::string bytes = recv_bytes(source, tag, nullptr);
    if (bytes.size() != n * sizeof(double)) throw std::logic_error("wrong number of doubles");
    std::memcpy(data, bytes.data(), bytes.size());
  }
  void barrier() override {}

 private:
  FarmMailboxes& m_;
  int rank_;
};

}  // namespace difflab
