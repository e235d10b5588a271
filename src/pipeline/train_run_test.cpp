// The train request (pipeline/train_run.hpp): its table reads the options every face passes,
// a run writes the checkpoint, log and summary the CLI and Python report, a resumed run gives
// the checkpoint bytes of an uninterrupted one, and a resume refuses options that would change
// the checkpoint's run.
#include "difflab/pipeline/train_run.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "core/expect_error.hpp"
#include "difflab/core/file_io.hpp"

namespace difflab {
namespace {

namespace fs = std::filesystem;

std::string train_test_dir(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("difflab_train_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

nlohmann::json tiny_request_json(const std::string& out) {
  return {{"target",
           {{"type", "gmm"},
            {"weights", {0.4, 0.6}},
            {"means", {{-1.5, 0.0}, {1.5, 0.5}}},
            {"vars", {0.3, 0.2}}}},
          {"width", 8},
          {"depth", 1},
          {"batch", 16},
          {"samples", 100},
          {"validate_every", 5},
          {"error_samples", 20},
          {"lipschitz_samples", 10},
          {"iters", 10},
          {"seed", 3},
          {"out", out}};
}

TEST(TrainRun, TableReadsTheFacesOptions) {
  const TrainRequest r = TrainRequest::from_json(
      {{"lr", 0.01}, {"optimizer", "sgld"}, {"T", 2.0}, {"ema", 0.5}, {"no_standardize", true}});
  EXPECT_EQ(r.train.optimizer.lr, 0.01);
  EXPECT_EQ(r.train.optimizer.kind, "sgld");
  EXPECT_EQ(r.train.dsm.T, 2.0);
  EXPECT_EQ(r.train.ema_decay, 0.5);
  EXPECT_TRUE(r.no_standardize);
  EXPECT_EQ(r.given.size(), 5u);
  expect_error([] { TrainRequest::from_json({{"lr", -1.0}}); }, "'lr' must be");
  expect_error([] { TrainRequest::from_json({{"optimizer", "adamx"}}); }, "one of: sgd");
  expect_error([] { TrainRequest::from_json({{"learning_rate", 1.0}}); }, "unknown option");
  // Every flag of the CLI's train command is a field of the table.
  for (const char* name : {"width", "iters", "validate_every", "clip", "warmup", "resume", "out"})
    EXPECT_NE(train_request_schema().find(name), nullptr) << name;
}

TEST(TrainRun, WritesCheckpointLogAndSummary) {
  const std::string dir = train_test_dir("run");
  TrainRequest r = TrainRequest::from_json(tiny_request_json(dir + "/m.dlm"));
  r.log = dir + "/log.jsonl";
  r.summary = dir + "/s.json";
  int logged = 0;
  TrainRunHooks hooks;
  hooks.on_log = [&](const TrainLogEntry&) { ++logged; };
  const TrainRunResult result = train_run(r, hooks);
  EXPECT_EQ(logged, 2);
  EXPECT_TRUE(fs::exists(r.out));
  EXPECT_EQ(read_json(r.summary), result.summary);
  EXPECT_EQ(result.summary["final_step"], 10);
  EXPECT_EQ(result.summary["train"]["log"].size(), 2u);
  for (const auto& l : result.summary["lipschitz"])
    EXPECT_LE(l["empirical"].get<double>(), l["upper_bound"].get<double>());
  fs::remove_all(dir);
}

TEST(TrainRun, ResumeIsBitIdenticalAndKeepsTheCheckpointsOptions) {
  const std::string dir = train_test_dir("resume");
  train_run(TrainRequest::from_json(tiny_request_json(dir + "/whole.dlm")));
  nlohmann::json half = tiny_request_json(dir + "/r.dlm");
  half["iters"] = 4;
  train_run(TrainRequest::from_json(half));
  nlohmann::json rest = tiny_request_json(dir + "/r.dlm");
  rest["resume"] = true;
  train_run(TrainRequest::from_json(rest));
  EXPECT_EQ(read_text(dir + "/whole.dlm"), read_text(dir + "/r.dlm"));
  rest["lr"] = 0.5;
  expect_error([&] { train_run(TrainRequest::from_json(rest)); },
               "optimizer.lr (checkpoint 0.001, given 0.5)");
  rest.erase("lr");
  rest["iters"] = 2;
  expect_error([&] { train_run(TrainRequest::from_json(rest)); }, "iters 2 is below the step 10");
  fs::remove_all(dir);
}

TEST(TrainRun, RefusesIncompleteRequests) {
  expect_error(
      [] {
        train_run(TrainRequest::from_json({{"target", "x.json"}}));
      },
      "option 'out' is required");
  expect_error(
      [] {
        train_run(TrainRequest::from_json({{"out", "m.dlm"}}));
      },
      "option 'data' (a samples file) or the option 'target'");
  TrainRequest r = TrainRequest::from_json(tiny_request_json("unused.dlm"));
  r.data_points = Matrix::Zero(3, 10);
  expect_error([&] { train_run(r); }, "the data have dimension 3, the target 2");
}

}  // namespace
}  // namespace difflab
