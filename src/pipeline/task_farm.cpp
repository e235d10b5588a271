#include "difflab/pipeline/task_farm.hpp"

#include <exception>
#include <map>
#include <stdexcept>

#include "difflab/core/error.hpp"

namespace difflab {

namespace {

// Tags of the farm's messages: rank 0 -> worker (setup, task or stop), worker -> rank 0 (result).
constexpr int kFarmOrderTag = 101;
constexpr int kFarmResultTag = 102;

std::string farm_stop_message() { return nlohmann::json{{"stop", true}}.dump(); }

// A worker's report of a failed task, rethrown on rank 0 as the same kind of exception.
[[noreturn]] void rethrow_worker_failure(const nlohmann::json& report) {
  const std::string message = report["error"].get<std::string>();
  if (report["input"].get<bool>()) throw Error(message);
  throw std::runtime_error("rank " + report["rank"].dump() + ": " + message);
}

}  // namespace

void dismiss_workers(Communicator& comm) {
  for (int w = 1; w < comm.size(); ++w) comm.send_bytes(w, kFarmOrderTag, farm_stop_message());
}

void farm_out_tasks(Communicator& comm, const nlohmann::json& setup, std::size_t tasks,
                    const std::function<void(std::size_t, const std::string&)>& deliver) {
  if (comm.size() < 2) throw std::logic_error("farm_out_tasks needs at least one worker rank");
  const std::string setup_text = nlohmann::json{{"setup", setup}}.dump();
  for (int w = 1; w < comm.size(); ++w) comm.send_bytes(w, kFarmOrderTag, setup_text);
  std::size_t next = 0;
  int busy = 0;
  const auto hand_out = [&](int worker) {
    if (next < tasks) {
      comm.send_bytes(worker, kFarmOrderTag, nlohmann::json{{"task", next++}}.dump());
      ++busy;
    } else {
      comm.send_bytes(worker, kFarmOrderTag, farm_stop_message());
    }
  };
  for (int w = 1; w < comm.size(); ++w) hand_out(w);
  std::map<std::size_t, std::string> waiting;  // results that arrived before an earlier one
  std::size_t delivered = 0;
  std::exception_ptr failure;
  nlohmann::json worker_failure;
  while (busy > 0) {
    int from = 0;
    const nlohmann::json reply =
        nlohmann::json::parse(comm.recv_bytes(Communicator::kAnySource, kFarmResultTag, &from));
    --busy;
    if (reply.contains("error")) {
      if (!failure && worker_failure.is_null()) worker_failure = reply;
      next = tasks;  // hand out nothing more; the tasks in flight still finish
    } else if (!failure && worker_failure.is_null()) {
      waiting.emplace(reply["task"].get<std::size_t>(), reply["result"].get<std::string>());
      try {
        for (auto it = waiting.find(delivered); it != waiting.end(); it = waiting.find(delivered)) {
          deliver(delivered, it->second);
          waiting.erase(it);
          ++delivered;
        }
      } catch (...) {
        failure = std::current_exception();
        next = tasks;
      }
    }
    hand_out(from);
  }
  if (failure) std::rethrow_exception(failure);
  if (!worker_failure.is_null()) rethrow_worker_failure(worker_failure);
}

void serve_tasks(Communicator& comm,
                 const std::function<TaskFunction(const nlohmann::json&)>& prepare) {
  const nlohmann::json first = nlohmann::json::parse(comm.recv_bytes(0, kFarmOrderTag));
  if (first.contains("stop")) return;
  TaskFunction task;
  std::string prepare_error;
  bool prepare_input_error = false;
  try {
    task = prepare(first["setup"]);
  } catch (const Error& e) {
    prepare_error = e.what();
    prepare_input_error = true;
  } catch (const std::exception& e) {
    prepare_error = e.what();
  }
  for (;;) {
    const nlohmann::json order = nlohmann::json::parse(comm.recv_bytes(0, kFarmOrderTag));
    if (order.contains("stop")) return;
    const auto i = order["task"].get<std::size_t>();
    nlohmann::json reply{{"task", i}, {"rank", comm.rank()}};
    if (!prepare_error.empty()) {
      reply["error"] = prepare_error;
      reply["input"] = prepare_input_error;
    } else {
      try {
        reply["result"] = task(i);
      } catch (const Error& e) {
        reply["error"] = e.what();
        reply["input"] = true;
      } catch (const std::exception& e) {
        reply["error"] = e.what();
        reply["input"] = false;
      }
    }
    comm.send_bytes(0, kFarmResultTag, reply.dump());
  }
}

}  // namespace difflab
