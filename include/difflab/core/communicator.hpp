#pragma once
// The processes a job runs on, as the library sees them (docs/scale-out.md): ranks 0..size-1
// that exchange messages. The library knows only this interface; the CLI hands it an MPI
// implementation (src/mpi/, library difflab_mpi) when launched by mpirun, so the core library,
// its tests and the Python module build and run without MPI.
//
// Messages are point to point and blocking, matched by (source, tag) in the order they were sent
// between a pair of ranks (MPI's non-overtaking rule, MPI 4.0 section 3.5). Determinism never
// depends on arrival order: whoever receives from several ranks puts the results in a fixed order
// (sweep order, rank order) before combining them.
#include <cstddef>
#include <string>

namespace difflab {

class Communicator {
 public:
  static constexpr int kAnySource = -1;

  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;

  virtual void send_bytes(int dest, int tag, const std::string& bytes) = 0;
  // From `source` (or kAnySource); *from, when given, receives the sender's rank.
  virtual std::string recv_bytes(int source, int tag, int* from = nullptr) = 0;
  virtual void send_doubles(int dest, int tag, const double* data, std::size_t n) = 0;
  // Exactly n doubles (a different count is an internal error).
  virtual void recv_doubles(int source, int tag, double* data, std::size_t n) = 0;
  virtual void barrier() = 0;
};

// One process: rank 0 of 1. There is no other rank to talk to, so a send or receive is an
// internal error (std::logic_error); a barrier returns at once.
class SerialCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void send_bytes(int dest, int tag, const std::string& bytes) override;
  std::string recv_bytes(int source, int tag, int* from) override;
  void send_doubles(int dest, int tag, const double* data, std::size_t n) override;
  void recv_doubles(int source, int tag, double* data, std::size_t n) override;
  void barrier() override {}
};

// A process-wide serial communicator, for callers that were given none.
Communicator& serial_communicator();

}  // namespace difflab
