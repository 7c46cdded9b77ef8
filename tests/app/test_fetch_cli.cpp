// qm7 fetch-qm7 against a local HTTP server on 127.0.0.1: a whole download, a dropped
// connection resumed, a .part left from before, a wrong file, a missing file.
#include "../core/mat_test_writer.h"
#include "test_support.h"

#include "qm7/util/atomic_file.h"
#include "qm7/chem/mat_reader.h"

#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {

/// tests/fixtures/http_server.py serving one file, stopped when this goes out of scope.
class LocalServer {
  public:
    LocalServer(const std::string& file, const std::string& mode, const std::string& log) {
        int out[2];
        if (::pipe(out) != 0)
            return;
        m_pid = ::fork();
        if (m_pid == 0) {
            ::dup2(out[1], 1);
            std::FILE* err = std::fopen(log.c_str(), "w");
            if (err)
                ::dup2(::fileno(err), 2);
            ::close(out[0]);
            const std::string script = std::string(QM7_FIXTURE_DIR) + "/http_server.py";
            ::execl(QM7_PYTHON, QM7_PYTHON, script.c_str(), file.c_str(), mode.c_str(),
                    static_cast<char*>(nullptr));
            ::_exit(127);
        }
        ::close(out[1]);
        std::FILE* in = ::fdopen(out[0], "r");
        char line[32] = {};
        if (in && std::fgets(line, sizeof line, in))
            m_port = std::atoi(line);
        if (in)
            std::fclose(in);
    }
    ~LocalServer() {
        if (m_pid > 0) {
            ::kill(m_pid, SIGTERM);
            ::waitpid(m_pid, nullptr, 0);
        }
    }
    int port() const { return m_port; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port) + "/qm7.mat"; }

  private:
    pid_t m_pid = -1;
    int m_port = 0;
};

/// A qm7.mat to serve: the shared qm7-layout.mat, else a small one in the same layout.
std::string servedFile(const std::string& dir) {
    const std::string shared = qm7::test::sharedData("qm7-layout.mat");
    if (!shared.empty())
        return shared;
    std::vector<qm7::Molecule> ms;
    for (int i = 0; i < 400; ++i) {
        qm7::Molecule m;
        m.Z = {6, 8, 1};
        m.R = {0, 0, 0, 2.3, 0, 0.01 * i, -1.0, 1.7, 0};
        m.energy = -100 - i;
        ms.push_back(m);
    }
    const std::string path = dir + "/served.mat";
    qm7::test::writeMat(path, qm7::test::qm7Variables(ms, 23, 5), false);
    return path;
}

int fetch(const std::string& args, std::string* out) {
    return qm7::test::runCommand(qm7::test::cliPath() + " fetch-qm7 --retry-delay-ms 50 " + args,
                                 out);
}

std::string readLog(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

#define QM7_SKIP_WITHOUT_PYTHON()                                                                  \
    if (qm7::test::runCommand(std::string(QM7_PYTHON) + " -c 'import http.server'") != 0)          \
    GTEST_SKIP() << "/usr/bin/python3 is absent; skipping"

} // namespace

TEST(FetchCli, DownloadsChecksAndRenames) {
    QM7_SKIP_WITHOUT_PYTHON();
    const std::string dir = qm7::test::freshDir("fetch_ok");
    const std::string file = servedFile(dir);
    LocalServer server(file, "ok", dir + "/server.log");
    ASSERT_GT(server.port(), 0);
    std::string out;
    ASSERT_EQ(fetch("--url " + server.url() + " --out " + dir + "/qm7.mat", &out), 0) << out;
    EXPECT_NE(out.find("molecules"), std::string::npos) << out;
    EXPECT_EQ(qm7::readFile(dir + "/qm7.mat"), qm7::readFile(file));
    EXPECT_FALSE(fs::exists(dir + "/qm7.mat.part"));
    // A second call finds the file and does not download again.
    ASSERT_EQ(fetch("--url " + server.url() + " --out " + dir + "/qm7.mat", &out), 0) << out;
    EXPECT_NE(out.find("already there"), std::string::npos) << out;
}

