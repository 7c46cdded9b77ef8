#pragma once
/// @file atomic_file.h
/// Files are written whole or not at all: write a temporary beside the target, then rename.

#include <string>

namespace qm7 {

/// Writes bytes to path atomically; throws std::runtime_error with the path on failure.
void writeFileAtomically(const std::string& path, const std::string& bytes);

/// Reads a whole file; throws std::runtime_error naming the path when it cannot.
std::string readFile(const std::string& path);

} // namespace qm7
