#include "io/zip_check.h"

#include <cstdint>
#include <cstring>
#include <stdexcept>

#include <zlib.h>

namespace qm7::detail {

namespace {

std::uint32_t u32(const std::vector<char>& b, std::size_t at) {
    std::uint32_t v = 0;
    for (int i = 3; i >= 0; --i)
        v = (v << 8) | static_cast<unsigned char>(b[at + static_cast<std::size_t>(i)]);
    return v;
}

std::uint16_t u16(const std::vector<char>& b, std::size_t at) {
    return static_cast<std::uint16_t>(static_cast<unsigned char>(b[at]) |
                                      (static_cast<unsigned char>(b[at + 1]) << 8));
}

constexpr std::uint32_t kLocalHeader = 0x04034b50;
constexpr std::uint32_t kCentralHeader = 0x02014b50;
constexpr std::uint32_t kEndRecord = 0x06054b50;

/// CRC32 of a deflated entry's inflated bytes (0 when it does not inflate to its size), so that
/// a corrupted compressed entry is caught before LibTorch reads it.
std::uint32_t inflatedCrc(const std::vector<char>& b, const ZipEntry& e, std::uint16_t method,
                          std::size_t uncompressed) {
    if (method != 8 || uncompressed > (std::size_t{1} << 30))
        throw std::runtime_error("zip entry " + e.name + " uses an unsupported compression");
    z_stream z{};
    if (inflateInit2(&z, -MAX_WBITS) != Z_OK)
        throw std::runtime_error("zlib could not start");
    std::vector<unsigned char> out(uncompressed + 1);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(b.data() + e.offset));
    z.avail_in = static_cast<uInt>(e.size);
    z.next_out = out.data();
    z.avail_out = static_cast<uInt>(out.size());
    const int rc = inflate(&z, Z_FINISH);
    const std::size_t produced = z.total_out;
    inflateEnd(&z);
    if (rc != Z_STREAM_END || produced != uncompressed)
        return 0;
    return static_cast<std::uint32_t>(::crc32(0L, out.data(), static_cast<uInt>(produced)));
}

} // namespace

bool looksLikeZip(const std::vector<char>& bytes) {
    return bytes.size() >= 4 && u32(bytes, 0) == kLocalHeader;
}

std::vector<ZipEntry> checkZip(const std::vector<char>& b, bool allowCompressed) {
    if (b.size() < 22)
        throw std::runtime_error("the file is too short to be a zip archive (truncated?)");
    // The end-of-central-directory record is in the last 22 + 65535 bytes.
    std::size_t end = std::string::npos;
    const std::size_t lowest = b.size() > 22 + 65535 ? b.size() - 22 - 65535 : 0;
    for (std::size_t at = b.size() - 22 + 1; at-- > lowest;) {
        if (u32(b, at) == kEndRecord) {
            end = at;
            break;
        }
    }
    if (end == std::string::npos)
        throw std::runtime_error("the zip archive has no end record (the file is truncated)");
    const std::size_t count = u16(b, end + 10);
    const std::size_t dirSize = u32(b, end + 12);
    const std::size_t dirOffset = u32(b, end + 16);
    if (count == 0xFFFF || dirOffset == 0xFFFFFFFF)
        throw std::runtime_error("zip64 archives (over 4 GB) are not supported");
    if (dirOffset > end || dirSize > end - dirOffset)
        throw std::runtime_error("the zip central directory lies outside the file (corrupted)");

    std::vector<ZipEntry> entries;
    std::size_t at = dirOffset;
    for (std::size_t i = 0; i < count; ++i) {
        if (at + 46 > end || u32(b, at) != kCentralHeader)
            throw std::runtime_error("zip central directory entry " + std::to_string(i) +
                                     " is corrupted");
        const std::uint16_t method = u16(b, at + 10);
        const std::uint32_t crc = u32(b, at + 16);
        const std::size_t compressed = u32(b, at + 20);
        const std::size_t uncompressed = u32(b, at + 24);
        const std::size_t nameLen = u16(b, at + 28);
        const std::size_t extraLen = u16(b, at + 30);
        const std::size_t commentLen = u16(b, at + 32);
        const std::size_t local = u32(b, at + 42);
        if (at + 46 + nameLen + extraLen + commentLen > end)
            throw std::runtime_error("zip central directory entry " + std::to_string(i) +
                                     " runs past the directory (corrupted)");
        ZipEntry e;
        e.name.assign(&b[at + 46], nameLen);
        e.stored = method == 0 && compressed == uncompressed;
        if (!e.stored && !allowCompressed)
            throw std::runtime_error("zip entry " + e.name +
                                     " is compressed; torch.save writes stored entries only");
        if (local + 30 > dirOffset || u32(b, local) != kLocalHeader)
            throw std::runtime_error("zip entry " + e.name + " has a corrupted local header");
        const std::size_t localName = u16(b, local + 26);
        const std::size_t localExtra = u16(b, local + 28);
        if (localName != nameLen || std::memcmp(&b[local + 30], e.name.data(), nameLen) != 0)
            throw std::runtime_error("zip entry " + e.name +
                                     " does not match its local header (corrupted)");
        e.offset = local + 30 + localName + localExtra;
        e.size = compressed;
        if (e.offset > dirOffset || e.size > dirOffset - e.offset)
            throw std::runtime_error("zip entry " + e.name + " runs past the end (truncated)");
        const auto actual = e.stored ? static_cast<std::uint32_t>(::crc32(
                                           0L, reinterpret_cast<const Bytef*>(b.data() + e.offset),
                                           static_cast<uInt>(e.size)))
                                     : inflatedCrc(b, e, method, uncompressed);
        if (actual != crc)
            throw std::runtime_error("zip entry " + e.name +
                                     " fails its CRC32 check (the file is corrupted)");
        entries.push_back(e);
        at += 46 + nameLen + extraLen + commentLen;
    }
    if (entries.empty())
        throw std::runtime_error("the zip archive is empty");
    return entries;
}

} // namespace qm7::detail