TEST(FetchCli, ResumesADroppedConnection) {
    QM7_SKIP_WITHOUT_PYTHON();
    const std::string dir = qm7::test::freshDir("fetch_drop");
    const std::string file = servedFile(dir);
    LocalServer server(file, "drop", dir + "/server.log");
    ASSERT_GT(server.port(), 0);
    std::string out;
    ASSERT_EQ(fetch("--url " + server.url() + " --out " + dir + "/qm7.mat", &out), 0) << out;
    EXPECT_NE(out.find("(resumed)"), std::string::npos) << out;
    EXPECT_EQ(qm7::readFile(dir + "/qm7.mat"), qm7::readFile(file));
    const std::string log = readLog(dir + "/server.log");
    EXPECT_NE(log.find("GET bytes="), std::string::npos) << log; // the second request resumed
}

TEST(FetchCli, DroppedConnectionWithoutRetriesKeepsThePartForTheNextRun) {
    QM7_SKIP_WITHOUT_PYTHON();
    const std::string dir = qm7::test::freshDir("fetch_part");
    const std::string file = servedFile(dir);
    {
        LocalServer server(file, "drop", dir + "/server1.log");
        std::string out;
        EXPECT_EQ(fetch("--retries 0 --url " + server.url() + " --out " + dir + "/qm7.mat", &out),
                  1)
            << out;
        EXPECT_NE(out.find("run again to resume"), std::string::npos) << out;
        EXPECT_FALSE(fs::exists(dir + "/qm7.mat"));
        ASSERT_TRUE(fs::exists(dir + "/qm7.mat.part"));
        EXPECT_LT(fs::file_size(dir + "/qm7.mat.part"), fs::file_size(file));
    }
    LocalServer server(file, "ok", dir + "/server2.log");
    std::string out;
    ASSERT_EQ(fetch("--url " + server.url() + " --out " + dir + "/qm7.mat", &out), 0) << out;
    EXPECT_NE(out.find("(resumed)"), std::string::npos) << out;
    EXPECT_EQ(qm7::readFile(dir + "/qm7.mat"), qm7::readFile(file));
    EXPECT_FALSE(fs::exists(dir + "/qm7.mat.part"));
}

TEST(FetchCli, ServerWithoutRangeSupportRestarts) {
    QM7_SKIP_WITHOUT_PYTHON();
    const std::string dir = qm7::test::freshDir("fetch_norange");
    const std::string file = servedFile(dir);
    LocalServer server(file, "norange", dir + "/server.log");
    std::string out;
    ASSERT_EQ(fetch("--url " + server.url() + " --out " + dir + "/qm7.mat", &out), 0) << out;
    EXPECT_EQ(qm7::readFile(dir + "/qm7.mat"), qm7::readFile(file));
}

TEST(FetchCli, WrongFileIsRejectedAndDeleted) {
    QM7_SKIP_WITHOUT_PYTHON();
    const std::string dir = qm7::test::freshDir("fetch_wrong");
    std::ofstream(dir + "/page.html") << "<html><body>Not the data you are looking for</body>"
                                         "</html>\n";
    LocalServer server(dir + "/page.html", "ok", dir + "/server.log");
    std::string out;
    EXPECT_EQ(fetch("--url " + server.url() + " --out " + dir + "/qm7.mat", &out), 1) << out;
    EXPECT_NE(out.find("not what was expected"), std::string::npos) << out;
    EXPECT_NE(out.find("not a MATLAB"), std::string::npos) << out;
    EXPECT_FALSE(fs::exists(dir + "/qm7.mat"));
    EXPECT_FALSE(fs::exists(dir + "/qm7.mat.part"));
}

TEST(FetchCli, MissingFileAndNoServer) {
    QM7_SKIP_WITHOUT_PYTHON();
    const std::string dir = qm7::test::freshDir("fetch_missing");
    std::ofstream(dir + "/x") << "x";
    int port = 0;
    {
        LocalServer server(dir + "/x", "missing", dir + "/server.log");
        port = server.port();
        std::string out;
        EXPECT_EQ(fetch("--url " + server.url() + " --out " + dir + "/qm7.mat", &out), 1) << out;
        EXPECT_NE(out.find("HTTP 404"), std::string::npos) << out;
    }
    // Nobody listens on the port any more: a clear failure after the retries.
    std::string out;
    EXPECT_EQ(fetch("--retries 1 --url http://127.0.0.1:" + std::to_string(port) +
                        "/qm7.mat --out " + dir + "/qm7.mat",
                    &out),
              1)
        << out;
    EXPECT_NE(out.find("failed"), std::string::npos) << out;
    EXPECT_FALSE(fs::exists(dir + "/qm7.mat"));
}
