#pragma once
// Independent tasks spread over the ranks of a Communicator (core/communicator.hpp) as workers
// become free, so uneven tasks balance: rank 0 hands out task indices and receives the results;
// ranks 1..size-1 compute. Rank 0 delivers the results in task order whatever order they arrive
// in, so what it writes does not depend on the rank count or on timing (docs/scale-out.md).
//
// A failure never leaves a rank waiting: a task that throws is reported to rank 0, which stops
// handing out tasks, waits for the tasks in flight, dismisses every worker and throws (a
// difflab::Error stays one, so bad input is still exit code 2); so does a failing `deliver`.
// A rank that dies is the launcher's business: mpirun ends the whole job.
#include <cstddef>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "difflab/core/communicator.hpp"

namespace difflab {

// Rank 0: sends `setup` to every worker, then tasks 0..tasks-1; deliver(i, result) is called in
// order of i. Needs size() >= 2.
void farm_out_tasks(
    Communicator& comm, const nlohmann::json& setup, std::size_t tasks,
    const std::function<void(std::size_t task, const std::string& result)>& deliver);

// Rank 0, instead of farm_out_tasks, when it fails before handing out anything: releases the
// workers waiting in serve_tasks.
void dismiss_workers(Communicator& comm);

// Ranks >= 1: receives the setup, builds the task function from it (prepare) and computes tasks
// until dismissed.
using TaskFunction = std::function<std::string(std::size_t task)>;
void serve_tasks(Communicator& comm,
                 const std::function<TaskFunction(const nlohmann::json& setup)>& prepare);

}  // namespace difflab
