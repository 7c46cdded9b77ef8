#pragma once
/// @file job_window.h
/// A top-level window that runs background jobs through the job runner (job_runner.h): closing
/// it cancels and joins them (what they finished stays on disk); destroying it closes them
/// without calling their done. The comparison of representations and the learning curves of
/// models are such windows.

#include <QString>
#include <QWidget>

#include <functional>
#include <string>

class QCloseEvent;

namespace qm7 {
struct MoleculeSource;
}

namespace qm7::ui {

class JobContext;

class JobWindow : public QWidget {
    Q_OBJECT
  public:
    explicit JobWindow(QWidget* parent = nullptr);
    ~JobWindow() override;

    /// A job of this window is running.
    bool isRunning() const;

  protected:
    /// What a job on molecules does: returns whether it was cancelled.
    using MoleculeWork = std::function<bool(const qm7::MoleculeSource&, JobContext&)>;
    /// After it, on the GUI thread: cancelled, and the message of what it threw ("" if none).
    using MoleculeDone = std::function<void(bool cancelled, const QString& error)>;
    /// Starts a job in lane that sets up the numeric libraries, reads the molecules of source
    /// ("demo", an .xyz or .mat) and runs work on them; false when the runner refuses it (the
    /// window is closing or already runs that lane).
    bool runOnMolecules(const QString& lane, const std::string& source, MoleculeWork work,
                        MoleculeDone done);
    void closeEvent(QCloseEvent* event) override;
};

} // namespace qm7::ui
