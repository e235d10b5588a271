#include "difflab/core/communicator.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace difflab {
namespace {

TEST(SerialCommunicator, IsRankZeroOfOneAndHasNoPeerToTalkTo) {
  Communicator& c = serial_communicator();
  EXPECT_EQ(c.rank(), 0);
  EXPECT_EQ(c.size(), 1);
  c.barrier();
  double x = 1;
  EXPECT_THROW(c.send_bytes(0, 1, "x"), std::logic_error);
  EXPECT_THROW(c.recv_bytes(Communicator::kAnySource, 1), std::logic_error);
  EXPECT_THROW(c.send_doubles(1, 1, &x, 1), std::logic_error);
  EXPECT_THROW(c.recv_doubles(0, 1, &x, 1), std::logic_error);
}

}  // namespace
}  // namespace difflab
