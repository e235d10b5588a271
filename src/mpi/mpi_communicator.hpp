#pragma once
// The Communicator (core/communicator.hpp) on MPI's world communicator. Built into the separate
// library difflab_mpi, linked only by the CLI (CMake option DIFFLAB_MPI): the core library and
// the Python module never see MPI.
#include <memory>

#include "difflab/core/communicator.hpp"

namespace difflab {

// True when this process was started by an MPI launcher (mpirun/mpiexec of Open MPI or MPICH, or
// srun with PMI/PMIx): only then does the CLI initialise MPI, so the same binary runs alone.
bool launched_by_mpi();

// Initialises MPI (MPI_Init) for the lifetime of the returned object; its destructor calls
// MPI_Finalize.
std::unique_ptr<Communicator> make_mpi_communicator(int& argc, char**& argv);

}  // namespace difflab
