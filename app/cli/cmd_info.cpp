// qm7 info SOURCE: what is in a data set (a dataset.pt, molecules or demo, as every command).
#include "commands.h"

#include "qm7/io/dataset.h"

#include <iomanip>
#include <iostream>

namespace qm7::cli {

Command addInfoCommand(CLI::App& app) {
    auto path = std::make_shared<std::string>();
    CLI::App* sub = app.add_subcommand("info", "Print sizes, d, N, dtype and label statistics");
    sub->add_option("source", *path, "dataset.pt, molecules (.xyz, .xyz.gz, .mat) or demo")
        ->required();
    return {sub, [path] {
                const Dataset data = loadData(*path);
                std::cout << "file            " << *path << "\n"
                          << "representation  " << data.representation << "\n"
                          << "dtype           " << data.sourceDtype << "\n"
                          << "d               " << data.d << "\n"
                          << "N (atoms)       " << data.atoms << "\n\n";
                std::cout << std::left << std::setw(8) << "split" << std::right << std::setw(7)
                          << "n" << std::setw(12) << "mean" << std::setw(11) << "std"
                          << std::setw(12) << "min" << std::setw(12) << "max"
                          << "   (labels, kcal/mol)\n";
                const std::pair<const char*, const Split*> splits[] = {
                    {"train", &data.train}, {"val", &data.val}, {"test", &data.test}};
                std::cout << std::fixed << std::setprecision(1);
                for (const auto& [name, split] : splits) {
                    const LabelStats s = labelStats(split->y);
                    std::cout << std::left << std::setw(8) << name << std::right << std::setw(7)
                              << s.n << std::setw(12) << s.mean << std::setw(11) << s.std
                              << std::setw(12) << s.min << std::setw(12) << s.max << "\n";
                }
                return static_cast<int>(kOk);
            }};
}

} // namespace qm7::cli
