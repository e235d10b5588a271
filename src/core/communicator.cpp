#include "difflab/core/communicator.hpp"

#include <stdexcept>

namespace difflab {

namespace {

[[noreturn]] void no_peer_rank(const char* what, int rank) {
  throw std::logic_error(std::string(what) + " rank " + std::to_string(rank) +
                         ": a serial run has only rank 0");
}

}  // namespace

void SerialCommunicator::send_bytes(int dest, int, const std::string&) {
  no_peer_rank("send to", dest);
}
std::string SerialCommunicator::recv_bytes(int source, int, int*) {
  no_peer_rank("receive from", source);
}
void SerialCommunicator::send_doubles(int dest, int, const double*, std::size_t) {
  no_peer_rank("send to", dest);
}
void SerialCommunicator::recv_doubles(int source, int, double*, std::size_t) {
  no_peer_rank("receive from", source);
}

Communicator& serial_communicator() {
  static SerialCommunicator serial;
  return serial;
}

}  // namespace difflab
