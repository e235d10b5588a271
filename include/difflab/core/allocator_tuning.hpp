#pragma once
// Process-wide tuning of glibc's allocator for difflab's allocation pattern.
//
// Samplers and laws allocate d x block temporaries at every step. From d of a few thousand these
// exceed glibc's default 128 KiB mmap threshold (and its heap-trim threshold), so every step maps
// fresh pages, faults them in and unmaps them again: measured 13x slower for the O(d N) diagonal
// law at d = 8000 (bench/diagonal_law_bench.cpp). Raising both thresholds keeps freed blocks in
// the heap for reuse. Executables (the CLI, the benchmarks) call this once at start-up; the
// library never changes a process-wide setting on its own.
namespace difflab {

// Raises glibc's mmap and trim thresholds (no-op on other C libraries). Returns whether it did.
bool tune_allocator_for_large_temporaries();

}  // namespace difflab
