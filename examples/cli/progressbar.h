#pragma once

// A one-line progress bar on stderr, drawn only when stderr is a terminal.

#include <QtCore/QElapsedTimer>
#include <QtCore/QHash>
#include <QtCore/QList>
#include <QtCore/QPair>
#include <QtCore/QString>

namespace Cli {

class ProgressBar
{
public:
    explicit ProgressBar(bool enabled);
    ~ProgressBar();

    bool isEnabled() const { return m_enabled; }
    void update(const QString &identifier, qint64 received, qint64 total);
    void remove(const QString &identifier); // the transfer finished
    // Erase the bar so a message can take the line; the next update draws it again.
    void clear();

    static bool stderrIsTerminal();

private:
    void render();
    qint64 rate() const; // bytes per second over the last few seconds

    bool m_enabled;
    bool m_drawn = false;
    QHash<QString, QPair<qint64, qint64>> m_transfers; // received, total
    QElapsedTimer m_clock;
    qint64 m_lastRenderMs = -1;
    QList<QPair<qint64, qint64>> m_samples; // ms, bytes received over all transfers
};

} // namespace Cli
