#include "clock.h"

#include <QtCore/QDateTime>
#include <QtCore/QRandomGenerator>

namespace Background {

qint64 Clock::nowMs() const
{
    return QDateTime::currentMSecsSinceEpoch();
}
double Clock::random01()
{
    return QRandomGenerator::global()->generateDouble();
}

ManualClock::ManualClock(qint64 startMs, QObject *parent)
    : Clock(parent)
    , m_now(startMs)
{}

void ManualClock::advance(qint64 ms)
{
    m_now += ms;
    Q_EMIT advanced();
}

} // namespace Background
