#include "qm7/util/atomic_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

#include <fcntl.h>
#include <unistd.h>

namespace qm7 {

namespace {

/// Writes bytes to a fresh temporary file beside path (fsynced) and returns its name.
std::string writeTemporary(const std::string& path, const std::string& bytes) {
    std::random_device rd;
    const std::string tmp = path + ".tmp" + std::to_string(::getpid()) + "-" + std::to_string(rd());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            const std::string why = std::strerror(errno);
            ::close(fd);
            ::unlink(tmp.c_str());
            throw std::runtime_error("cannot write " + path + ": " + why);
        }
        done += static_cast<std::size_t>(n);
    }
    // fsync so that a crash after the rename cannot leave an empty file behind the name.
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        const std::string why = std::strerror(errno);
        ::unlink(tmp.c_str());
        throw std::runtime_error("cannot write " + path + ": " + why);
    }
    return tmp;
}

} // namespace

void writeFileAtomically(const std::string& path, const std::string& bytes) {
    const std::string tmp = writeTemporary(path, bytes);
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        const std::string why = std::strerror(errno);
        ::unlink(tmp.c_str());
        throw std::runtime_error("cannot write " + path + ": " + why);
    }
}

bool createFileIfAbsent(const std::string& path, const std::string& bytes) {
    const std::string tmp = writeTemporary(path, bytes);
    // link() fails with EEXIST when the name exists: of racing processes exactly one creates it,
    // and the file appears whole.
    const int rc = ::link(tmp.c_str(), path.c_str());
    const int err = errno;
    ::unlink(tmp.c_str());
    if (rc == 0)
        return true;
    if (err == EEXIST)
        return false;
    throw std::runtime_error("cannot write " + path + ": " + std::strerror(err));
}

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad())
        throw std::runtime_error("cannot read " + path);
    return ss.str();
}

} // namespace qm7
