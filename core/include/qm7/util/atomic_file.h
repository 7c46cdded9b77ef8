#pragma once
/// @file atomic_file.h
/// Files are written whole or not at all: write a temporary beside the target, then rename
/// (or hard-link it, to create a file only when it is absent).

#include <string>

namespace qm7 {

/// Writes bytes to path atomically; throws std::runtime_error with the path on failure.
void writeFileAtomically(const std::string& path, const std::string& bytes);

/// Creates path holding bytes only when no file of that name exists, atomically: of several
/// processes racing, exactly one creates it and readers never see it partly written. Returns
/// false when the file existed (it is left untouched); throws std::runtime_error on failure.
bool createFileIfAbsent(const std::string& path, const std::string& bytes);

/// Reads a whole file; throws std::runtime_error naming the path when it cannot.
std::string readFile(const std::string& path);

} // namespace qm7
