#include "progressbar.h"

#include "jsonreport.h"

#include <cstdio>

#ifdef Q_OS_UNIX
#include <sys/ioctl.h>
#include <unistd.h>
#endif

namespace Cli {

namespace {
constexpr qint64 kRenderIntervalMs = 100;
constexpr qint64 kRateWindowMs = 3000;

// "42s", "3:07", "1:02:03"
QString durationText(qint64 seconds)
{
    if (seconds < 60)
        return QStringLiteral("%1s").arg(seconds);
    const auto two = [](qint64 n) { return QStringLiteral("%1").arg(n, 2, 10, QLatin1Char('0')); };
    if (seconds < 3600)
        return QStringLiteral("%1:%2").arg(seconds / 60).arg(two(seconds % 60));
    return QStringLiteral("%1:%2:%3")
            .arg(seconds / 3600)
            .arg(two(seconds / 60 % 60), two(seconds % 60));
}

int terminalWidth()
{
#ifdef Q_OS_UNIX
    winsize ws = {};
    if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20)
        return ws.ws_col;
#endif
    return 80;
}

} // namespace

ProgressBar::ProgressBar(bool enabled)
    : m_enabled(enabled)
{
    m_clock.start();
}

ProgressBar::~ProgressBar()
{
    clear();
}

bool ProgressBar::stderrIsTerminal()
{
#ifdef Q_OS_UNIX
    return ::isatty(STDERR_FILENO) == 1;
#else
    return false;
#endif
}

void ProgressBar::setSpeedSource(
        std::function<std::optional<Speed>(const QString &identifier)> source)
{
    m_speedSource = std::move(source);
}

void ProgressBar::update(const QString &identifier, qint64 received, qint64 total)
{
    if (!m_enabled)
        return;
    const qint64 before = m_transfers.value(identifier).first;
    m_transfers.insert(identifier, {received, total});
    const qint64 now = m_clock.elapsed();
    qint64 sum = 0;
    for (const auto &t : std::as_const(m_transfers))
        sum += t.first;
    // A transfer that started over makes the old samples meaningless for the rate.
    if (received < before)
        m_samples.clear();
    m_samples.append({now, sum});
    while (m_samples.size() > 2 && now - m_samples.first().first > kRateWindowMs)
        m_samples.removeFirst();
    if (m_lastRenderMs >= 0 && now - m_lastRenderMs < kRenderIntervalMs && received != total)
        return;
    m_lastRenderMs = now;
    render();
}

void ProgressBar::remove(const QString &identifier)
{
    m_transfers.remove(identifier);
    m_samples.clear();
}

qint64 ProgressBar::rate() const
{
    if (m_samples.size() < 2)
        return 0;
    const auto &first = m_samples.first();
    const auto &last = m_samples.last();
    const qint64 ms = last.first - first.first;
    if (ms <= 0)
        return 0;
    return qMax<qint64>(0, (last.second - first.second) * 1000 / ms);
}

ProgressBar::Speed ProgressBar::speed(qint64 received, qint64 total, bool totalKnown) const
{
    Speed out;
    if (m_speedSource) {
        for (auto it = m_transfers.constBegin(); it != m_transfers.constEnd(); ++it) {
            if (const std::optional<Speed> s = m_speedSource(it.key())) {
                out.bytesPerSecond += s->bytesPerSecond;
                if (m_transfers.size() == 1)
                    out.etaSeconds = s->etaSeconds;
            }
        }
    }
    if (out.bytesPerSecond <= 0) // e.g. another process runs it: only our own samples
        out.bytesPerSecond = rate();
    if (out.etaSeconds < 0 && totalKnown && out.bytesPerSecond > 0 && total >= received)
        out.etaSeconds = (total - received + out.bytesPerSecond - 1) / out.bytesPerSecond;
    return out;
}

void ProgressBar::render()
{
    qint64 received = 0;
    qint64 total = 0;
    bool totalKnown = true;
    for (const auto &t : std::as_const(m_transfers)) {
        received += t.first;
        if (t.second < 0)
            totalKnown = false;
        else
            total += t.second;
    }
    const QString label = m_transfers.size() == 1
                                  ? m_transfers.constBegin().key()
                                  : QStringLiteral("%1 transfers").arg(m_transfers.size());
    const Speed now = speed(received, total, totalKnown);
    QString speed = QStringLiteral("%1 MiB/s").arg(mebibytes(now.bytesPerSecond));
    if (now.etaSeconds >= 0)
        speed += QStringLiteral("  ETA %1").arg(durationText(now.etaSeconds));
    QString text;
    const int width = terminalWidth() - 1; // the last column would wrap on some terminals
    if (totalKnown && total > 0) {
        const double fraction = qBound(0.0, double(received) / double(total), 1.0);
        const QString tail
                = QStringLiteral(" %1%  %2/%3 MiB  %4")
                          .arg(QString::number(fraction * 100.0, 'f', 1).rightJustified(5),
                               mebibytes(received),
                               mebibytes(total),
                               speed);
        QString head = label.left(qMax(8, width / 4)) + QLatin1Char(' ');
        const int barWidth = width - int(head.size() + tail.size()) - 2;
        if (barWidth >= 10) {
            const int filled = int(fraction * barWidth);
            head += QLatin1Char('[') + QString(filled, QLatin1Char('#'))
                    + QString(barWidth - filled, QLatin1Char('-')) + QLatin1Char(']');
        }
        text = head + tail;
    } else {
        text = QStringLiteral("%1  %2 MiB  %3").arg(label, mebibytes(received), speed);
    }
    text.truncate(width);
    // \r and "erase to end of line" redraw in place without leftovers from a longer line.
    std::fprintf(stderr, "\r%s\033[K", text.toLocal8Bit().constData());
    std::fflush(stderr);
    m_drawn = true;
}

void ProgressBar::clear()
{
    if (!m_drawn)
        return;
    std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
    m_drawn = false;
}

} // namespace Cli
