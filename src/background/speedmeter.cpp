#include "speedmeter.h"

#include <cmath>

namespace Background {

void SpeedMeter::sample(qint64 nowMs, qint64 bytes)
{
    if (m_lastMs < 0 || bytes < m_lastBytes) {
        m_lastMs = nowMs;
        m_lastBytes = bytes;
        m_rate = 0;
        m_hasRate = false;
        return;
    }
    const qint64 dt = nowMs - m_lastMs;
    if (dt <= 0)
        return; // the bytes count in the next interval
    const double instant = double(bytes - m_lastBytes) * 1000.0 / double(dt);
    // Weight by elapsed time, so irregular samples smooth the same way as regular ones.
    const double alpha = 1.0 - std::exp(-double(dt) / double(WindowMs));
    m_rate = m_hasRate ? m_rate + alpha * (instant - m_rate) : instant;
    m_hasRate = true;
    m_lastMs = nowMs;
    m_lastBytes = bytes;
}

qint64 SpeedMeter::bytesPerSecond() const
{
    return m_hasRate ? qint64(std::llround(m_rate)) : 0;
}

qint64 SpeedMeter::etaSeconds(qint64 total) const
{
    if (total < 0 || !m_hasRate)
        return -1;
    if (m_lastBytes >= total)
        return 0;
    if (m_rate < 1.0)
        return -1;
    return qint64(std::ceil(double(total - m_lastBytes) / m_rate));
}

} // namespace Background
