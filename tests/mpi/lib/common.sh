# Sourced by tests/mpi/*.sh (arguments: the difflab binary, then mpirun's path): the CLI tests'
# helpers (tests/cli/lib/common.sh) and `mpi K CMD...`, CMD on K ranks of this machine.
bin="$1"
mpiexec="${2:-mpirun}"
source "$(dirname "${BASH_SOURCE[0]}")/../../cli/lib/common.sh"
mpi() { local n="$1"; shift; "$mpiexec" --oversubscribe --allow-run-as-root -n "$n" "$@"; }
