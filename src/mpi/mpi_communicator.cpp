#include "mpi/mpi_communicator.hpp"

#include <mpi.h>

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <thread>

namespace difflab {

namespace {

void check_mpi(int code, const char* what) {
  if (code != MPI_SUCCESS) throw std::runtime_error(std::string("MPI: ") + what + " failed");
}

// Waits for a matching message by probing with short sleeps rather than in MPI_Recv: Open MPI's
// blocking receive polls at full speed, and rank 0 of a sweep, which mostly waits, would take a
// core from the workers (the rank count may exceed the cores, e.g. under --oversubscribe).
MPI_Status wait_for_message(int source, int tag) {
  MPI_Status status;
  int ready = 0;
  auto pause = std::chrono::microseconds(20);
  for (;;) {
    check_mpi(MPI_Iprobe(source == Communicator::kAnySource ? MPI_ANY_SOURCE : source, tag,
                         MPI_COMM_WORLD, &ready, &status),
              "MPI_Iprobe");
    if (ready) return status;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(250));
  }
}

class MpiCommunicator final : public Communicator {
 public:
  MpiCommunicator(int& argc, char**& argv) {
    check_mpi(MPI_Init(&argc, &argv), "MPI_Init");
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  ~MpiCommunicator() override { MPI_Finalize(); }

  int rank() const override { return rank_; }
  int size() const override { return size_; }

  void send_bytes(int dest, int tag, const std::string& bytes) override {
    check_mpi(
        MPI_Send(bytes.data(), static_cast<int>(bytes.size()), MPI_CHAR, dest, tag, MPI_COMM_WORLD),
        "MPI_Send");
  }
  std::string recv_bytes(int source, int tag, int* from) override {
    MPI_Status status = wait_for_message(source, tag);
    int count = 0;
    MPI_Get_count(&status, MPI_CHAR, &count);
    std::string bytes(static_cast<std::size_t>(count), '\0');
    check_mpi(MPI_Recv(bytes.data(), count, MPI_CHAR, status.MPI_SOURCE, tag, MPI_COMM_WORLD,
                       MPI_STATUS_IGNORE),
              "MPI_Recv");
    if (from) *from = status.MPI_SOURCE;
    return bytes;
  }
  void send_doubles(int dest, int tag, const double* data, std::size_t n) override {
    check_mpi(MPI_Send(data, static_cast<int>(n), MPI_DOUBLE, dest, tag, MPI_COMM_WORLD),
              "MPI_Send");
  }
  void recv_doubles(int source, int tag, double* data, std::size_t n) override {
    MPI_Status status = wait_for_message(source, tag);
    int count = 0;
    MPI_Get_count(&status, MPI_DOUBLE, &count);
    if (static_cast<std::size_t>(count) != n)
      throw std::logic_error("MPI: expected " + std::to_string(n) + " doubles from rank " +
                             std::to_string(status.MPI_SOURCE) + ", got " + std::to_string(count));
    check_mpi(MPI_Recv(data, count, MPI_DOUBLE, status.MPI_SOURCE, tag, MPI_COMM_WORLD,
                       MPI_STATUS_IGNORE),
              "MPI_Recv");
  }
  void barrier() override { check_mpi(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier"); }

 private:
  int rank_ = 0;
  int size_ = 1;
};

}  // namespace

bool launched_by_mpi() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "PMI_RANK"})
    if (std::getenv(var) != nullptr) return true;
  return false;
}

std::unique_ptr<Communicator> make_mpi_communicator(int& argc, char**& argv) {
  return std::make_unique<MpiCommunicator>(argc, argv);
}

}  // namespace difflab
