#pragma once

// A one-line progress bar on stderr, drawn only when stderr is a terminal.

#include <QtCore/QElapsedTimer>
#include <QtCore/QHash>
#include <QtCore/QList>
#include <QtCore/QPair>
#include <QtCore/QString>

#include <functional>
#include <optional>

namespace Cli {

class ProgressBar
{
public:
    explicit ProgressBar(bool enabled);
    ~ProgressBar();

    struct Speed
    {
        qint64 bytesPerSecond = 0; // 0: unknown
        qint64 etaSeconds = -1;    // -1: unknown
    };
    // Where the speed and time left of one transfer come from (the library's smoothed view);
    // without it, or when it knows nothing, the bar measures the speed itself.
    void setSpeedSource(std::function<std::optional<Speed>(const QString &identifier)> source);

    bool isEnabled() const { return m_enabled; }
    void update(const QString &identifier, qint64 received, qint64 total);
    void remove(const QString &identifier); // the transfer finished
    // Erase the bar so a message can take the line; the next update draws it again.
    void clear();

    static bool stderrIsTerminal();

private:
    void render();
    qint64 rate() const; // bytes per second over the last few seconds
    Speed speed(qint64 received, qint64 total, bool totalKnown) const;

    bool m_enabled;
    bool m_drawn = false;
    QHash<QString, QPair<qint64, qint64>> m_transfers; // received, total
    QElapsedTimer m_clock;
    qint64 m_lastRenderMs = -1;
    QList<QPair<qint64, qint64>> m_samples; // ms, bytes received over all transfers
    std::function<std::optional<Speed>(const QString &)> m_speedSource;
};

} // namespace Cli
