// qm7 slurm-status: the tasks of the last `qm7 slurm ... --submit` into a project folder, one line
// each (pending with Slurm's reason, running, done, failed with the line of its log that says
// why, cancelled), from squeue where Slurm is there and from the folder alone otherwise.
#include "commands.h"
#include "slurm_support.h"

#include "qm7/train/slurm_tasks.h"

#include <iomanip>
#include <iostream>
#include <memory>

namespace qm7::cli {

namespace {

/// squeue's lines for the submission; nothing when Slurm cannot be asked (with why in note).
std::optional<std::string> askSqueue(const SlurmSubmission& s, std::string& note) {
    std::string out;
    if (runCaptured("command -v squeue", out) != 0) {
        note = "squeue is not here: states read from the project folder alone";
        return std::nullopt;
    }
    const int status = runCaptured(squeueCommand(s), out);
    // Jobs that left the queue make squeue fail with "Invalid job id": nothing is listed.
    if (status != 0 && out.find("Invalid job id") == std::string::npos) {
        note = "squeue failed (" + out + "): states read from the project folder alone";
        return std::nullopt;
    }
    return status == 0 ? out : std::string();
}

int runSlurmStatus(const std::string& project) {
    std::optional<SlurmSubmission> s;
    try {
        s = readSlurmSubmission(project);
    } catch (const std::runtime_error& e) {
        throw UsageError(e.what());
    }
    if (!s)
        throw UsageError(project +
                         " holds no Slurm submission (no slurm/jobs.txt): submit one "
                         "with qm7 slurm <command> ... --out " +
                         project + " --submit");
    std::string note;
    const std::optional<std::string> squeue = askSqueue(*s, note);
    const std::vector<SlurmTask> tasks = slurmTasks(*s, squeue);
    std::cout << "qm7 " << s->command << ": array job " << s->arrayId << " (" << s->tasks
              << " tasks)";
    if (!s->afterId.empty())
        std::cout << ", " << s->afterKind << " job " << s->afterId;
    std::cout << "\n";
    if (!note.empty())
        std::cout << note << "\n";
    for (const SlurmTask& t : tasks) {
        std::cout << std::left << std::setw(10)
                  << (t.index < 0 ? s->afterKind : "task " + std::to_string(t.index))
                  << std::setw(14) << t.jobId << std::setw(12) << slurmTaskStateName(t.state)
                  << t.detail << "\n";
    }
    return kOk;
}

} // namespace

Command addSlurmStatusCommand(CLI::App& app) {
    auto project = std::make_shared<std::string>();
    CLI::App* sub = app.add_subcommand(
        "slurm-status", "The tasks of the last qm7 slurm ... --submit into a project folder: "
                        "pending (with Slurm's reason), running, done, failed (with the line "
                        "of its log that says why) or cancelled");
    sub->add_option("--out", *project, "The project folder given to qm7 slurm --out")->required();
    return {sub, [project] { return runSlurmStatus(*project); }};
}

} // namespace qm7::cli
