#pragma once
/// @file zip_check.h
/// Structural and CRC32 checks of a zip archive before LibTorch's unpickler sees it:
/// the unpickler trusts its input and can crash on corrupted bytes.

#include <string>
#include <vector>

namespace qm7::detail {

/// One stored entry of a zip archive.
struct ZipEntry {
    std::string name;
    std::size_t offset = 0; ///< of the data in the archive
    std::size_t size = 0;
    bool stored = true; ///< false: compressed (only with allowCompressed)
};

/// True when bytes start like a zip archive (a local file header).
bool looksLikeZip(const std::vector<char>& bytes);

/// Validates the archive: end record, central directory, local headers, bounds and the CRC32
/// of every entry. Returns the entries; throws std::runtime_error describing the first problem.
/// Compressed entries are refused (torch.save stores), unless allowCompressed (torch.jit.save
/// deflates its code/): then they are bounds-checked only.
std::vector<ZipEntry> checkZip(const std::vector<char>& bytes, bool allowCompressed = false);

} // namespace qm7::detail
